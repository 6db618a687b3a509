#!/usr/bin/env python3
"""A simulated board on a serial port: a pseudo-terminal with MicroPython's
REPL behind it, for trying `make deploy` (and mpremote) without a board.

    python tools/ptyboard.py [--flash DIR] [--heap SIZE] [sim.py's options]

Prints `ptyboard: serial port /dev/pts/N ...`; use that as the port:
`make deploy PORT=/dev/pts/N`, `mpremote connect /dev/pts/N`. The board
behind it is firmware/unix/replboard.py on the MicroPython unix port with the
simulated radio, and DIR is its flash. Everything the board prints is shown
here too. Ctrl-C stops it.

This process plays the parts of a board that are not the chip:
- the serial link. What the host writes goes to the chip's stdin, except
  Ctrl-C, which becomes SIGINT (KeyboardInterrupt wherever the chip's code
  is, as a board's UART driver raises it) while the chip has
  micropython.kbd_intr(3) set. What the chip prints goes to the
  host while a program has the port open; with nobody on the port it is
  dropped, as a USB CDC port or UART bridge drops it.
- the reset circuit. machine.reset() and soft resets end the chip's process;
  the next boot starts on the same flash and port. Input sent meanwhile is
  lost, as it is on a board that is resetting.
"""
import argparse
import os
import select
import signal
import subprocess
import sys
import time
import tty
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpy  # noqa: E402
import sim  # noqa: E402
import simradio  # noqa: E402

CTRL_C = 3
# A USB port is away from a hard reset until the firmware is up plus this,
# or at most USB_GONE_MAX_S.
USB_ENUMERATION_S = 0.3
USB_GONE_MAX_S = 10
# replboard's exit codes -> how the next boot starts (REPL mode, boot kind)
NEXT_BOOT = {
    sim.RESET_EXIT_CODE: ("friendly", "power"),  # machine.reset()
    101: ("friendly", "soft"),  # Ctrl-D at the friendly REPL, or sys.exit() in main.py
    102: ("raw", "soft"),  # Ctrl-D at the raw REPL (mpremote's soft reset)
    -signal.SIGINT: ("friendly", "interrupted"),  # Ctrl-C before the chip was listening for it
}


def say(text):
    sys.stdout.write("ptyboard: %s\n" % text)
    sys.stdout.flush()


class Chip:
    """One boot of the MicroPython process behind the port."""

    def __init__(self, cmd, env, cwd, mode, how, world):
        radio = simradio.Wire(world, env["WIFIPROV_BIND"])  # a board's radio starts afresh with it
        self.proc = subprocess.Popen(cmd + [mode, how], env=dict(env, **radio.env), cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0, pass_fds=radio.pass_fds)
        radio.started()
        self.stdout = self.proc.stdout.fileno()

    def send(self, data):
        """Bytes from the host: Ctrl-C as SIGINT while the chip listens for
        it, the rest (and Ctrl-C when it does not) to stdin."""
        start = 0
        for i, b in enumerate(data):
            if b == CTRL_C and self.interrupt_char():
                self._write(data[start:i])
                self.proc.send_signal(signal.SIGINT)
                start = i + 1
        self._write(data[start:])

    def interrupt_char(self):
        return sim.takes_ctrl_c(self.proc.pid)

    def _write(self, data):
        if data:
            try:
                self.proc.stdin.write(data)
            except (BrokenPipeError, ValueError):
                pass  # resetting: a board loses what arrives now

    def ended(self):
        """The exit code once the process has ended (its stdout is closed)."""
        self.proc.stdin.close()
        return self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Port:
    """The host's side: a pseudo-terminal in raw mode (no echo, no line
    editing), so it carries bytes as a serial port does. With a link, that
    path always names the current one, as udev's /dev/serial/by-id names do.
    A USB board's port goes away on a hard reset and comes back as a new
    device; a UART bridge's stays."""

    def __init__(self, link):
        self.link = link
        self.master = None
        self.plug()

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)  # the host opens it by its path
        if self.link:
            tmp = "%s.%d" % (self.link, os.getpid())
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)

    def unplug(self):
        os.close(self.master)  # the host's reads and writes fail from now
        self.master = None
        if self.link:
            os.unlink(self.link)

    def host_present(self):
        # With no program holding the slave side, the master reports a hang-up.
        p = select.poll()
        p.register(self.master, select.POLLIN)
        return not any(ev & select.POLLHUP for _, ev in p.poll(0))

    def name(self):
        return self.link or self.path


def serve(port, cmd, env, flash, usb, world):
    say("serial port %s (flash %s)" % (port.name(), flash))
    chip = Chip(cmd, env, flash, "friendly", "power", world)
    log = sys.stdout.buffer
    replug_at = None  # while a USB port is away: when it comes back
    try:
        while True:
            host = port.master is not None and port.host_present()
            watch = [chip.stdout] + ([port.master] if host else [])
            ready, _, _ = select.select(watch, [], [], 0.05)
            if port.master is not None and port.master in ready:
                try:
                    data = os.read(port.master, 4096)
                except OSError:  # the host closed the port meanwhile
                    data = b""
                chip.send(data)
            if replug_at is not None and time.monotonic() >= replug_at:
                port.plug()
                replug_at = None
                say("USB port back as %s" % port.name())
            if chip.stdout not in ready:
                continue
            out = os.read(chip.stdout, 4096)
            if out:
                log.write(out)
                log.flush()
                if host:
                    try:
                        os.write(port.master, out)
                    except OSError:
                        pass
                elif replug_at is not None and b"READY " in out:
                    # USB enumeration outlasts the firmware's start: the
                    # boot messages are surely lost, as they mostly are on
                    # a Pico W. (A test can then rely on it.)
                    replug_at = min(replug_at, time.monotonic() + USB_ENUMERATION_S)
                continue
            code = chip.ended()
            if code not in NEXT_BOOT:
                say("the board stopped (exit code %d); powering it on again" % code)
                time.sleep(1)
            mode, how = NEXT_BOOT.get(code, ("friendly", "power"))
            if usb and how == "power" and port.master is not None:
                port.unplug()
                replug_at = time.monotonic() + USB_GONE_MAX_S
            chip = Chip(cmd, env, flash, mode, how, world)
    finally:
        chip.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sim.options(ap)
    ap.add_argument("--link", help="a path kept pointing at the current port (like /dev/serial/by-id/...)")
    ap.add_argument("--usb", action="store_true",
                    help="the port goes away on a hard reset and comes back, as a Pico W's (needs --link)")
    args = ap.parse_args(argv)
    if args.usb and not args.link:
        ap.error("--usb needs --link: the port's name changes when it comes back")
    flash = Path(args.flash).resolve()
    flash.mkdir(parents=True, exist_ok=True)
    try:
        micropython = mpy.find_tool("micropython")
        shim_dir = sim.shims()
    except mpy.BuildError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    cmd = [micropython] + (["-X", "heapsize=" + args.heap] if args.heap else []) + ["-m", "replboard"]
    env = sim.environment(args, None, shim_dir)
    port = Port(args.link)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(port, cmd, env, str(flash), args.usb, Path(args.world).resolve())
    except KeyboardInterrupt:
        return 130
    finally:
        if port.master is not None:
            port.unplug()
    return 0


if __name__ == "__main__":
    sys.exit(main())
