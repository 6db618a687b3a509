"""The TCP provisioning server on port 6666 (docs/tcp.md), driven like the seed's
clients: tcp_client.py's JSON, the phone app's apply/finish, raw sockets."""
import json
import re
import socket
import subprocess
import sys
import time

import pytest

from conftest import HOME_PASSWORD, ROOT

SEED_DOC = {"mode": 0, "save_config": 1, "countrycode": "GEN",
            "STA": {"ch": 0, "auto": 1, "auth": 3, "SSID": "DEMO_AP", "PWD": "password"},
            "AP": {"ch": 2, "ssidv": 1, "auth": 4, "SSID": "DEMO_AP_SOFTAP", "PWD": "password"}}
DEMO_AP = {"ssid": "DEMO_AP", "password": "password", "auth": 3, "channel": 1, "rssi": -60}


def connect(sim, timeout=5):
    return socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=timeout)


def read_answer(sock):
    """The next answer line, or None when the server closed (a close with
    unread data arrives as a reset)."""
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = sock.recv(1)  # one byte at a time: the next answer may follow at once
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return json.loads(data) if data.endswith(b"\n") else None


def ask(sim, payload, chunks=None, gap=0.05):
    """Send one message (whole, or in chunks with a gap) and read the answer."""
    with connect(sim) as sock:
        for part in chunks or [payload]:
            sock.sendall(part)
            if chunks:
                time.sleep(gap)
        return read_answer(sock)


@pytest.fixture
def ap_board(board, world):
    world.add(DEMO_AP)
    sim = board.start()
    sim.expect(r"^READY mode=ap tcp=%d " % sim.ports["tcp"])
    return sim


def split3(data):
    third = len(data) // 3
    return [data[:third], data[third:2 * third], data[2 * third:]]


@pytest.mark.parametrize("newline", [True, False])
@pytest.mark.parametrize("split", [False, True])
def test_seed_document_provisions(board, world, newline, split):
    # The AP's grace after a join is the default 30 s for the plain message
    # (one write, newline-ended): there the AP is seen to close after the
    # default grace. The other framings wait out a 3 s grace: the same timer,
    # the answer saying the same of it; the framing is what they vary.
    grace_s = 30 if newline and not split else 3
    world.add(DEMO_AP)
    ap_board = board.start(extra=() if grace_s == 30 else ("--ap-grace-ms", str(grace_s * 1000)))
    ap_board.expect(r"^READY mode=ap tcp=%d " % ap_board.ports["tcp"])
    data = json.dumps(SEED_DOC).encode() + (b"\n" if newline else b"")
    answer = ask(ap_board, data, chunks=split3(data) if split else None)
    # The answer comes once the board has joined the network and saved it.
    url = answer.get("url", "")
    assert re.fullmatch(r"http://demo-ap-softap\.local:%d/" % ap_board.ports["http"], url), answer
    assert answer == {"ok": True, "changed": True, "saved": True, "ip": "127.0.0.1", "url": url,
                      "next": 'joined "DEMO_AP" as 127.0.0.1 (%s); saved; the access point closes in %d s'
                              % (url, grace_s)}
    ap_board.expect(r'^EVENT CONNECTED ssid="DEMO_AP"$')
    ap_board.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    ap_board.expect(r"^sim: AP down", timeout=grace_s + 30)  # after the grace
    assert "sim: restarting the board" not in ap_board.transcript()


def test_a_client_that_closes_at_once_still_provisions(ap_board, board):
    # Microchip's tcp_client.py sends the document and closes without reading.
    with connect(ap_board) as sock:
        sock.sendall(json.dumps(SEED_DOC).encode())
    ap_board.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    assert json.loads((board.flash / "wifiprov.json").read_text())["STA"]["SSID"] == "DEMO_AP"


