#!/usr/bin/env python3
"""An emulated Raspberry Pi Pico on a serial port: MicroPython's real rp2 port
(a committed firmware image) running in the RP2040 emulator rp2040js under
Node, with its USB serial console on a pseudo-terminal.

    python tools/chip.py [--flash FILE] [--board RPI_PICO|RPI_PICO_W] [--firmware UF2]
                         [--link PATH] [--deploy [--app APP.py]]

Prints `chip: serial port /dev/pts/N ...`: use that port as a board's,
`mpremote connect /dev/pts/N`, `make deploy PORT=/dev/pts/N`, an Improv
client. FILE is the chip's 2 MB flash (default build/chip/flash.img): the
firmware is laid into it at every power-on, as drag-and-drop flashing does,
and the filesystem after it is kept. What the chip prints while no program
has the port open is shown here (--show-all: everything it prints, the
tests' log). --deploy puts wifiprov on the chip first (tools/deploy.py),
with the chip's radio stand-in on RPI_PICO, which has no radio (firmware/chip/).

Typed here (not on the chip's console), one per line:
  bootsel hold | bootsel release | bootsel SECONDS   the BOOTSEL button
  power      a power cycle        cut N [PART]   cut the power after N more
  stats      cycles, chip time    flash writes, the last one done only in part
                                  (PART: 0.5 = its first half; default 1); cut off
SIGUSR1 holds BOOTSEL 3.5 s; SIGUSR2 presses or releases it (as tools/sim.py
does with the BOOT button). Ctrl-C or SIGTERM stops it.

This process plays the parts of a board that are not the chip: the USB
cable (what the chip prints reaches a program only while one has the port
open, as with a closed /dev/ttyACM), the power supply (a reset by the
firmware, machine.reset(), powers a new chip on on the same flash) and the
BOOTSEL button. The emulator runs at a fraction of a real chip's speed:
compare its cycle counts between builds, never as a board's latency.
"""
import argparse
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpy  # noqa: E402
from ptyboard import Port  # noqa: E402  (the serial port: a pseudo-terminal in raw mode)

ROOT = mpy.ROOT
CHIP = ROOT / "tools" / "chip"
IMAGES = CHIP / "images"
BOOTROM = IMAGES / "bootrom-b1.bin"
BOARDS = ("RPI_PICO", "RPI_PICO_W")
STANDIN = ROOT / "firmware" / "chip"  # the radio stand-in for RPI_PICO (tests and make chip only)
EXIT_RESET = 10  # tools/chip/run.mjs: the firmware reset the chip
EXIT_CUT = 11  # the power was cut (the "cut" command)
BOOTSEL_LONG_S = 3.5


class ChipError(Exception):
    """The emulated chip cannot run here; the text says why and what to do."""


def firmware_image(board):
    return IMAGES / ("%s.uf2" % board)


def check_node():
    """Why the emulator cannot run here, or None when it can."""
    if not shutil.which("node"):
        return "node is not installed (Debian: apt-get install nodejs npm)"
    if not (CHIP / "node_modules" / "rp2040js" / "package.json").exists():
        return "rp2040js is not installed: run `make chip-setup` (npm ci in tools/chip)"
    return None


def default_uid(flash):
    """The chip's flash unique id (machine.unique_id()): fixed per flash
    image, so one image is always one board."""
    return "e6614104" + "%08x" % zlib.crc32(str(Path(flash).resolve()).encode())


_at_line_start = [True]  # is the log at the start of a line (the chip's prompt may not be)?


