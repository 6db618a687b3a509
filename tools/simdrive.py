"""Drive a simulated board from CPython: start tools/sim.py, read its console
lines, type into it, rewrite its world file. Used by the tests (tests_host/)
and the benchmark (tools/bench.py)."""
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent

# The networks around a simulated board unless a test says otherwise.
HOME_PASSWORD = "correct-horse-42"
DEFAULT_NETWORKS = [
    {"ssid": "HomeNet", "password": HOME_PASSWORD, "auth": 4, "channel": 6, "rssi": -48},
    {"ssid": "Cafe Guest", "auth": 1, "channel": 11, "rssi": -71},
]


def _outgoing_ports_start():
    """Where the kernel's range of ports for outgoing connections begins."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port():
    """A port nothing uses now, for a simulator to listen on (TCP, and UDP
    for DNS). Taken below the range the kernel gives outgoing connections:
    a port from bind(0) is in that range, and any client that connects
    before the simulator binds it (a test's own, another job's) may be
    given the same port, so the server fails to start (OSError 98)."""
    start = _outgoing_ports_start()
    if start < 4096:  # a kernel set to hand out (nearly) every port: no range apart
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    while True:
        port = random.randrange(start // 2, start)
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue  # in use: another
        return port


class World:
    """The world file: the networks around the simulated board."""

    def __init__(self, path, networks, connect_ms=50):
        self.path = path
        self.connect_ms = connect_ms
        self.stamp = 1_700_000_000
        self.extra = {}  # e.g. "ap_clients": the phones on the board's AP
        self.write(networks)

    def set(self, key, value):
        """A value of the world beside its networks (docs/simulator.md)."""
        self.extra[key] = value
        self.write(self.networks)

    def write(self, networks):
        self.networks = list(networks)
        self.path.write_text(json.dumps(dict(self.extra, connect_ms=self.connect_ms, networks=self.networks)))
        # A new mtime on every write, even twice in one second: the simulator
        # notices a change under a live link by it.
        self.stamp += 1
        os.utime(self.path, (self.stamp, self.stamp))

    def add(self, network):
        self.write(self.networks + [network])

    def remove(self, ssid):
        self.write([n for n in self.networks if n.get("ssid") != ssid])


# The burst a phone sends when it opens the captive portal, and more: pages,
# applies and scans, beside connections opened and dropped at once.
BURST_BODY = json.dumps({"mode": 1, "AP": {"SSID": "y" * 1000}}).encode()


def burst(port, seconds, clients=4, knockers=2):
    """Clients that loop on the config page, an apply (a 1 KB body) and a
    scan, each with a 1.5 s timeout and errors ignored, beside clients that
    connect and close at once, for `seconds`. Returns the requests sent."""
    stop = threading.Event()
    sent = [0]

    def client():
        while not stop.is_set():
            for method, path, body in (("GET", "/config.htm", None), ("POST", "/api/config", BURST_BODY),
                                       ("GET", "/api/scan", None)):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.5)
                try:
                    sent[0] += 1
                    conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
                    conn.getresponse().read()
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    conn.close()

    def knocker():
        while not stop.is_set():
            try:
                sent[0] += 1
                socket.create_connection(("127.0.0.1", port), timeout=1.5).close()
            except OSError:
                time.sleep(0.05)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    threads += [threading.Thread(target=knocker, daemon=True) for _ in range(knockers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(10)
    return sent[0]


def answered(port, path="/api/status", within_s=60):
    """(status, body) once GET path is answered 200 (a 503 says to retry
    after a moment), else the last failure, (status or None, what)."""
    deadline = time.monotonic() + within_s
    last = None
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200:
                return 200, body
            last = (resp.status, body)
        except (OSError, http.client.HTTPException) as e:
            last = (None, repr(e))
        finally:
            conn.close()
        time.sleep(1)
    return last


def tcp_answered(port, message, within_s=60):
    """The answer to a TCP message once it is not the out-of-memory one."""
    deadline = time.monotonic() + within_s
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(json.dumps(message).encode() + b"\n")
            line = s.makefile("rb").readline()
        answer = json.loads(line) if line else {"ok": False, "error": "closed without an answer"}
        if answer["ok"] or "out of memory" not in answer["error"] or time.monotonic() > deadline:
            return answer
        time.sleep(1)


class Tool:
    """A host tool that runs a board (tools/sim.py, ptyboard.py, chip.py):
    what it prints, line by line, to wait for; its stdin to type into."""

    def __init__(self, cmd):
        # Its own process group: closing kills the tool and its board together.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=str(ROOT), start_new_session=True)
        self.lines = []
        self.raw = bytearray()  # the console's bytes as they came (an Improv client reads frames from them)
        self.pos = 0
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.proc.stdout:
            with self._cond:
                self.raw += raw
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append(None)  # end of output
            self._cond.notify_all()

    def transcript(self):
        return "\n".join(line for line in self.lines if line is not None)

    def expect(self, pattern, timeout=20):
        """Wait for a console line matching pattern (a regex) after the last
        match; return the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                while self.pos < len(self.lines):
                    line = self.lines[self.pos]
                    self.pos += 1
                    if line is None:
                        raise AssertionError("firmware ended while waiting for %r:\n%s" % (pattern, self.transcript()))
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no line matching %r within %ss:\n%s" % (pattern, timeout, self.transcript()))
                self._cond.wait(left)

    def output_since(self, mark):
        with self._cond:
            return [line for line in self.lines[mark:] if line is not None]

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stdin.close()