def test_a_network_that_cannot_be_joined_is_refused_over_tcp(ap_board, board):
    before = (board.flash / "wifiprov.json").read_bytes()
    doc = dict(SEED_DOC, STA=dict(SEED_DOC["STA"], PWD="not-the-password"))
    assert ask(ap_board, json.dumps(doc).encode()) == {
        "ok": False, "reason": "the password is wrong",
        "error": 'could not join "DEMO_AP": the password is wrong. Nothing was saved; the access point stays up'}
    assert (board.flash / "wifiprov.json").read_bytes() == before
    assert ask(ap_board, json.dumps(dict(SEED_DOC, verify=2)).encode()) == {"ok": False, "error": (
        "verify: must be 1 (join the network before saving it, the default) or 0 (save it without trying)")}
    # "verify": 0 saves a network that is not in range now, without trying it.
    doc = dict(SEED_DOC, STA=dict(SEED_DOC["STA"], SSID="Holiday Home"), verify=0)
    assert ask(ap_board, json.dumps(doc).encode())["next"] == 'saved; restarting in 1.5 s to join "Holiday Home"'
    ap_board.expect(r"^sim: restarting the board$")



def test_phone_app_apply_then_finish(ap_board, board):
    with connect(ap_board) as sock:
        sock.sendall(b"apply,HomeNet,2,%s,NULL" % HOME_PASSWORD.encode())  # no newline, as the app
        assert read_answer(sock)["ok"] is True
        sock.sendall(b"finish")  # the AP closes now, not after its grace
        assert read_answer(sock) == {"ok": True, "next": "finish: the access point closes now"}
    ap_board.expect(r'^EVENT PROV_COMPLETE autoconnect=1 channel=0 mode=0 security=3 ssid="HomeNet"$')
    ap_board.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    ap_board.expect(r'^provisioning: closed; the board stays on "HomeNet" at 127\.0\.0\.1$', timeout=10)
    stored = json.loads((board.flash / "wifiprov.json").read_text())
    assert stored["STA"] == {"ch": 0, "auto": 1, "auth": 3, "SSID": "HomeNet", "PWD": HOME_PASSWORD}


def test_phone_app_apply_open_network(ap_board):
    # A password for an open network is refused, not dropped without a word.
    assert ask(ap_board, b"apply,Cafe Guest,1,secret,NULL") == {
        "ok": False, "error": "STA.PWD: must be empty for auth 1 (open)"}
    # The phone app's numbering in its errors: 2 is WPA/WPA2 there.
    assert ask(ap_board, b"apply,HomeNet,2,short,NULL") == {"ok": False, "error": (
        "STA.PWD: must be 8..63 printable ASCII characters or 64 hex digits for auth 2 (WPA/WPA2)")}
    assert ask(ap_board, b"apply,Cafe Guest,1,,NULL")["ok"] is True
    ap_board.expect(r'^EVENT CONNECTED ssid="Cafe Guest"$')
    ap_board.expect(r"^READY mode=sta")


def test_several_messages_in_one_write_are_each_answered(ap_board):
    with connect(ap_board) as sock:
        sock.sendall(b'{"cmd": "status"}{"cmd": "get"}\nfinish\n')
        first, second, third = read_answer(sock), read_answer(sock), read_answer(sock)
    assert first["ok"] and first["mode"] == 1 and first["servers"]["tcp"] == ap_board.ports["tcp"]
    assert second["config"]["AP"]["PWD"] == "********"
    assert third == {"ok": True, "next": "finish: nothing more to do"}


def test_scan_status_get_extensions(ap_board):
    scan = ask(ap_board, b'{"cmd": "scan"}\n')
    names = [n["ssid"] for n in scan["networks"]]
    assert names == ["HomeNet", "DEMO_AP", "Cafe Guest"]
    assert scan["networks"][0] == {"ssid": "HomeNet", "ssid_hex": "486f6d654e6574", "rssi": -48,
                                   "channel": 6, "auth": 4}
    status = ask(ap_board, b'{"cmd": "status"}')
    assert status["heap"]["alloc"] > 0 and status["heap"]["free"] > 0
    assert status["sta"]["state"] == "idle" and status["ap"]["up"] is True
    get = ask(ap_board, b'{"cmd": "get"}')
    assert "STA" not in get["config"] and get["config"]["AP"]["SSID"].startswith("wifiprov-")


