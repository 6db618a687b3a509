"""Improv Wi-Fi serial on the console (docs/improv.md), spoken by a client that
reads the console as ESP Web Tools' SDK does: a frame starts a line, its
length byte says where it ends, a bad checksum drops it."""
import json
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import HEAP, HOME_PASSWORD, PTY_HEAP, ROOT, free_port

CURRENT_STATE, ERROR_STATE, RPC, RPC_RESULT = 1, 2, 3, 4
READY, PROVISIONING, PROVISIONED = 2, 3, 4
NO_ERROR, INVALID_RPC, UNKNOWN_RPC, UNABLE_TO_CONNECT = 0, 1, 2, 3


def frame(kind, data):
    body = b"IMPROV" + bytes((1, kind, len(data))) + data
    return body + bytes((sum(body) & 0xFF,))


def rpc(command, data=b""):
    return frame(RPC, bytes((command, len(data))) + data)


def strings(data):
    """An RPC result's data: (command, [strings])."""
    command, n, rest = data[0], data[1], data[2:]
    assert n == len(rest), data
    out = []
    while rest:
        out.append(rest[1 : 1 + rest[0]].decode())
        rest = rest[1 + rest[0] :]
    return command, out


class Client:
    """The client side of Improv serial over the simulator's console."""

    def __init__(self, sim):
        self.sim = sim
        self.at = 0  # bytes of sim.raw looked at
        self.line = bytearray()
        self.skipping = False  # inside a text line
        self.frames = []

    def send(self, data):
        self.sim.proc.stdin.write(data + b"\n")
        self.sim.proc.stdin.flush()

    def _read(self):
        """As the SDK reads: a line that does not start with IMPROV is
        skipped to its end; a frame ends where its length byte says."""
        raw = bytes(self.sim.raw[self.at :])
        self.at += len(raw)
        for b in raw:
            if self.skipping:
                self.skipping = b != 0x0A
                continue
            self.line.append(b)
            if len(self.line) <= 6:
                if self.line != b"IMPROV"[: len(self.line)]:
                    self.line = bytearray()
                    self.skipping = b != 0x0A
                continue
            if len(self.line) >= 9 and len(self.line) == 9 + self.line[8] + 1:
                packet = bytes(self.line)
                self.line = bytearray()
                ok = sum(packet[:-1]) & 0xFF == packet[-1] and packet[6] == 1
                self.frames.append((packet[7], packet[9:-1]) if ok else ("bad", packet))

    def expect(self, kind, timeout=25):
        """The next frame of that type (others before it are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read()
            while self.frames:
                got = self.frames.pop(0)
                assert got[0] != "bad", "a frame with a bad checksum or version: %r" % (got[1],)
                if got[0] == kind:
                    return got[1]
            time.sleep(0.02)
        raise AssertionError("no Improv frame of type %d within %ss:\n%s" % (kind, timeout, self.sim.transcript()))

    def result(self, timeout=25):
        return strings(self.expect(RPC_RESULT, timeout))


@pytest.fixture
def improv(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    return Client(sim)


def test_state_and_device_info(improv):
    improv.send(rpc(2))
    assert improv.expect(ERROR_STATE) == bytes((NO_ERROR,))
    assert improv.expect(CURRENT_STATE) == bytes((READY,))
    improv.send(rpc(3))
    command, info = improv.result()
    assert command == 3 and info[0] == "wifiprov" and info[1] == "0.1.0"
    assert info[2] == "linux" and info[3].startswith("wifiprov-")  # the simulator: the unix port's platform


def test_scan_lists_the_worlds_networks_then_ends(improv):
    improv.send(rpc(4))
    got = []
    while True:
        command, fields = improv.result()
        assert command == 4
        if not fields:
            break
        got.append(fields)
    assert got == [["HomeNet", "-48", "YES"], ["Cafe Guest", "-71", "NO"]]
    # Asked again at once (the client's list rescans every 3 s): answered from the last scan.
    improv.send(rpc(4))
    while improv.result()[1]:
        pass
    assert improv.sim.transcript().count("EVENT SCAN_DONE") == 1
    # A Python block typed around a frame: the frame's trailing newline does not end it.
    improv.sim.send("for i in range(2):")
    improv.send(rpc(2))
    assert improv.expect(CURRENT_STATE) == bytes((READY,))
    improv.sim.send("    print('row', i)")
    improv.sim.send("")
    improv.sim.expect(r"^row 0$")
    improv.sim.expect(r"^row 1$")


def test_a_wrong_password_is_unable_to_connect_and_nothing_is_saved(improv, board):
    before = (board.flash / "wifiprov.json").read_bytes()
    ssid, password = b"HomeNet", b"not-the-password"
    improv.send(rpc(1, bytes((len(ssid),)) + ssid + bytes((len(password),)) + password))
    assert improv.expect(CURRENT_STATE) == bytes((PROVISIONING,))
    assert improv.expect(ERROR_STATE) == bytes((UNABLE_TO_CONNECT,))
    assert improv.expect(CURRENT_STATE) == bytes((READY,))
    assert (board.flash / "wifiprov.json").read_bytes() == before
    improv.sim.expect(r'^improv: could not join "HomeNet": the password is wrong')


def test_good_credentials_provision_and_give_the_url(improv, board):
    ssid, password = b"HomeNet", HOME_PASSWORD.encode()
    improv.send(rpc(1, bytes((len(ssid),)) + ssid + bytes((len(password),)) + password))
    assert improv.expect(CURRENT_STATE) == bytes((PROVISIONING,))
    assert improv.expect(CURRENT_STATE) == bytes((PROVISIONED,))
    command, urls = improv.result()
    assert command == 1 and len(urls) == 1 and re.fullmatch(r"http://wifiprov-[0-9a-f]{4}\.local:%d/"
                                                            % improv.sim.ports["http"], urls[0]), urls
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0 and saved["STA"]["SSID"] == "HomeNet"
    improv.send(rpc(2))
    assert improv.expect(CURRENT_STATE) == bytes((PROVISIONED,))
    assert improv.result() == (2, urls)
    # Renamed once joined (its AP closed): saved, and the station stays on its network.
    improv.sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    mark = len(improv.sim.lines)
    improv.send(rpc(6, b"Garden Sensor"))
    assert improv.result() == (6, ["Garden Sensor"])
    improv.sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')
    assert not any("trying" in line or "DISCONNECTED" in line for line in improv.sim.output_since(mark))
    assert json.loads((board.flash / "wifiprov.json").read_text())["AP"]["SSID"] == "Garden Sensor"


def test_hostname_and_device_name(improv, board):
    improv.send(rpc(5))
    command, (hostname,) = improv.result()
    assert command == 5 and re.fullmatch(r"wifiprov-[0-9a-f]{4}", hostname)
    improv.send(rpc(5, b"bad_name!"))
    assert improv.expect(ERROR_STATE) == bytes((NO_ERROR,))
    assert improv.expect(ERROR_STATE) == bytes((5,))  # a bad hostname
    improv.send(rpc(5, b"garden-sensor"))
    assert improv.result() == (5, ["garden-sensor"])
    # The device name is the AP's name: saved, and the host name follows it.
    # A name the config refuses (an SSID is at most 32 bytes): the invalid-RPC
    # error, the reason on the console, nothing saved; a good one then is saved.
    before = (board.flash / "wifiprov.json").read_bytes()
    improv.send(rpc(6, b"n" * 33))
    assert improv.expect(ERROR_STATE) == bytes((NO_ERROR,))
    assert improv.expect(ERROR_STATE) == bytes((INVALID_RPC,))
    improv.sim.expect(r"^improv: AP\.SSID: must be 1\.\.32 bytes once UTF-8 encoded \(got 33\)$")
    assert (board.flash / "wifiprov.json").read_bytes() == before
    improv.send(rpc(6, b"Garden Sensor"))
    assert improv.result() == (6, ["Garden Sensor"])
    assert json.loads((board.flash / "wifiprov.json").read_text())["AP"]["SSID"] == "Garden Sensor"
    improv.send(rpc(5))
    assert improv.result() == (5, ["garden-sensor"])
    improv.sim.expect(r'^provisioning: AP "Garden Sensor" is up')


def test_malformed_frames_are_refused_and_the_console_still_works(improv):
    bad = bytearray(rpc(2))
    bad[-1] ^= 0xFF  # a wrong checksum
    improv.send(bytes(bad))
    assert improv.expect(ERROR_STATE) == bytes((INVALID_RPC,))
    improv.send(rpc(0x42))  # no such command
    assert improv.expect(ERROR_STATE) == bytes((NO_ERROR,))
    assert improv.expect(ERROR_STATE) == bytes((UNKNOWN_RPC,))
    improv.send(frame(RPC, bytes((2, 5))))  # its own length says 5 more bytes, and there are none
    assert improv.expect(ERROR_STATE) == bytes((INVALID_RPC,))
    # Bytes that stop coming mid-frame: dropped after a second, then lines are text again.
    improv.sim.proc.stdin.write(b"IMPROV\x01\x03")
    improv.sim.proc.stdin.flush()
    time.sleep(1.5)
    improv.sim.cmd("wifiprov status", r"^provisioning: enabled$")
    improv.sim.cmd("print(6 * 7)", r"^42$")  # the REPL too
    assert "Traceback" not in improv.sim.transcript()


def test_with_echo_on_as_on_a_board_frames_are_not_echoed_and_text_is(board):
    sim = board.start(extra=("--echo",))
    sim.expect(r"^READY mode=ap")
    client = Client(sim)
    mark = len(sim.raw)
    sim.proc.stdin.write(b"wifiprov status\n")
    sim.proc.stdin.flush()
    sim.expect(r"^provisioning: enabled$")
    assert b"wifiprov status\r\n" in bytes(sim.raw[mark:])  # echoed, as a board's console does
    client.at = len(sim.raw)
    mark = len(sim.raw)
    client.send(b"IMP" + b"ORT\r" + rpc(2))  # text that starts like a frame, then a frame
    assert client.expect(CURRENT_STATE) == bytes((READY,))
    out = bytes(sim.raw[mark:])
    assert b"IMPORT" in out  # the held "IMP" echoed once it was not a frame
    assert out.count(b"IMPROV") == out.count(b"IMPROV\x01\x01") + out.count(b"IMPROV\x01\x02")  # no frame of ours echoed
    sim.expect(r"^NameError: name 'IMPORT' isn't defined$")


# ---- the real client: improv-wifi-serial-sdk under Node ----

SDK = ROOT / "tests_host" / "improv"


def sdk(steps, *board):
    """Run tests_host/improv/client.mjs with the steps: the SDK talks to a
    board given as a command (its stdin/stdout) or as --tty PORT."""
    node = shutil.which("node")
    if not node or not (SDK / "node_modules" / "improv-wifi-serial-sdk").is_dir():
        pytest.skip("no node, or the Improv SDK is not installed (make test installs it: make improv)")
    return subprocess.run([node, "--import", "./register.mjs", "client.mjs", ",".join(steps), *board],
                          cwd=str(SDK), capture_output=True, timeout=180)


def run_sdk(board, world, steps, heap=HEAP):
    """The SDK talks to a simulated board over its console. One JSON line
    per step, the console, and the board's HTTP port."""
    board.flash.mkdir(parents=True, exist_ok=True)
    ports = [str(free_port()) for _ in range(4)]
    run = sdk(steps, "--", sys.executable, str(ROOT / "tools" / "sim.py"), "--flash", str(board.flash),
              "--world", str(world.path), "--heap", heap, "--tcp-port", ports[0], "--http-port", ports[1],
              "--https-port", ports[2], "--dns-port", ports[3])
    console = run.stderr.decode("utf-8", "replace")
    answers = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [a["step"] for a in answers] == [s.split(":")[0] for s in steps], console
    return answers, console, int(ports[1])  # (and the HTTP port: the board's URL names it)


