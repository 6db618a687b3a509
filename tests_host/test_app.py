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
            info = await wifiprov.connected()
            print("APP connected ip=%(ip)s ssid=%(ssid)s hostname=%(hostname)s" % info)
            s = wifiprov.status()
            print("APP status", s["sta"]["state"], s["mode"], s["provisioning"])
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^APP started$")  # offline: main() runs without waiting for a network
    sim.cmd(PROVISION, r"^APP prov PROV_COMPLETE ssid=HomeNet security=4$")
    sim.expect(r"^sim: restarting the board$")
    sim.expect(r"^APP started$")
    sim.expect(r"^APP wifi CONNECTED$")
    sim.expect(r"^APP wifi DHCP_DONE$")
    sim.expect(r"^APP connected ip=127\.0\.0\.1 ssid=HomeNet hostname=wifiprov-[0-9a-f]{4}$")
    sim.expect(r"^APP status connected 0 False$")


def test_a_crashing_app_and_callback_leave_the_services_running(board):
    put_app(board, """
        import wifiprov

        def bad_callback(event, data):
            raise RuntimeError("callback bug")

        wifiprov.set_callback(bad_callback)

        async def main():
            raise ValueError("app bug")
    """)
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^app: main\(\) raised; wifiprov keeps running, the app is not restarted:$")
    sim.expect(r"^ValueError: app bug$")
    assert tcp_status(sim.ports["tcp"])["provisioning"] is True
    sim.cmd(PROVISION, r"^app: the PROV_COMPLETE callback raised; wifiprov carries on:$")
    sim.expect(r"^RuntimeError: callback bug$")
    sim.expect(r'^OK: saved; restarting in 1\.5 s to join "HomeNet"$')  # the answer still came
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
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


def test_no_app_says_nothing_about_one(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    sim.cmd("wifiprov status", r"^provisioning: enabled$")
    assert "app:" not in sim.transcript()