INVALID_FIELDS = [
    ({"mode": 2}, "mode: must be 0 (STA) or 1 (AP)"),
    ({"mode": 0, "save_config": 3, "STA": SEED_DOC["STA"]}, "save_config: must be 0 (until reset) or 1"),
    ({"mode": 0, "countrycode": "XX", "STA": SEED_DOC["STA"]}, "countrycode: must be one of"),
    ({"mode": 0, "STA": dict(SEED_DOC["STA"], ch=14)}, "STA.ch: must be 0..13 for GEN"),
    ({"mode": 0, "STA": dict(SEED_DOC["STA"], auto=2)}, "STA.auto: must be 0"),
    ({"mode": 0, "STA": dict(SEED_DOC["STA"], auth=2)}, "STA.auth: 2 (WEP) is refused"),
    ({"mode": 0, "STA": dict(SEED_DOC["STA"], SSID="")}, "STA.SSID: must be 1..32 bytes"),
    ({"mode": 0, "STA": dict(SEED_DOC["STA"], PWD="short")}, "STA.PWD: must be 8..63"),
    ({"mode": 1, "AP": dict(SEED_DOC["AP"], ch=0)}, "AP.ch: must be 1..13 for GEN"),
    ({"mode": 1, "AP": dict(SEED_DOC["AP"], ssidv=2)}, "AP.ssidv: must be 0 (hidden) or 1 (visible)"),
    ({"mode": 1, "AP": dict(SEED_DOC["AP"], auth=9)}, "AP.auth: must be 1 (open)"),
    ({"mode": 1, "AP": dict(SEED_DOC["AP"], PWD="x" * 64)}, "AP.PWD: must be 8..63 printable ASCII characters for"),
]


@pytest.mark.parametrize("doc,error", INVALID_FIELDS)
def test_each_invalid_field_is_refused_and_nothing_changes(ap_board, board, doc, error):
    before = (board.flash / "wifiprov.json").read_bytes()
    answer = ask(ap_board, json.dumps(doc).encode() + b"\n")
    assert answer["ok"] is False and answer["error"].startswith(error), answer
    assert set(answer) == {"ok", "error"}
    assert (board.flash / "wifiprov.json").read_bytes() == before


MALFORMED = [
    b'{"mode": 0, "STA": {"SSID": "x"\n',  # a newline inside an open object: waits, then times out
    b'{"mode": }\n',  # MicroPython's json takes it as {}: validation names the missing key
    b'{"mode": 1]}\n',
    b'{"mode": tru}\n',
    b'{"mode": NaN}\n',
    b"{mode: 1}\n",
    b"{'mode': 1}\n",
    b'"just a string"\n',
    b"12345\n",
    b"hello\n",
    b'{"mode": %s}\n' % (b"9" * 400),
    b'{"mode": true}\n',
    b'{"mode": 1, "save_config": false}\n',
    b'{"mode": "1"}\n',
    b'{"mode": 1, "AP": {"ch": 1.5}}\n',
    b'{"mode": 1, "AP": []}\n',
    b'{"mode": 1, "extra": 1}\n',
    b'{"mode": 0, "STA": {"SSID": "%s", "PWD": "abcdefgh", "auth": 4}}\n' % (b"s" * 33),
    b'{"mode": 0, "STA": {"SSID": "nul\\u0000here", "PWD": "abcdefgh", "auth": 4}}\n',
    b'{"mode": 0, "STA": {"SSID": "\xc0\xaf", "PWD": "abcdefgh", "auth": 4}}\n',  # overlong UTF-8 "/"
    b'{"mode": 0, "STA": {"SSID": "\xed\xa0\x80", "PWD": "abcdefgh", "auth": 4}}\n',  # a surrogate
    b"\xff\xfe\x00\x01garbage\x80\n",
    b"apply,HomeNet\n",
    b"apply,HomeNet,3,password,NULL\n",
    b"apply,,2,password,NULL\n",
    b"[" * 500 + b"\n",
    b"{" * 600 + b"\n",
    b"x" * 2048 + b"\n",
    bytes(range(256)) + b"\n",
]