def test_the_real_sdk_provisions_the_board(board, world):
    answers, console, http_port = run_sdk(board, world, ["initialize", "scan", "provision:HomeNet:not-the-password",
                                              "provision:HomeNet:" + HOME_PASSWORD, "state"])
    init, scan, wrong, good, state = answers
    assert init["ok"] and init["info"]["firmware"] == "wifiprov" and init["info"]["version"] == "0.1.0"
    assert init["info"]["chipFamily"] == "linux" and init["info"]["name"].startswith("wifiprov-")
    assert init["state"] == READY
    assert scan["networks"] == [{"name": "Cafe Guest", "rssi": -71, "secured": False},
                                {"name": "HomeNet", "rssi": -48, "secured": True}]
    # A wrong password: rejected as the SDK names it, and nothing saved.
    assert wrong == {"step": "provision", "ok": False, "error": "UNABLE_TO_CONNECT", "state": READY}
    assert 'improv: could not join "HomeNet": the password is wrong' in console
    # Good credentials: provisioned, with the board's URL; saved; the board is on the network.
    assert good["ok"] and good["state"] == PROVISIONED
    assert re.fullmatch(r"http://wifiprov-[0-9a-f]{4}\.local:%s/" % http_port, good["nextUrl"]), good
    assert state == {"step": "state", "ok": True, "state": PROVISIONED, "nextUrl": good["nextUrl"]}
    assert "READY mode=sta ip=127.0.0.1" in console
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0 and saved["STA"]["SSID"] == "HomeNet" and saved["STA"]["PWD"] == HOME_PASSWORD
    assert "Traceback" not in console