def log(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    _at_line_start[0] = data.endswith(b"\n")


def say(text):
    log((("" if _at_line_start[0] else "\n") + "chip: %s\n" % text).encode())


class Chip:
    """The emulated board: one Node process per power-on (tools/chip/run.mjs)
    on the same flash image, its console relayed to a serial port."""

    def __init__(self, flash, firmware, uid, port, show_all=False):
        self.flash = Path(flash)
        self.firmware = Path(firmware)
        self.uid = uid
        self.port = port
        self.show_all = show_all  # log what the chip prints while a program reads it too
        self.proc = None
        self.control = None
        self.control_text = b""
        self.powered = False
        self.lock = threading.Lock()
        self.bootsel = False
        self.usb_up = threading.Event()
        self.cycle_asked = threading.Event()  # a power cycle, done by the relay's thread

    def power_on(self):
        ours, theirs = socket.socketpair()
        cmd = ["node", str(CHIP / "run.mjs"), "--flash", str(self.flash), "--firmware", str(self.firmware),
               "--bootrom", str(BOOTROM), "--uid", self.uid, "--control", str(theirs.fileno())]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=[theirs.fileno()],
                                     bufsize=0)
        theirs.close()
        self.control = ours
        self.control_text = b""
        self.powered = True
        self.usb_up.clear()
        if self.bootsel:
            self.send_control({"bootsel": True})

    def send_control(self, message):
        with self.lock:
            if self.powered:
                try:
                    self.control.sendall((json.dumps(message) + "\n").encode())
                except OSError:
                    pass

    def press_bootsel(self, held):
        self.bootsel = held
        say("BOOTSEL %s" % ("held" if held else "released"))
        self.send_control({"bootsel": held})

    def power_off(self):
        """The end of one power-on: the process is gone, the flash stays."""
        with self.lock:
            self.powered = False
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
            if self.proc:
                self.proc.wait()
                self.proc.stdin.close()
                self.proc.stdout.close()
            if self.control:
                self.control.close()
            self.proc = self.control = None

    def serve(self, stop):
        """Relay bytes until stop is set: the port's to the chip, the chip's
        to the port (while a program has it open) and to the log."""
        # Never held up by a program that has the port open but does not
        # read: what it leaves unread past the pty's buffer is dropped.
        os.set_blocking(self.port.master, False)
        self.power_on()
        while not stop.is_set():
            if self.cycle_asked.is_set():
                self.cycle_asked.clear()
                self.power_off()
                say("power cycle")
                self.power_on()
            if not self.powered:
                stop.wait(0.05)
                continue
            host = self.port.master is not None and self.port.host_present()
            watch = [self.proc.stdout, self.control] + ([self.port.master] if host else [])
            ready, _, _ = select.select(watch, [], [], 0.05)
            if self.port.master is not None and self.port.master in ready:
                try:
                    data = os.read(self.port.master, 4096)
                except OSError:
                    data = b""
                if data:
                    try:
                        self.proc.stdin.write(data)
                    except (BrokenPipeError, ValueError):
                        pass  # powering off: a board loses what arrives now
            if self.control in ready:
                self._control_input()
            if self.proc.stdout in ready:
                out = os.read(self.proc.stdout.fileno(), 4096)
                if out:
                    if self.show_all or not host:
                        log(out)
                    if host:
                        try:
                            os.write(self.port.master, out)
                        except OSError:
                            pass
                    continue
                self._ended(self.proc.wait())

    def _control_input(self):
        data = self.control.recv(4096)
        self.control_text += data
        while b"\n" in self.control_text:
            line, self.control_text = self.control_text.split(b"\n", 1)
            message = json.loads(line)
            if "usb" in message:
                self.usb_up.set()
                say("USB serial up")
            elif "stats" in message:
                say("stats %s" % " ".join("%s=%s" % kv for kv in sorted(message["stats"].items())))
            elif "cut" in message:
                say("power cut after %d flash writes" % message["cut"])
            elif "reset" in message:
                say("reset by the firmware (%s); powering on again" % message["reset"])

    def _ended(self, code):
        self.power_off()
        if code == EXIT_RESET:
            self.power_on()
        elif code == EXIT_CUT:
            say("the chip is off; type `power` to power it on")
        else:
            say("the emulator stopped (exit code %d); type `power` to power it on" % code)

    def power_cycle(self):
        self.cycle_asked.set()


def commands(chip, stop):
    """The operator's commands on this process's stdin."""
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "bootsel" and words[1:] in (["hold"], ["release"]):
                chip.press_bootsel(words[1] == "hold")
            elif words[0] == "bootsel" and len(words) == 2:
                chip.press_bootsel(True)
                threading.Timer(float(words[1]), chip.press_bootsel, (False,)).start()
            elif words == ["power"]:
                chip.power_cycle()
            elif words == ["cut", "off"]:
                chip.send_control({"cut": None})
            elif words[0] == "cut" and len(words) in (2, 3) and int(words[1]) > 0:
                part = float(words[2]) if len(words) == 3 else 1.0
                if not 0 < part <= 1:
                    raise ValueError(line.strip())
                chip.send_control({"cut": int(words[1]), "part": part})
            elif words == ["stats"]:
                chip.send_control({"stats": True})
            else:
                raise ValueError(line.strip())
        except ValueError as e:
            say("unknown command %r: bootsel hold|release|SECONDS, power, cut N [PART], cut off, stats" % str(e))