def test_malformed_messages_get_an_error_or_a_close_and_change_nothing(ap_board, board):
    before = (board.flash / "wifiprov.json").read_bytes()
    for payload in MALFORMED:
        with connect(ap_board, timeout=15) as sock:
            sock.sendall(payload)
            answer = read_answer(sock)
        assert answer is None or answer["ok"] is False, (payload[:60], answer)
        if answer is not None:
            assert answer["error"], payload[:60]
    assert (board.flash / "wifiprov.json").read_bytes() == before
    assert ask(ap_board, b'{"cmd": "status"}\n')["ok"] is True
    answer = ask(ap_board, json.dumps({"mode": 1, "AP": {"ch": 11}}).encode())
    assert answer["ok"] is True and answer["next"].endswith("on channel 11")


def test_long_message_is_refused_at_the_limit(ap_board):
    with connect(ap_board) as sock:
        sock.sendall(b"x" * 5000)
        answer = read_answer(sock)
        assert answer == {"ok": False, "error": "message longer than 1024 bytes; closing"}
        assert read_answer(sock) is None  # and the connection is closed


def test_third_client_is_refused_while_two_fresh_ones_hold_then_takes_an_idle_slot(ap_board):
    first, second = connect(ap_board), connect(ap_board)
    try:
        time.sleep(0.1)  # both are connected, and within their 0.5 s hold
        with connect(ap_board) as third:
            answer = read_answer(third)
            assert answer["ok"] is False and answer["error"].startswith("busy:")
        first.sendall(b'{"cmd": "get"}\n')
        assert read_answer(first)["ok"] is True  # the two held ones still work
        time.sleep(0.8)  # now both have been idle past the hold: the longest idle one goes
        assert ask(ap_board, b'{"cmd": "status"}\n')["ok"] is True
        assert read_answer(second) is None  # second had gone longest without a message
        first.sendall(b'{"cmd": "get"}\n')
        assert read_answer(first)["ok"] is True
    finally:
        first.close()
        second.close()
    time.sleep(0.3)
    assert ask(ap_board, b'{"cmd": "get"}\n')["ok"] is True  # and the slots came back


def test_slow_client_is_dropped_while_another_provisions(ap_board):
    slow = connect(ap_board, timeout=15)
    started = time.monotonic()
    closed_after = None
    try:
        for byte in b'{"mode": 1, "AP": {"ch": 3}}':
            slow.sendall(bytes([byte]))
            if time.monotonic() - started > 1.5:
                break
            time.sleep(1)
        # Meanwhile a normal client provisions.
        answer = ask(ap_board, json.dumps({"mode": 1, "AP": {"ch": 9}}).encode())
        assert answer["ok"] is True and answer["next"].endswith("on channel 9")
        slow.settimeout(15)
        try:
            while True:
                slow.sendall(b" ")
                time.sleep(1)
                if time.monotonic() - started > 20:
                    break
        except OSError:
            closed_after = time.monotonic() - started
    finally:
        slow.close()
    assert closed_after is not None and closed_after <= 12


def test_idle_client_is_dropped(ap_board):
    started = time.monotonic()
    with connect(ap_board, timeout=30) as sock:
        answer = read_answer(sock)
        assert answer == {"ok": False, "error": "idle for 20 s; closing"}
        assert read_answer(sock) is None
    assert 19 <= time.monotonic() - started < 25