def test_the_real_sdk_over_the_board_doubles_serial_port(tmp_path, world):
    # The board double: the firmware behind a pseudo-terminal, as a board's USB port.
    import mpy
    import simdrive

    # The flash is filled before the board double powers on: it looks for main.py as it starts.
    flash = tmp_path / "flash"
    shutil.copytree(mpy.build() / "wifiprov", flash / "lib" / "wifiprov")
    (flash / "main.py").write_bytes((ROOT / "main.py").read_bytes())
    board = simdrive.PtyBoard(flash, world, PTY_HEAP, tmp_path / "tty")
    try:
        board.expect(r"^READY mode=ap ", 60)
        run = sdk(["initialize", "provision:HomeNet:" + HOME_PASSWORD], "--tty", board.port)
        answers = [json.loads(line) for line in run.stdout.decode().splitlines()]
        assert len(answers) == 2, (answers, run.stderr.decode(errors="replace")[-3000:], board.transcript()[-3000:])
        init, good = answers
        assert init["ok"] and init["info"]["firmware"] == "wifiprov", run.stderr
        assert good["ok"] and good["state"] == PROVISIONED and re.fullmatch(r"http://wifiprov-[0-9a-f]{4}\.local:\d+/",
                                                                            good["nextUrl"]), run.stderr
        board.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    finally:
        board.close()


