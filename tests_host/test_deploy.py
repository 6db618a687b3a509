"""Deploying to a board (issue 5): `make deploy` runs mpremote against a
simulated board behind a pseudo-terminal (tools/ptyboard.py: MicroPython's
raw REPL and raw-paste on the unix port, a directory as its flash), and the
firmware it copied boots from that flash and provisions."""
import hashlib
import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import HOME_PASSWORD, PTY_HEAP, ROOT, mpy
import simdrive

PACKAGE = ROOT / "lib" / "wifiprov"


def deploy(port, *settings):
    run = subprocess.run(["make", "--no-print-directory", "deploy", "PORT=" + port, *settings], cwd=str(ROOT),
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    return run.returncode, run.stdout, run.stderr


@pytest.fixture
def serial_board(tmp_path, world):
    boards = []

    def start(usb=False):
        board = simdrive.PtyBoard(tmp_path / "flash", world, PTY_HEAP, tmp_path / "tty", usb)
        boards.append(board)
        return board

    yield start
    for board in boards:
        board.close()


def test_deploy_copies_the_package_shows_the_passphrase_and_the_board_provisions(serial_board, tmp_path):
    board = serial_board()
    flash = board.flash
    # An older install's leftover: a .py beside the new .mpy would shadow it.
    (flash / "lib" / "wifiprov").mkdir(parents=True)
    (flash / "lib" / "wifiprov" / "web.py").write_text("raise ImportError('stale')\n")

    code, out, err = deploy(board.port)
    assert code == 0, out + err
    for n in range(1, 7):
        assert "deploy [%d/6]" % n in out
    assert "arch x64" in out and "removed lib/wifiprov/web.py" in out
    # The files landed: every module compiled, the pages, boot.py and main.py.
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert sorted(p.stem for p in (flash / "lib" / "wifiprov").glob("*.mpy")) == modules
    assert not list((flash / "lib" / "wifiprov").glob("*.py"))
    assert all((flash / "lib" / "wifiprov" / p.name).read_bytes()[:2] == b"M\x06"
               for p in (flash / "lib" / "wifiprov").glob("*.mpy"))
    for page in (PACKAGE / "www").iterdir():
        assert (flash / "lib" / "wifiprov" / "www" / page.name).read_bytes() == page.read_bytes()
    for name in ("boot.py", "main.py"):
        assert (flash / name).read_bytes() == (ROOT / name).read_bytes()
    # The console it showed: the passphrase the board made and stored.
    passphrase = json.loads((flash / "wifiprov.json").read_text())["AP"]["PWD"]
    assert "  | AP passphrase: %s" % passphrase in out
    assert re.search(r"^  \| READY mode=ap tcp=%d http=%d " % (board.ports["tcp"], board.ports["http"]), out, re.M)
    assert "with the passphrase %s" % passphrase in out

    # The deployed firmware provisions like any board: a laptop sends the
    # home network; it saves, resets and joins.
    doc = tmp_path / "home.json"
    doc.write_text(json.dumps({"mode": 0, "STA": {"SSID": "HomeNet", "PWD": HOME_PASSWORD, "auth": 4}}))
    client = subprocess.run([sys.executable, str(ROOT / "tools" / "wifiprov.py"), "--host", "127.0.0.1",
                             "--port", str(board.ports["tcp"]), "json", str(doc)], capture_output=True, text=True,
                            timeout=60)
    assert client.returncode == 0, client.stdout + client.stderr
    board.expect(r"^READY mode=sta ip=127\.0\.0\.1")

    # Deploying again sends only what changed and keeps the credentials.
    stored = (flash / "wifiprov.json").read_bytes()
    code, out, err = deploy(board.port)
    assert code == 0, out + err
    assert "Up to date: lib/wifiprov/app.mpy" in out
    assert (flash / "wifiprov.json").read_bytes() == stored
    assert "done: the board joined its network (ip 127.0.0.1)" in out


def test_deploy_to_a_usb_board_with_config_and_tls(serial_board, tmp_path):
    # A Pico W's USB port goes away on reset: what it prints at boot is lost,
    # and deploy soft-resets it to show the console.
    board = serial_board(usb=True)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"mode": 1, "countrycode": "EMEA",
                                  "AP": {"SSID": "Workshop", "PWD": "maker-space-1", "ch": 6}}))
    app = tmp_path / "my_app.py"
    app.write_text("import wifiprov\n\nasync def main():\n    print('APP up, provisioning', wifiprov.status()['provisioning'])\n")
    code, out, err = deploy(board.port, "CONFIG=" + str(config), "TLS=1", "APP=" + str(app))
    assert code == 0, out + err
    assert "APP=%s compiles; it goes to the board as app.py" % app in out
    assert (board.flash / "app.py").read_bytes() == app.read_bytes()
    board.expect(r"^APP up, provisioning True$")  # the maker's program runs on top
    assert "the port went away with the reset" in out and "soft-resetting" in out
    stored = json.loads((board.flash / "wifiprov.json").read_text())
    assert stored["AP"]["SSID"] == "Workshop" and stored["AP"]["ch"] == 6 and stored["countrycode"] == "EMEA"
    assert "  | AP passphrase: maker-space-1" in out
    assert 'join the Wi-Fi network "Workshop" with the passphrase maker-space-1' in out
    # The TLS pair is on the flash, and every fingerprint shown is its own.
    cert = (board.flash / "cert.der").read_bytes()
    fingerprint = ":".join("%02X" % b for b in hashlib.sha256(cert).digest())
    assert "SHA-256 %s" % fingerprint in out
    assert "  | https: certificate SHA-256 %s" % fingerprint in out
    assert re.search(r"^  \| READY mode=ap .*https=%d " % board.ports["https"], out, re.M)