def test_client_trickling_text_is_dropped(ap_board):
    started = time.monotonic()
    answers = []
    with connect(ap_board, timeout=15) as sock:
        try:
            for byte in b"apply,HomeNet,2,secret,NULL":
                sock.sendall(bytes([byte]))
                answer = read_answer(sock)
                if answer is None:
                    break
                answers.append(answer)
                time.sleep(1)
        except OSError:
            pass
    assert time.monotonic() - started < 10
    assert answers[-1] == {"ok": False, "error": "3 refused messages in a row; closing"}
    assert ask(ap_board, b'{"cmd": "get"}\n')["ok"] is True


def run_client(sim, *args, stdin=None):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "wifiprov.py"), "--host", "127.0.0.1",
                           "--port", str(sim.ports["tcp"]), *args],
                          capture_output=True, text=True, input=stdin, timeout=30)


def test_laptop_client(ap_board, tmp_path):
    run = run_client(ap_board, "status")
    assert run.returncode == 0 and "access point: up" in run.stdout and "heap:" in run.stdout
    run = run_client(ap_board, "scan")
    assert run.returncode == 0 and "HomeNet" in run.stdout and "WPA2" in run.stdout
    run = run_client(ap_board, "get")
    assert run.returncode == 0 and '"PWD": "********"' in run.stdout
    run = run_client(ap_board, "status", "--raw")  # --raw after the command too
    assert run.returncode == 0 and json.loads(run.stdout)["ok"] is True
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"mode": 1, "AP": {"ch": 99}}))
    run = run_client(ap_board, "json", str(bad))
    assert run.returncode == 1 and "ERROR: AP.ch: must be 1..13 for GEN" in run.stdout
    run = run_client(ap_board, "--raw", "json", "-", stdin=json.dumps({"mode": 1, "AP": {"ch": 5}}))
    assert run.returncode == 0 and json.loads(run.stdout)["next"].endswith("on channel 5")
    ap_board.expect(r"^READY mode=ap")
    # --auth by name is the config's numbering: wpa2 stores WPA2 (4), where
    # the phone app's 4 would store WPA3.
    run = run_client(ap_board, "apply", "HomeNet", "--auth", "nope", "--password", HOME_PASSWORD)
    assert run.returncode == 2 and "use open, wpa, wpa2, wpa3 or wpa2/wpa3" in run.stderr
    run = run_client(ap_board, "apply", "Cafe Guest", "--auth", "1", "--password", "not-empty")
    assert run.returncode == 1 and "ERROR: STA.PWD: must be empty for auth 1 (open)" in run.stdout
    run = run_client(ap_board, "apply", "HomeNet", "--auth", "wpa2", "--password", HOME_PASSWORD)
    assert run.returncode == 0 and 'OK: joined "HomeNet" as 127.0.0.1' in run.stdout, run.stdout
    ap_board.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    assert json.loads((ap_board.flash / "wifiprov.json").read_text())["STA"]["auth"] == 4
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "wifiprov.py"), "--host", "127.0.0.1",
                          "--port", "1", "status"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 3 and "cannot talk to 127.0.0.1:1" in run.stderr  # not 2, a usage error's


def settled_heap(sock, below=None, within_s=15):
    """gc.mem_alloc() after a collect, from the status answer, once the
    connections before this one have ended: they linger a moment after the
    client closes, each with its buffer (more so on a loaded machine). Read
    until it is at most `below`, or until it stops falling; the least."""
    least = None
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        sock.sendall(b'{"cmd": "status"}\n')
        alloc = read_answer(sock)["heap"]["alloc"]
        if least is not None and alloc >= least and below is None:
            return least
        least = alloc if least is None else min(least, alloc)
        if below is not None and least <= below:
            return least
    return least