class Sim(Tool):
    """One simulated board: its console (stdin/stdout of tools/sim.py)."""

    TOOL = "sim.py"

    def __init__(self, flash, world, heap, extra=()):
        self.flash = Path(flash)
        self.ports = {"tcp": free_port(), "http": free_port(), "https": free_port(), "dns": free_port()}
        super().__init__([sys.executable, str(TOOLS / self.TOOL), "--flash", str(flash), "--world", str(world.path),
                          "--heap", heap, "--backoff-ms", "50", "--retry-max-ms", "300",
                          "--tcp-port", str(self.ports["tcp"]), "--http-port", str(self.ports["http"]),
                          "--https-port", str(self.ports["https"]), "--dns-port", str(self.ports["dns"]), *extra])

    def button(self, long_press=True):
        """The board's BOOT button: held 3.5 s (SIGUSR1), or pressed and
        released 0.3 s later (SIGUSR2 twice: two signals sent at once may
        arrive as one) (docs/simulator.md)."""
        if long_press:
            os.kill(self.proc.pid, signal.SIGUSR1)
        else:
            os.kill(self.proc.pid, signal.SIGUSR2)
            self.expect(r"^sim: BOOT button held$")
            time.sleep(0.3)
            os.kill(self.proc.pid, signal.SIGUSR2)

    def cmd(self, line, pattern, timeout=20):
        self.send(line)
        return self.expect(pattern, timeout)

    def collect(self, line, until, timeout=20):
        """Send a command and return the lines it printed up to `until`."""
        mark = len(self.lines)
        self.cmd(line, until, timeout)
        return self.output_since(mark)[: self.pos - mark]


class PtyBoard(Sim):
    """A simulated board behind a serial port (tools/ptyboard.py): mpremote
    and `make deploy` talk to it at .port; .expect() reads what it prints."""

    TOOL = "ptyboard.py"

    def __init__(self, flash, world, heap, link, usb=False):
        super().__init__(flash, world, heap, ("--link", str(link)) + (("--usb",) if usb else ()))
        self.port = str(link)
        self.expect(r"^ptyboard: serial port ")


class ChipBoard(Tool):
    """The emulated Raspberry Pi Pico behind its serial port (tools/chip.py):
    mpremote, `make deploy` and a serial console (.console()) talk to it at
    .port; .control() types the tool's commands (bootsel, power, cut,
    stats); .expect() reads what the chip prints and the tool's own lines."""

    def __init__(self, flash, link, board="RPI_PICO", firmware=None):
        cmd = [sys.executable, str(TOOLS / "chip.py"), "--flash", str(flash), "--link", str(link), "--board", board,
               "--show-all"]
        if firmware:
            cmd += ["--firmware", str(firmware)]
        super().__init__(cmd)
        self.flash = Path(flash)
        self.port = str(link)
        self._serial = None
        self.expect(r"^chip: serial port ", timeout=60)

    def control(self, command):
        self.send(command)

    def type(self, line, end="\r"):
        """Type a line on the chip's console, as a terminal does (Enter is CR)."""
        self.console().write((line + end).encode())

    def write(self, data):
        self.console().write(data)

    def console(self):
        """The serial port held open (what the chip prints still comes to
        .expect()); a thread drains it, as a terminal would."""
        if self._serial is None:
            import serial  # pyserial, which mpremote brings

            self._serial = serial.Serial(self.port, timeout=0.2)
            threading.Thread(target=self._drain, args=(self._serial,), daemon=True).start()
        return self._serial

    def release(self):
        """Close the serial port (for mpremote or another client to open it)."""
        if self._serial is not None:
            port, self._serial = self._serial, None
            port.close()

    @staticmethod
    def _drain(port):
        while True:
            try:
                if port.read(4096) is None:
                    return
            except Exception:  # closed by release()
                return

    def close(self):
        self.release()
        super().close()
