"""The maker's own program on top of wifiprov (docs/app.md): an app.py on the
simulated board's flash, run by the shipped main.py, as on a board."""
import json
import socket
import textwrap

from conftest import HOME_PASSWORD

PROVISION = 'wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD


def put_app(board, source):
    board.flash.mkdir(parents=True, exist_ok=True)
    (board.flash / "app.py").write_text(textwrap.dedent(source))


def tcp_status(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b'{"cmd": "status"}\n')
        return json.loads(s.makefile("rb").readline())


def test_app_runs_after_the_services_and_sees_the_join(board):
    put_app(board, """
        import wifiprov

        events = []

        def on_prov(event, data):
            print("APP prov %s ssid=%s security=%s" % (event, data["ssid"], data["security"]))

        wifiprov.set_callback(on_prov)  # at import: before wifiprov has booted
        wifiprov.set_wifi_callback(lambda event, data: print("APP wifi", event))

        async def main():
            print("APP started")
            # the API's names are found when asked for (wifiprov.api, loaded per lookup)
            print("APP api", hasattr(wifiprov, "value"), hasattr(wifiprov, "no_such_call"))
            info = await wifiprov.connected()
            print("APP connected ip=%(ip)s ssid=%(ssid)s hostname=%(hostname)s" % info)
            s = wifiprov.status()
            print("APP status", s["sta"]["state"], s["mode"], s["provisioning"])
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^APP started$")  # offline: main() runs without waiting for a network
    sim.expect(r"^APP api True False$")
    # The network is tried first: the app hears of the link, and connected()
    # returns once the try is over and the config is the new one.
    sim.cmd(PROVISION, r"^APP wifi CONNECTED$")
    sim.expect(r"^APP wifi DHCP_DONE$")
    sim.expect(r"^APP prov PROV_COMPLETE ssid=HomeNet security=4$")
    sim.expect(r"^APP connected ip=127\.0\.0\.1 ssid=HomeNet hostname=wifiprov-[0-9a-f]{4}$")
    sim.expect(r"^APP status connected 0 True$")  # the AP stays a moment, for the phone to read the answer
    # After a restart, the saved network boots.
    sim = board.restart(sim)
    sim.expect(r"^APP started$")
    sim.expect(r"^APP connected ip=127\.0\.0\.1 ssid=HomeNet hostname=wifiprov-[0-9a-f]{4}$")
    sim.expect(r"^APP status connected 0 False$")


def test_a_crashing_app_and_callback_leave_the_services_running(board):
    put_app(board, """
        import wifiprov

        def bad_callback(event, data):
            raise RuntimeError("callback bug")

        wifiprov.set_callback(bad_callback)

        async def sensor():
            raise KeyError("task bug")

        async def main():
            import asyncio
            asyncio.create_task(sensor())  # a task of its own that no one awaits
            await asyncio.sleep_ms(100)
            raise ValueError("app bug")
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    # asyncio's own report of a task no one awaited; the loop goes on
    sim.expect(r"^Task exception wasn't retrieved$")
    sim.expect(r"^KeyError: task bug$")
    sim.expect(r"^app: app\.py.s main\(\) raised; wifiprov keeps running, the app is not restarted:$")
    sim.expect(r"^ValueError: app bug$")
    assert tcp_status(sim.ports["tcp"])["provisioning"] is True
    sim.cmd(PROVISION, r"^app: the PROV_COMPLETE callback raised; wifiprov carries on:$")
    sim.expect(r"^RuntimeError: callback bug$")
    sim.expect(r'^OK: joined "HomeNet" as 127\.0\.0\.1 \(http://wifiprov-[0-9a-f]{4}\.local:%d/\); saved; '
               r'the access point closes in 30 s$' % sim.ports["http"])  # the answer still came
    sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')


def test_a_broken_app_py_is_reported_and_wifiprov_runs_without_it(board):
    put_app(board, """
        import wifiprov
        import no_such_module_here
    """)
    sim = board.start()
    sim.expect(r"^app: importing app\.py raised; wifiprov keeps running, the app is not restarted:$")
    sim.expect(r"^ImportError: no module named 'no_such_module_here'$")
    sim.expect(r"^READY mode=ap")
    sim.cmd("wifiprov status", r"^provisioning: enabled$")


def test_an_app_without_async_main_is_told_how_to_write_one(board):
    put_app(board, """
        def main():
            print("APP ran once")
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^APP ran once$")
    sim.expect(r"^app: main\(\) is not an async function \(define it with `async def`\); it ran once$")


def test_the_app_controls_provisioning(board):
    put_app(board, """
        import asyncio
        import wifiprov

        async def main():
            await asyncio.sleep_ms(200)
            await wifiprov.disable()
            print("APP disabled", wifiprov.status()["provisioning"])
            await wifiprov.enable()
            print("APP enabled", wifiprov.status()["provisioning"])
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^provisioning: AP and servers are down$")
    sim.expect(r"^APP disabled False$")
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^APP enabled True$")
    assert tcp_status(sim.ports["tcp"])["ok"] is True


def test_disable_has_freed_provisioning_when_it_returns(board):
    # An app that disables provisioning to have the heap back has it when
    # the await returns: nothing of the servers is left for a later pass
    # of the loop to free. (Their cancelled tasks used to hold them until
    # then, and an enable right after loaded a second copy beside them.)
    put_app(board, """
        import asyncio
        import gc
        import wifiprov

        def in_use():
            gc.collect()
            return gc.mem_alloc()

        async def main():
            await asyncio.sleep_ms(200)
            before = in_use()
            await wifiprov.disable()
            at_return = in_use()
            await asyncio.sleep_ms(300)
            print("APP freed", before - at_return, "left", at_return - in_use())
    """)
    sim = board.start()
    freed, left = map(int, sim.expect(r"^APP freed (-?\d+) left (-?\d+)$").groups())
    assert freed > 4096  # the servers' code and objects
    assert abs(left) < 512  # at most the app's own few objects


def test_closing_provisioning_drops_asyncios_streams_and_an_app_still_opens_one(board):
    # The servers' first client loads asyncio.stream, which asyncio then
    # keeps as its own attributes for good (0.9 KB on a 32-bit board): it
    # goes when provisioning closes, and an app's own stream loads it again.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        put_app(board, """
            import asyncio

            go = asyncio.Event()

            async def main():
                await go.wait()  # set from the console, once provisioning has closed
                reader, writer = await asyncio.open_connection("127.0.0.1", %d)
                writer.write(b"the app's own stream\\n")
                await writer.drain()
                print("APP answer:", (await reader.readline()).decode().strip())
                writer.close()
                await writer.wait_closed()
        """ % listener.getsockname()[1])
        sim = board.start()
        sim.expect(r"^READY mode=ap")
        assert tcp_status(sim.ports["tcp"])["ok"]
        streams = "import sys; print('STREAMS', 'asyncio.stream' in sys.modules)"
        sim.cmd(streams, r"^STREAMS True$")
        sim.cmd("wifiprov disable", r"^provisioning: AP and servers are down$")
        sim.cmd(streams, r"^STREAMS False$")
        sim.send("import app; app.go.set()")
        listener.settimeout(30)
        conn, _ = listener.accept()
        with conn:
            assert conn.makefile("rb").readline() == b"the app's own stream\n"
            conn.sendall(b"heard\n")
            sim.expect(r"^APP answer: heard$")


def module_objects(sim):
    """The module objects in the board's heap, live or not yet dropped for
    good, by its GC's own map of blocks (M: a module)."""
    lines = sim.collect("import gc, micropython; gc.collect(); micropython.mem_info(1); print('MAP END')",
                        r"^MAP END$")
    from conftest import heap_modules

    return heap_modules(lines[max(i for i, line in enumerate(lines) if line.startswith("GC memory layout")):])


def test_visits_to_the_status_page_leave_no_module_behind(board):
    # Once joined, the heap is the app's. A visit loads the page's modules
    # and drops them; the loop that answers visits, which lives on, held
    # them (and asyncio's streams) until the next visit: 1 KB on a 32-bit
    # board.
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.send('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD)
    sim.expect(r"^READY mode=sta ip=")
    sim.cmd("wifiprov disable", r"^provisioning: AP and servers are down$")
    sim.expect(r"^status page: ")
    before = module_objects(sim)
    for _ in range(2):
        with socket.create_connection(("127.0.0.1", sim.ports["http"]), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = s.makefile("rb").read()  # to its end: the board has closed the connection
            assert answer.startswith(b"HTTP/1.1 200 ") and answer.rstrip().endswith(b"</html>"), answer[-200:]
    assert module_objects(sim) == before


def test_no_app_says_nothing_about_one(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.cmd("wifiprov status", r"^provisioning: enabled$")
    assert "app:" not in sim.transcript()


SETTINGS_APP = """
    import wifiprov

    wifiprov.field("server_url", "Server URL", default="http://example.invalid/")
    wifiprov.field("token", "Access token", secret=True, max_len=40)
    wifiprov.set_callback(lambda event, data: print("APP event", event, data.get("changed")))

    async def main():
        print("APP url=%s token=%s" % (wifiprov.value("server_url"), wifiprov.value("token")))
"""


def tcp(port, message):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(message + b"\n")
        return json.loads(s.makefile("rb").readline())


def test_app_settings_over_tcp_apply_without_a_restart_and_survive_one(board):
    put_app(board, SETTINGS_APP)
    sim = board.start()
    sim.expect(r"^APP url=http://example\.invalid/ token=$")  # the defaults
    port = sim.ports["tcp"]
    answer = tcp(port, b'{"app": {"server_url": "http://broker.lan/r", "token": "s3cret"}}')
    assert answer == {"ok": True, "changed": True, "saved": True, "app_only": True,
                      "next": "app settings saved; the app uses them now"}
    sim.expect(r'^APP event APP_SETTINGS \[\'server_url\', \'token\'\]$')
    # Refused, naming the key; nothing changes.
    before = (board.flash / "wifiprov.json").read_bytes()
    for message, error in [
        (b'{"app": {"mqtt": "x"}}', "app.mqtt: not a setting of this board's app (its settings: server_url, token)"),
        (b'{"app": {"token": 5}}', "app.token: must be a string, not a number"),
        (b'{"app": {"token": "%s"}}' % (b"t" * 41), "app.token: must be at most 40 bytes (got 41)"),
        (b'{"app": {"server_url": "a\\u0007b"}}', "app.server_url: must not contain control characters"),
        # C1 controls are control characters too (U+009B is CSI: a terminal escape)
        (b'{"app": {"server_url": "a\\u009b31mb"}}', "app.server_url: must not contain control characters"),
        # A lone surrogate: saved, the file would not load at the next boot
        (b'{"app": {"token": "\\ud800"}}',
         "app.token: must be valid Unicode text (a lone surrogate such as \\ud800 is not)"),
        (b'{"app": ["server_url"]}', "app: must be a JSON object of settings"),
    ]:
        assert tcp(port, message) == {"ok": False, "error": error}
        sim.expect(r"^APP event PROV_FAILURE None$")
    assert (board.flash / "wifiprov.json").read_bytes() == before
    # The secret is masked as a password is.
    got = tcp(port, b'{"cmd": "get"}')["config"]["app"]
    assert got == {"server_url": "http://broker.lan/r", "token": "********"}
    assert "sim: restarting the board" not in sim.transcript()
    sim = board.restart(sim)
    sim.expect(r"^APP url=http://broker\.lan/r token=s3cret$")


def test_app_settings_from_the_api_and_the_console(board):
    import urllib.request

    put_app(board, SETTINGS_APP)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    request = urllib.request.Request("http://127.0.0.1:%d/api/config" % sim.ports["http"],
                                     data=b'{"app": {"server_url": "http://api.lan/"}}',
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = json.loads(r.read())
    assert answer["next"] == "app settings saved; the app uses them now" and answer["app_only"] is True
    lines = sim.collect("wifiprov app", r"^token = ")
    assert 'server_url = "http://api.lan/"  (Server URL)' in lines
    assert "token = \"\"  (Access token; the default)" in lines[-1]
    sim.cmd('wifiprov app set token "two words"', r"^OK: app settings saved; the app uses them now$")
    sim.cmd("wifiprov app", r"^token = \*{8}  \(Access token\)$")
    sim.cmd("wifiprov app set nope 1",
            r"^ERROR: app\.nope: not a setting of this board's app \(its settings: server_url, token\)$")
    sim.cmd("wifiprov app set token", r"^ERROR: wifiprov app set takes a key and one value; quote a value")
    sim.cmd("wifiprov app set token a,b", r"^ERROR: wifiprov app set takes a key and one value; quote a value")
    sim.cmd("wifiprov get", r'^app: server_url="http://api\.lan/" token="\*{8}"$')
    assert json.loads((board.flash / "wifiprov.json").read_text())["app"]["token"] == "two words"


def test_an_app_without_settings_refuses_them(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    assert tcp(sim.ports["tcp"], b'{"app": {"x": "1"}}') == {
        "ok": False, "error": "app.x: this board's app declares no settings"}
    sim.cmd("wifiprov app", r"^no app settings: this board's app declares none")
    # An empty section sets nothing, and the file gets none (make fuzz found
    # "app": {} stored beside an AP change).
    answer = tcp(sim.ports["tcp"], b'{"mode": 1, "AP": {"ch": 10}, "app": {}}')
    assert answer["ok"], answer
    sim.expect(r"^READY mode=ap")
    assert "app" not in json.loads((board.flash / "wifiprov.json").read_text())


def test_settings_of_an_older_app_do_not_cost_the_credentials(board):
    # The file holds a setting the app no longer declares: it still loads.
    put_app(board, SETTINGS_APP)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    assert tcp(sim.ports["tcp"], b'{"app": {"server_url": "http://old/"}}')["ok"]
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^READY mode=sta")
    put_app(board, "async def main():\n    pass\n")
    sim = board.restart(sim)
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    assert "skipped" not in sim.transcript()


def test_a_bad_declaration_names_what_is_wrong(board):
    put_app(board, """
        import wifiprov

        wifiprov.field("Server URL", "Server URL")
    """)
    sim = board.start()
    sim.expect(r"^ValueError: wifiprov.field\('Server URL'\): the key must be 1\.\.32 of a-z, 0-9 and _, "
               r"starting with a letter$")
    sim.expect(r"^READY mode=ap")


def test_the_flash_is_the_boards_filesystem_main_py_and_lib(board):
    # A maker's own main.py and a module in lib/, found as on a board.
    (board.flash / "lib").mkdir(parents=True)
    (board.flash / "lib" / "greeting.py").write_text("TEXT = 'hello from lib'\n")
    (board.flash / "main.py").write_text(textwrap.dedent("""
        import wifiprov
        import greeting

        async def mine():
            print("MAIN", greeting.TEXT, wifiprov.status()["provisioning"])

        wifiprov.run(mine)
    """))
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^MAIN hello from lib True$")


def test_the_same_app_settings_again_change_nothing_and_restart_nothing(board):
    # Joined, with provisioning open (as after `wifiprov enable`, or the
    # fallback AP): an app-settings message must never restart the board.
    put_app(board, SETTINGS_APP)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.cmd(PROVISION, r"^READY mode=sta ip=127\.0\.0\.1$")
    sim.cmd("wifiprov enable", r"^READY mode=ap")
    port = sim.ports["tcp"]
    message = b'{"app": {"server_url": "http://same/"}}'
    first = tcp(port, message)
    assert first.get("next") == "app settings saved; the app uses them now", first
    # The console's lines and the TCP answer come by two ways: the first
    # message's event line may come after its answer.
    sim.expect(r"^APP event APP_SETTINGS \['server_url'\]$")
    mark = len(sim.lines)
    assert tcp(port, message) == {"ok": True, "changed": False, "saved": False, "app_only": True,
                                  "next": "unchanged: the app settings are as they were"}
    sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')
    after = "\n".join(sim.output_since(mark))
    assert "restarting" not in after and "PROV_COMPLETE" not in after and "APP_SETTINGS" not in after


def test_a_setting_the_app_no_longer_declares_stays_masked(board):
    put_app(board, SETTINGS_APP)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    assert tcp(sim.ports["tcp"], b'{"app": {"token": "s3cret"}}')["ok"]
    put_app(board, "async def main():\n    pass\n")  # a new app, without that setting
    sim = board.restart(sim)
    sim.expect(r"^READY mode=ap")
    assert tcp(sim.ports["tcp"], b'{"cmd": "get"}')["config"]["app"] == {"token": "********"}
    assert "s3cret" not in sim.transcript()


def test_the_simulator_says_so_when_an_app_left_on_the_flash_runs(board):
    # `make sim APP=x.py` once, then `make sim`: the flash still has x.py as
    # app.py, as a board's would, and the simulator says so at start.
    put_app(board, """
        async def main():
            print("APP left over")
    """)
    sim = board.start()
    sim.expect(r"^sim: the flash has an app\.py \(an earlier APP=, say\): the board runs it beside wifiprov; "
               r"delete .*app\.py to run wifiprov alone$")
    sim.expect(r"^APP left over$")


def test_an_app_that_blocks_the_loop_is_named_and_ctrl_c_comes_back(board):
    """Issue 22, item 2: with Improv on, the console reads Ctrl-C itself. An
    app that blocks the loop would leave it unread for good; the watch turns
    Ctrl-C back on and says why. (The chip's test deploys over such an app.)"""
    put_app(board, """
        import time

        async def main():
            print("APP blocking")
            while True:
                time.sleep(1)
    """)
    sim = board.start()
    sim.expect(r"^APP blocking$")
    sim.expect(r"^console: wifiprov's loop has been blocked for 5 s \(does app\.py call time\.sleep\(\) or loop "
               r"without await\?\); Ctrl-C interrupts it now, so mpremote and make deploy can reach the board, "
               r"until the next reset$", timeout=60)
