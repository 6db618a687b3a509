"""The servers under load (docs/internals.md): a burst of clients as a phone
opening the captive portal sends, with connections opened and dropped at
once, at a board's heap. Whatever runs out of memory, every server keeps
accepting, says once on the console that it could not serve, and serves
again once the burst is over."""
import json
import socket
import threading
import time

from simdrive import answered, burst, tcp_answered

BURST_S = 40


def test_a_burst_of_clients_never_kills_the_web_server(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    burst(sim.ports["http"], BURST_S)
    status = answered(sim.ports["http"])
    assert status[0] == 200, (status, sim.transcript()[-3000:])
    assert json.loads(status[1])["provisioning"] is True
    assert tcp_answered(sim.ports["tcp"], {"cmd": "status"})["ok"]
    text = sim.transcript()
    assert "Task exception wasn't retrieved" not in text and "Traceback" not in text, text[-3000:]


def test_requests_meet_no_stale_code_while_the_servers_reload(board):
    # Closing provisioning drops the servers' code; opening it loads it
    # anew. A request that meets both must not meet two versions of a class
    # (isinstance() failed on a reloaded HttpError: AttributeError in web.answer).
    # The heap is 32K above the tests' own: at 128K, three clients that never
    # pause, with the servers reloaded under them, left the heap in pieces
    # (20 KB free, no piece big enough for a request's code), and the server
    # refused every request for a minute after the clients stopped (CI, and
    # 3 runs in 10 here); at 144K none of 8 runs met a full heap, until the
    # console became a job per burst of bytes (its code loaded and dropped
    # around each command): then 1 full make test in 2 met it, though 38 runs
    # of this test alone did not. That cliff is issue 23's heap diet (the
    # placement of the servers' held code among what outlives a command);
    # what this test checks is the code's version.
    sim = board.start(heap="160K")
    sim.expect(r"^READY mode=ap ")
    port = sim.ports["http"]
    stop = threading.Event()

    def requests():
        while not stop.is_set():
            for raw in (b"GET /config.htm HTTP/1.1\r\nHost: x\r\n\r\n", b"BREW /x HTTP/1.1\r\n\r\n",
                        b"GET /" + b"a" * 600 + b" HTTP/1.1\r\n\r\n", b"GET /api/status HTTP/1.1\r\n\r\n"):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                        s.sendall(raw)
                        s.recv(4096)
                except OSError:
                    time.sleep(0.02)

    threads = [threading.Thread(target=requests, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    def until_done(command, done):
        # Under the requests a command may find the heap full, and say so;
        # then it is typed again, as a user would, for up to a minute (a
        # loaded machine makes the board slow and the clients relatively fast).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            said = sim.cmd(command, r"^(%s|ERROR: out of memory; (try again|the line was dropped; type it again))$"
                           % done)
            if said.group(1) == done:
                return
            time.sleep(0.2)
        raise AssertionError("%r never went through" % command)

    try:
        for _ in range(40):
            until_done("wifiprov disable", "OK: provisioning disabled")
            until_done("wifiprov enable", "OK: provisioning enabled")
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert answered(port)[0] == 200
    text = sim.transcript()
    assert "Traceback" not in text and "AttributeError" not in text, text[-3000:]


def test_a_long_lived_task_outlives_what_goes_wrong_in_it():
    """The console and the button watch run for as long as wifiprov does,
    each outliving what goes wrong in it by itself: a bug is said and the
    task goes on (the console with an empty line), a full heap is waited
    out (an Improv client is answered), and Ctrl-C still ends wifiprov."""
    from conftest import case_lines

    lines = case_lines("keep_cases.py")
    assert lines == [
        "wifiprov: the console stopped (ValueError('a bug',)); starting it again",
        "console: out of memory; what is typed now runs once there is room",
        "console: 4 feeds, each handed an empty state: True",
        # An Improv frame's network, and no room to apply it: the client is
        # answered (unable to connect, then ready again), not left to time out.
        "improv: out of memory; try again",
        "", "IMPROV\x01\x02\x01\x03\\xe4",
        "", "IMPROV\x01\x01\x01\x02\\xe2",
        "Ctrl-C ends it",
        "button: OSError(5,); watching it again in a second",
        "button: watched again after its pin failed",
    ], lines


def test_a_request_held_after_its_reading_holds_no_module_of_the_reader():
    # A class whose instances outlive their job lives in a module that stays
    # loaded (docs/internals.md): a request from http_read held that
    # module's code (2 KB on a 32-bit board) until its answer was sent.
    from conftest import case_lines, heap_modules

    lines = case_lines("outlive_cases.py")
    said = [line for line in lines if line.startswith(("read:", "reader loaded:"))]
    assert said == ["read: POST /config.htm a=b&", "reader loaded: False"], lines
    modules = {label: heap_modules(lines[lines.index("MAP " + label):lines.index("MAP END", lines.index("MAP " + label))])
               for label in ("before", "held")}
    assert modules["held"] == modules["before"] > 0, modules


def test_the_modules_table_grown_when_provisioning_opens_keeps_what_is_loaded():
    # portal grows sys.modules' table while the heap is whole (a flow holds
    # up to 26 modules; past 23 the table's growth came at a form's POST).
    from conftest import case_lines

    lines = case_lines("modules_table_cases.py")
    assert lines == [
        "the same modules after: True",
        "spare keys left: []",
        "an import after it: True",
        "a crowded table keeps its modules: True",
    ], lines


def test_a_requests_modules_keep_their_tables_of_globals_small():
    # Each size step of a module's table is one more block in one piece
    # (8 bytes a slot on 32-bit), needed where the heap is tightest. At the
    # frozen flows' edge these were the blocks not found: web's 23-slot step
    # while the join page was polled, radio's at GET /api/scan, rules' 17
    # while a TCP message was checked, store's 23 at the save of a try (the
    # web-only flow's save failed in about 1 run of 15 at 24 KB for it). The
    # join page's modules (web_join, web_render) and rules stay within 12
    # slots, the others within 17 (names in its table: globals, __name__,
    # __file__).
    from conftest import case_lines

    limits = {"http_read": 12, "web": 17, "web_form": 17, "web_page": 17, "web_result": 12, "web_join": 12, "web_render": 12,
              "radio": 17, "rules": 12, "store": 17}
    sizes = dict(line.split() for line in case_lines("request_tables_cases.py", *limits))
    assert sorted(sizes) == sorted(limits), sizes
    assert {name: int(size) for name, size in sizes.items() if int(size) > limits[name]} == {}, sizes


def test_requests_code_is_cached_only_on_a_roomy_heap_and_dropped_when_caching_ends():
    # While provisioning is open on a heap with room to spare, a request's
    # modules stay loaded (the form page from .mpy files took 8-14 times the
    # reference's time, mostly loading them); they go when caching ends or
    # at a job's MemoryError, and a heap like a board's does not cache.
    from conftest import case_lines

    lines = case_lines("cache_cases.py", heap="1M")
    assert lines == [
        "caching: True",
        "kept after its job: True",
        "off, before the next job ends: True",
        "after the next job: False False",
        "a TypeError leaves it on: True True",
        "a MemoryError ends it: False False False",
    ], lines
    lines = case_lines("cache_cases.py", heap="128K")
    assert lines == ["caching: False"], lines


def test_a_server_that_finds_no_heap_for_its_task_leaves_its_port_free():
    """make test under load: a start that met a full heap at asyncio.create_task
    kept its socket bound with nothing serving it, and every later start of
    that server failed with OSError(98,) (issue 21, item 1). And a
    connection known to its server only after a watch period still has
    its deadline kept (make test under load: a refused request lingered for
    ever, the watch having ended before the connection was known)."""
    from conftest import ROOT, free_port, run_micropython

    run = run_micropython(ROOT / "tests_host" / "mp" / "listen_cases.py", str(ROOT / "firmware" / "unix"),
                          str(free_port()))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        "listener MemoryError; port free",
        "status server MemoryError; port free",
        "dns MemoryError; port free",
        "dns holds no socket: True",
        "no spare after a failed open: True",
        "lent: the spare first, then a new one: True True 1024",
        "given back: the first returned is the spare: True",
        "kept while a server listens: True",
        "gone with the last server: True",
        "listens without a spare: True True",
        "its first connection makes its own buffer: 1024",
        "given back, it is the spare: True",
        "deadline: kept",
        "closed",
    ], run.stdout + run.stderr


def test_the_wifi_supervisor_meets_a_full_heap_with_a_line_and_joins_on_the_next_try():
    """make test's fuzz pass under load: sta.connect() met a full heap, and the
    supervisor printed a traceback (it carried on). A full heap is said in one
    line, and the next try joins."""
    from conftest import ROOT, run_micropython

    run = run_micropython(ROOT / "tests_host" / "mp" / "wifi_cases.py", str(ROOT / "firmware" / "unix"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    assert run.stdout.splitlines()[-3:] == [
        "station: out of memory; trying again in a second", "EVENT DHCP_DONE", "joined"], run.stdout


def test_the_servers_code_is_loaded_again_after_a_full_heap(tmp_path):
    # Provisioning reopened at once (an AP's new settings over TCP) met a
    # full heap while the closed servers' clients unwound: the import of
    # wifiprov.http failed, and the AP stayed up with no server. Now a
    # MemoryError there is met with one more try; a second takes the AP
    # down and says so, leaving nothing loaded. An AP's new settings reopen
    # it with the servers' code kept: imported again at once, it landed in
    # the holes the closing left, and at a 112K heap the console could never
    # load again (found by the fuzzer). A full heap after the code loaded
    # left the AP up and that code held, and a fallback AP's every later
    # try met a heap without room (the console's hostile-names test at 104K).
    from conftest import case_lines

    lines = case_lines("portal_cases.py", str(tmp_path))
    assert [line for line in lines if line.startswith(("full ", "  ", "reopened", "made"))] == [
        "full 1 times: provisioning open, AP up, servers ['tcp', 'http', 'dns']",
        "  said: []",
        "  left loaded: []",
        "full 2 times: provisioning closed, AP down, servers []",
        "  said: ['provisioning: out of memory']",
        "  left loaded: []",
        "reopened: provisioning open, AP up, servers ['tcp', 'http', 'dns']",
        "  the same code, held: True True",
        "  left loaded: []",
        # A full heap once the code is in (a server being made): nothing of
        # the opening stays (the servers' code held, the AP up, were what
        # a fallback AP's every later try met), and the next try opens.
        "made: MemoryError to the caller",
        "  provisioning closed, AP down, servers []",
        "  left loaded: []",
        "  again: provisioning open, servers ['tcp', 'http', 'dns']",
        "  left loaded: []",
    ], lines


def test_the_servers_buffer_is_made_before_the_ap_cuts_the_heap_up(tmp_path):
    # The 32-bit frozen whole flow at 26 KB (make bench): in about 1 run in
    # 15 the AP's start and the servers' own objects had left no 1 KB piece
    # in 10 KB free when the first server made the connections' buffer,
    # and every request was refused ("out of memory") for good. The
    # opening now makes it first. Here the AP's start leaves no piece of
    # 1 KB (every other one of a heap's worth of 900-byte pieces freed).
    from conftest import case_lines

    lines = case_lines("spare_cases.py", str(tmp_path), heap="256K")
    assert [line for line in lines if line.startswith(("cut", "  "))] == [
        "cut: provisioning open, servers listening: 2, their buffer: 1024",
        "  lent to a connection: True True",
    ], lines


def test_an_applied_configs_next_step_runs_again_after_a_full_heap(tmp_path):
    # An AP's new settings were saved, then the reopen's code could not load
    # (the fuzzer at a 106-108K heap): a traceback, and the AP kept its old
    # settings until the next reset. An action (wifiprov.outcome's, the
    # try, the window) now runs again a second later, and says so once;
    # ten full heaps in a row give it up, with the traceback. A try given
    # up so ends with a failure its client and the page are told (it was
    # left "trying", and every later request "busy", until a reset).
    from conftest import case_lines

    lines = case_lines("react_cases.py", str(tmp_path))
    not_run = "the try could not start (the board's console says why); nothing was saved; try again"
    assert [line for line in lines if line.startswith(("full ", "provisioning: ", "MemoryError", "EVENT",
                                                       "try "))] == [
        "full 0 times: ran 1 times, the station idle",
        "provisioning: out of memory for outcome.stay_idle; trying again each second",
        "full 2 times: ran 3 times, the station idle",
        "provisioning: out of memory for outcome.stay_idle; trying again each second",
        "MemoryError: memory allocation failed, allocating 485 bytes",
        "full 10 times: ran 10 times, the station still joining",
        "provisioning: out of memory for trial.run; trying again each second",
        "MemoryError: memory allocation failed, allocating 485 bytes",
        'EVENT PROV_FAILURE reason="%s"' % not_run,
        "try full 10 times: ran 10 times, failed, busy False, still trying False, the answer: %s"
        % {"error": not_run, "ok": False},
    ], lines