def test_bad_config_is_refused_before_the_board_is_touched(serial_board, tmp_path):
    board = serial_board()
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"mode": 0, "STA": {"SSID": "HomeNet", "PWD": "short", "auth": 4}}))
    code, out, err = deploy(board.port, "CONFIG=" + str(config))
    assert code == 2
    assert "STA.PWD: must be 8..63 printable ASCII characters" in err and "nothing was sent to the board" in err
    assert not (board.flash / "lib").exists() and not (board.flash / "wifiprov.json").exists()
    assert "raw REPL" not in board.transcript()
    # So is an app that does not compile.
    app = tmp_path / "app.py"
    app.write_text("async def main(:\n    pass\n")
    code, out, err = deploy(board.port, "APP=" + str(app))
    assert code == 2
    assert "APP=%s does not compile; nothing was copied" % app in err and "SyntaxError" in err
    assert not (board.flash / "lib").exists() and not (board.flash / "app.py").exists()


def test_deploy_says_what_it_needs():
    code, out, err = deploy("")
    assert code == 2 and "deploy needs the board's serial port: make deploy PORT=/dev/ttyACM0" in err
    code, out, err = deploy("/dev/nonexistent-wifiprov-port")
    assert code == 2 and "no MicroPython board answered on /dev/nonexistent-wifiprov-port" in err


def test_mpremote_against_a_running_board_stops_the_portal_cleanly(serial_board, tmp_path):
    # The firmware and an app on the board double's flash, as deploy leaves them.
    flash = tmp_path / "flash"  # filled before the board double powers on: it looks for main.py as it starts
    shutil.copytree(mpy.build() / "wifiprov", flash / "lib" / "wifiprov")
    (flash / "main.py").write_bytes((ROOT / "main.py").read_bytes())
    board = serial_board()
    board.expect(r"^READY mode=ap ", 60)
    http_port = board.ports["http"]
    assert status_over_http(http_port)["provisioning"] is True
    # mpremote interrupts the firmware with Ctrl-C to reach the raw REPL.
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "fs", "ls", ":"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "main.py" in run.stdout, run.stdout + run.stderr
    board.expect(r"^provisioning: AP and servers are down$")
    board.expect(r"^wifiprov: stopped by Ctrl-C; the AP and its servers are down\. Press Ctrl-D")
    assert "sim: AP down" in board.transcript()  # no phone can join a portal that would not answer
    with pytest.raises(OSError):
        status_over_http(http_port)
    assert "Traceback" not in board.transcript()
    # A reset starts it again (mpremote's soft-reset leaves the raw REPL,
    # where a board does not run main.py; Ctrl-D at the >>> prompt does).
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "reset"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    board.expect(r"^READY mode=ap ")
    assert status_over_http(http_port)["provisioning"] is True


BLOCKING_APP = "import time\n\n\nasync def main():\n    print('APP blocking')\n    while True:\n        time.sleep(1)\n"
FIXED_APP = ("import asyncio\n\n\nasync def main():\n    print('APP fixed')\n    while True:\n"
             "        await asyncio.sleep(1)\n")


def test_a_fixed_app_deploys_over_one_that_blocks_the_loop(serial_board, tmp_path):
    """Issue 22, item 2: an app.py that blocks wifiprov's loop, on a board
    whose Ctrl-C the console reads (Improv), must not lock the maker out."""
    flash = tmp_path / "flash"  # the board double's, filled before it powers on
    shutil.copytree(mpy.build() / "wifiprov", flash / "lib" / "wifiprov")
    (flash / "main.py").write_bytes((ROOT / "main.py").read_bytes())
    (flash / "app.py").write_text(BLOCKING_APP)
    board = serial_board()
    board.expect(r"^APP blocking$")
    board.expect(r"^console: wifiprov's loop has been blocked for 5 s .*Ctrl-C interrupts it now", timeout=60)
    fixed = tmp_path / "fixed.py"
    fixed.write_text(FIXED_APP)
    code, out, err = deploy(board.port, "APP=" + str(fixed))
    assert code == 0, out + err + board.transcript()[-3000:]
    board.expect(r"^APP fixed$")


def status_over_http(port):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/api/status")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def test_deploys_error_names_a_program_that_did_not_stop_for_the_repl():
    """Issue 22, item 2: mpremote's "could not enter raw repl" means the port
    works and a program did not stop; the hint is not the cable's."""
    sys.path.insert(0, str(ROOT / "tools"))
    import deploy

    stuck = deploy.no_answer("/dev/ttyACM0", "mpremote: could not enter raw repl")
    assert "an app.py that calls time.sleep() in a loop" in stuck and "plugged in" not in stuck
    absent = deploy.no_answer("/dev/ttyACM0", "mpremote: failed to access /dev/ttyACM0")
    assert absent.startswith("no MicroPython board answered on /dev/ttyACM0") and "plugged in" in absent