@pytest.mark.parametrize("pieces", [
    # IMPROV, a pause longer than a frame may take, then the frame's rest:
    # it is dropped, and its byte 3 (the type) does not stop wifiprov.
    [b"IMPROV", 1.2, bytes.fromhex("0103020200e50a")],
    # A frame whose length is 7 short, with "\n" and 3 in its data: the
    # frame seemed to end early, and what follows its "\n" is still it.
    [bytes.fromhex("494d50524f5601030b011004616263640a706173730a03776f72641c0a")],
], ids=["paused", "short-length"])
def test_the_bytes_of_a_dropped_or_bad_frame_are_never_ctrl_c(board, pieces):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    for piece in pieces:
        if isinstance(piece, float):
            time.sleep(piece)  # the sender's own timing, not a wait for the board
        else:
            sim.proc.stdin.write(piece)
            sim.proc.stdin.flush()
    sim.cmd("wifiprov status", r"^provisioning: enabled$")
    assert "stopped by Ctrl-C" not in sim.transcript()
    # Ctrl-C typed on its own, once the console was quiet for a second
    # after the bad frame, still reaches MicroPython's REPL.
    time.sleep(1.5)
    sim.proc.stdin.write(b"\x03")
    sim.proc.stdin.flush()
    sim.expect(r"stopped by Ctrl-C")