def put_standin(port):
    """The radio stand-in and its world onto the chip's filesystem root
    (firmware/chip/: RPI_PICO has no network module), compiled for the chip
    as the package is: from source it would cost the chip's heap more."""
    out = mpy.build(ROOT / "build" / "chip" / "standin", arch="armv6m", lib=STANDIN)
    files = [str(p) for p in sorted(out.iterdir()) if p.suffix in (".mpy", ".json")]
    cmd = [mpy.find_tool("mpremote"), "connect", port, "cp", *files, ":"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if run.returncode:
        raise ChipError("could not put the radio stand-in on the chip: %s" % (run.stdout + run.stderr).strip())
    say("radio stand-in on the chip: %s" % ", ".join(Path(f).name for f in files))


def deploy(port, board, app):
    if board == "RPI_PICO":
        put_standin(port)
    cmd = [sys.executable, str(ROOT / "tools" / "deploy.py"), "--port", port, "--no-console"]
    if app:
        cmd += ["--app", app]
    return subprocess.run(cmd).returncode


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flash", default=str(ROOT / "build" / "chip" / "flash.img"),
                    help="the chip's flash image (default build/chip/flash.img; made erased if missing)")
    ap.add_argument("--board", choices=BOARDS, default="RPI_PICO",
                    help="which committed firmware image to run (default RPI_PICO)")
    ap.add_argument("--firmware", help="run this .uf2 instead (e.g. one built by make firmware)")
    ap.add_argument("--uid", help="the flash chip's unique id, 16 hex digits (default: from the flash path)")
    ap.add_argument("--link", help="a path kept pointing at the serial port (like /dev/serial/by-id/...)")
    ap.add_argument("--deploy", action="store_true", help="put wifiprov on the chip first (make deploy)")
    ap.add_argument("--app", help="with --deploy: your program, copied as app.py")
    ap.add_argument("--show-all", action="store_true",
                    help="show all the chip prints, also while a program has the port open (mpremote's raw "
                         "REPL traffic included)")
    args = ap.parse_args(argv)
    problem = check_node()
    firmware = Path(args.firmware) if args.firmware else firmware_image(args.board)
    if not problem and not firmware.exists():
        problem = "no firmware image %s" % firmware
    if problem:
        print("chip: cannot run: %s" % problem, file=sys.stderr)
        return 2
    flash = Path(args.flash)
    flash.parent.mkdir(parents=True, exist_ok=True)
    uid = args.uid or default_uid(flash)
    port = Port(args.link)
    chip = Chip(flash, firmware, uid, port, args.show_all)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: (chip.press_bootsel(True),
                                               threading.Timer(BOOTSEL_LONG_S, chip.press_bootsel, (False,)).start()))
    signal.signal(signal.SIGUSR2, lambda *_: chip.press_bootsel(not chip.bootsel))
    relay = threading.Thread(target=chip.serve, args=(stop,), daemon=True)
    say("%s (%s), flash %s, unique id %s" % (args.board if not args.firmware else "firmware", firmware.name,
                                             flash, uid))
    relay.start()
    try:
        if not chip.usb_up.wait(30):
            say("the chip's USB serial port did not come up within 30 s")
            return 1
        say("serial port %s" % port.name())
        if args.deploy:
            code = deploy(port.name(), args.board, args.app)
            if code:
                say("deploy failed (exit code %d); the chip keeps running" % code)
        if args.board == "RPI_PICO" and not args.firmware:
            say("no radio here: the Wi-Fi is firmware/chip/'s stand-in and no phone can join it; provision "
                "over the console (mpremote connect %s repl, then wifiprov set ...) or an Improv "
                "client on the port" % port.name())
        say("ready: use the port above (mpremote connect %s); Ctrl-C stops the chip" % port.name())
        threading.Thread(target=commands, args=(chip, stop), daemon=True).start()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        relay.join(2)
        chip.power_off()
        if port.master is not None:
            port.unplug()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