def test_heap_is_stable_over_1000_requests(ap_board, board):
    """Under the test heap: gc.mem_alloc() after a collect, read through the
    status answer, comes back within 1 KB of its value after the first 10
    requests."""
    ap_doc = json.loads((board.flash / "wifiprov.json").read_text())
    same_ap = json.dumps({"mode": 1, "save_config": 1, "AP": ap_doc["AP"]}).encode() + b"\n"
    mix = [b'{"cmd": "get"}\n', b'{"cmd": "status"}\n', b'{"mode": 1, "AP": {"ch": 99}}\n', same_ap,
           b"garbage\n", b'{"mode": 0, "STA": {"SSID": ""}}\n', b"finish\n", b'{"cmd": "scan"}\n',
           b'{"mode": }\n', b"apply,HomeNet,7,x,NULL\n"]
    sent = 0
    heap = {}
    while sent < 1000:
        with connect(ap_board) as sock:
            for payload in mix:
                sock.sendall(payload)
                answer = read_answer(sock)
                assert answer is not None and "ok" in answer
                sent += 1
            if sent in (10, 1000):
                # At the end, waited for up to 25 s: longer than the 20 s after
                # which the server closes a connection with nothing to say. Once,
                # on a loaded machine, 1.5 KB more (a TCP client's size) was
                # still held at 15 s; what held it is not established. A leak
                # stays past any wait.
                heap[sent] = settled_heap(sock, None if sent == 10 else heap[10] + 1024, 15 if sent == 10 else 25)
    assert heap[1000] - heap[10] <= 1024, heap
    print("heap alloc after 10 requests: %d, after 1000: %d" % (heap[10], heap[1000]))
    ap_board.cmd("wifiprov status", r"^heap: \d+ bytes used, \d+ free$")


def test_the_ap_closes_after_a_second_try_that_fails_inside_the_first_ones_grace(board, world):
    # Joined over TCP: the AP closes after its grace. A second network tried
    # within that grace, which never gives an address, outlasts it: once
    # that try has failed (the station back on the first network), the AP
    # gets a grace again, and closes.
    world.add({"ssid": "NoDHCP", "password": "password1", "auth": 4, "channel": 2, "rssi": -60, "dhcp": False})
    sim = board.start(extra=("--attempt-timeout-ms", "4000", "--ap-grace-ms", "2000"))
    sim.expect(r"^READY mode=ap")
    with connect(sim, timeout=30) as s:
        s.sendall(b'{"mode": 0, "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "%s"}}\n' % HOME_PASSWORD.encode())
        assert read_answer(s)["next"].endswith("the access point closes in 2 s")
    with connect(sim, timeout=30) as s:
        s.sendall(b'{"mode": 0, "STA": {"SSID": "NoDHCP", "auth": 4, "PWD": "password1"}}\n')
        sim.expect(r'^station: trying "NoDHCP" before saving it')
        assert read_answer(s)["reason"].startswith("no address within 4 s")
    sim.expect(r'^provisioning: closed; the board stays on "HomeNet" at 127\.0\.0\.1$', timeout=30)
    sim.cmd("wifiprov status", r"^access point: down$")


def test_an_applied_config_whose_answer_finds_no_heap_is_still_said_applied():
    # Was: the answer of a joined and saved network met a full heap in its
    # JSON (the frozen whole flow at 25 KB), and the client was told "out of
    # memory: the board could not handle this message; try again" (and the
    # HTTP API client a 503 saying the same).
    from conftest import ROOT, run_micropython

    run = run_micropython(ROOT / "tests_host" / "mp" / "answer_cases.py")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    applied = '{"ok": true, "next": "applied; the board ran out of memory for the rest of this answer"}'
    assert lines[0] == "0 " + applied, lines
    assert lines[1].startswith('1 {"ok": false, "error": "out of memory'), lines
    # POST /api/config likewise (wifiprov.http), a whole HTTP answer made in advance.
    assert lines[2] == "http: HTTP/1.1 200 OK " + applied, lines
    assert lines[3] == "http: MemoryError (the server's out-of-memory answer)", lines
    # The form's result page too: its config was saved (an AP's new settings,
    # found by the fuzzer at 106K: a 503 "try again" for what was done).
    assert lines[4] == "form: HTTP/1.1 200 OK " + applied, lines
