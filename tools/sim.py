#!/usr/bin/env python3
"""Run the wifiprov firmware on the MicroPython unix port with a simulated radio.

    python tools/sim.py [--flash DIR] [--world FILE] [--bind ADDR] [--tcp-port N]
                        [--http-port N] [--https-port N] [--dns-port N] [--heap SIZE]

The console is this process's stdin/stdout: type `wifiprovhelp`. When the
firmware calls machine.reset(), MicroPython ends and a new process boots on the
same flash directory, as a board would. Ctrl-C stops the simulator; so do
SIGTERM and SIGHUP, which are passed on to the board's process.
"""
import argparse
import os
import shutil
import signal
import threading
import time
import tempfile
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpy  # noqa: E402  (tools/mpy.py)
import simradio  # noqa: E402  (tools/simradio.py)

ROOT = mpy.ROOT
SHIMS = ROOT / "firmware" / "unix"
RESET_EXIT_CODE = 100  # firmware/unix/machine.py exits with it on reset()


def say(text):
    try:
        print("sim: " + text, flush=True)
    except BrokenPipeError:
        # Whoever read the output is gone (a harness that closed its end
        # before stopping the launcher): nothing is lost by not saying it,
        # and a traceback here would be the only thing it could still see.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def options(ap):
    """The simulated board's options (tools/ptyboard.py shares them)."""
    ap.add_argument("--flash", default=str(ROOT / "build" / "sim" / "flash"),
                    help="directory that is the board's flash (default build/sim/flash)")
    ap.add_argument("--world", default=str(SHIMS / "world.json"),
                    help="world file: the networks around the board (default firmware/unix/world.json)")
    ap.add_argument("--bind", default="127.0.0.1", help="the simulated AP's address (default 127.0.0.1)")
    ap.add_argument("--tcp-port", type=int, default=6666)
    ap.add_argument("--http-port", type=int, default=8080)
    ap.add_argument("--https-port", type=int, default=8443)
    ap.add_argument("--dns-port", type=int, default=5353)
    ap.add_argument("--heap", help="MicroPython heap size, e.g. 64K (default: the unix port's)")
    ap.add_argument("--backoff-ms", type=int, default=1000,
                    help="first station retry delay; it doubles per attempt (default 1000)")
    ap.add_argument("--retry-max-ms", type=int, default=120000,
                    help="longest delay between station retries (default 120000)")
    ap.add_argument("--echo", action="store_true",
                    help="echo what is typed, as a board's console does (a terminal echoes by itself)")
    ap.add_argument("--attempt-timeout-ms", type=int, default=20000,
                    help="how long one join may take before it counts as failed (default 20000)")
    ap.add_argument("--ap-grace-ms", type=int, default=30000,
                    help="after a network was joined through the AP, the AP closes this long later (default 30000)")
    ap.add_argument("--prov-window-s", type=int, default=600,
                    help="a provisioning AP opened with a network saved closes after this long "
                         "with no client (default 600; 0: never)")


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options(ap)
    ap.add_argument("--source", action="store_true",
                    help="run lib/ from .py source instead of compiled .mpy")
    ap.add_argument("--lib", help="run the package from this directory instead (e.g. where mip installed it)")
    ap.add_argument("--micropython", help="the MicroPython binary to run (default: the pinned unix port)")
    ap.add_argument("--frozen", action="store_true",
                    help="the package and the shims are frozen into --micropython (make firmware BOARD=unix)")
    ap.add_argument("--main", help="the program the board runs after boot (default: the flash's main.py, "
                                   "else the repository's)")
    ap.add_argument("--app", help="copy this file onto the flash as app.py first: your program, run by wifiprov")
    ap.add_argument("--prompt", action="store_true", default=None,
                    help="show the console's >>> prompt (default: when stdin is a terminal)")
    ap.add_argument("--max-restarts", type=int, default=1000, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def shims():
    """The compiled stand-ins for the board's modules (firmware/unix): from
    source, importing them would cost the firmware's heap a compile."""
    return mpy.build(ROOT / "build" / "sim-mpy", lib=SHIMS)


def environment(args, lib, shim_dir):
    # The flash is the board's filesystem: as on a board, a module there or
    # in its lib/ is found after the port's own (the shims stand in for
    # those), and the repository's package is the default when it has none.
    # The board runs in its flash folder, so the flash is "" and its lib/
    # is "lib", as on a board. flash/lib only when there is one: each path
    # is a name the board's heap keeps (a board's "/lib" is built in).
    flash = Path(args.flash).resolve()
    env = mpy.micropython_env(shim_dir, "", "lib" if (flash / "lib").is_dir() else None, lib)
    env.update({
        "WIFIPROV_FLASH": str(Path(args.flash).resolve()),
        "WIFIPROV_BIND": args.bind,
        "WIFIPROV_TCP_PORT": str(args.tcp_port),
        "WIFIPROV_HTTP_PORT": str(args.http_port),
        "WIFIPROV_HTTPS_PORT": str(args.https_port),
        "WIFIPROV_DNS_PORT": str(args.dns_port),
        "WIFIPROV_BACKOFF_MS": str(args.backoff_ms),
        "WIFIPROV_RETRY_MAX_MS": str(args.retry_max_ms),
        "WIFIPROV_ATTEMPT_TIMEOUT_MS": str(args.attempt_timeout_ms),
        "WIFIPROV_ECHO": "1" if getattr(args, "echo", False) else "",
        "WIFIPROV_PROV_WINDOW_S": str(args.prov_window_s),
        "WIFIPROV_AP_GRACE_MS": str(args.ap_grace_ms),
        # The console's >>> prompt: for a person at a terminal, not for a
        # program reading the console line by line.
        "WIFIPROV_PROMPT": "1" if getattr(args, "prompt", False) or (getattr(args, "prompt", False) is None and sys.stdin.isatty()) else "",
    })
    return env


def default_main():
    """The repository's main.py, for a flash that has none, run from a
    folder of its own: MicroPython puts the script's folder first on the
    path, and nothing of the repository may be found there in place of the
    flash's files."""
    folder = ROOT / "build" / "sim-main"
    folder.mkdir(parents=True, exist_ok=True)
    target, text = folder / "main.py", (ROOT / "main.py").read_bytes()
    if not target.exists() or target.read_bytes() != text:
        tmp = folder / ("main.%d.tmp" % os.getpid())  # boards started side by side
        tmp.write_bytes(text)
        os.replace(tmp, target)
    return target


def main(argv=None):
    args = parse(argv)
    try:
        micropython = args.micropython or mpy.find_tool("micropython")
        if args.frozen:
            lib = shim_dir = None  # only the binary's own .frozen modules
        else:
            if args.lib:
                lib = Path(args.lib).resolve()
            else:
                lib = ROOT / "lib" if args.source else mpy.build()
            shim_dir = SHIMS if args.source else shims()
    except mpy.BuildError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    flash = Path(args.flash).resolve()
    flash.mkdir(parents=True, exist_ok=True)
    if args.app:
        shutil.copyfile(args.app, flash / "app.py")
        say("copied %s to the flash as app.py" % args.app)
    elif (flash / "app.py").exists():
        # As on a board, the flash keeps it: an earlier `make sim APP=...` put it there.
        say("the flash has an app.py (an earlier APP=, say): the board runs it beside wifiprov; delete %s to run "
            "wifiprov alone" % (flash / "app.py"))
    main_py = Path(args.main) if args.main else flash / "main.py"
    if not main_py.exists():
        main_py = default_main()
    taken = ports_in_use(args)
    if taken:
        print("error: %s in use on %s (another simulator?): stop it, or give this one other ports (%s)"
              % (", ".join("%s port %d" % (what, port) for what, port, _ in taken), args.bind,
                 " ".join(option for _, _, option in taken)), file=sys.stderr)
        return 1
    cmd = [micropython]
    if args.heap:
        cmd += ["-X", "heapsize=" + args.heap]
    cmd.append(str(main_py.resolve()))
    env = environment(args, lib, shim_dir)
    env["WIFIPROV_BUTTON"] = str(_button_file())
    say("flash %s, world %s, address %s" % (args.flash, args.world, args.bind))
    # Who to signal for the BOOT button (make button reads it): this
    # simulator, not every one on the machine.
    pid_file = flash / "sim.pid"
    pid_file.write_text("%d\n" % os.getpid())
    say("pid %d (in %s); the BOOT button: make button%s" % (
        os.getpid(), pid_file, "" if flash == (ROOT / "build" / "sim" / "flash").resolve() else " FLASH=" + args.flash))
    try:
        return _run(args, cmd, env, flash)
    finally:
        try:
            if pid_file.read_text().strip() == str(os.getpid()):
                pid_file.unlink()
        except OSError:
            pass


def _run(args, cmd, env, flash):
    # A process manager, `timeout` or a test harness stops the launcher with
    # SIGTERM or SIGHUP: the board goes with it, or it would live on as an
    # orphan holding the ports.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _stop)
    # Ctrl-C (SIGINT) is KeyboardInterrupt, handed on below, even when this
    # process was started with it ignored: a shell does that to whatever it
    # starts in the background (`make test &` in a script), and the
    # launcher would then never stop on it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The board's BOOT button (docs/simulator.md): SIGUSR1 holds it for
    # 3.5 s, a long press; SIGUSR2 presses it, or releases it when held.
    signal.signal(signal.SIGUSR1, _long_press)
    signal.signal(signal.SIGUSR2, _toggle_button)
    console = Console()
    for _ in range(args.max_restarts + 1):
        # stdout is inherited; stdin comes through the console relay, as
        # through a UART: what was typed while the board rebooted is lost.
        # The board has a process group of its own, so that the terminal's
        # Ctrl-C reaches only this launcher, which hands it on as a board's
        # UART does (Console.interrupt).
        # A board's radio starts afresh with it (tools/simradio.py).
        radio = simradio.Wire(Path(args.world).resolve(), args.bind)
        board = subprocess.Popen(cmd, env=dict(env, **radio.env), cwd=str(flash), stdin=subprocess.PIPE,
                                 preexec_fn=_board_process, pass_fds=radio.pass_fds)
        radio.started()
        console.attach(board)
        try:
            code = board.wait()
        except KeyboardInterrupt:
            console.interrupt(board)
            try:
                board.wait(10)  # wifiprov stops its AP and servers, says so, and the board ends
            except (subprocess.TimeoutExpired, KeyboardInterrupt):  # or a second Ctrl-C
                _end(board, signal.SIGTERM)
            say("stopped by Ctrl-C")
            return 130
        except Stopped as e:
            _end(board, signal.SIGTERM)
            say("stopped by signal %d" % e.signum)
            return 128 + e.signum
        if code != RESET_EXIT_CODE:
            say("MicroPython exited with code %d" % code)
            return code
        say("restarting the board")
    return 1


def ports_in_use(args):
    """The board's server ports that another program holds on its address:
    [(what, port, option)]. Said before the board starts, in place of the
    board's own "server did not start: OSError(98,)". HTTPS is left out: it
    only listens where the flash has a certificate."""
    import errno
    import socket

    taken = []
    for what, port, kind, option in (("TCP", args.tcp_port, socket.SOCK_STREAM, "--tcp-port"),
                                     ("HTTP", args.http_port, socket.SOCK_STREAM, "--http-port"),
                                     ("DNS", args.dns_port, socket.SOCK_DGRAM, "--dns-port")):
        with socket.socket(socket.AF_INET, kind) as probe:
            if kind == socket.SOCK_STREAM:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the board's servers bind
            try:
                probe.bind((args.bind, port))
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    taken.append((what, port, "%s N" % option))
    return taken


_BUTTON = []  # the file that exists while the simulated BOOT button is held


def _button_file():
    if not _BUTTON:
        _BUTTON.append(Path(tempfile.mkdtemp(prefix="wifiprov-button-")) / "held")
    return _BUTTON[0]


def _press(held):
    path = _button_file()
    if held:
        path.touch()
    elif path.exists():
        path.unlink()
    say("BOOT button %s" % ("held" if held else "released"))


def _long_press(signum, frame):
    _press(True)
    threading.Thread(target=_release_later).start()


def _release_later():
    simradio.quiet_thread()
    time.sleep(3.5)
    _press(False)


def _toggle_button(signum, frame):
    _press(not _button_file().exists())


class Stopped(Exception):
    """The launcher was told to stop by a signal."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _stop(signum, frame):
    # Only the first stops: a second SIGTERM (make passes timeout's on, and
    # timeout's own may follow) must not break off the stop with a second
    # traceback. The first blocks them all, so that none kills the launcher
    # once Python has put the default handlers back as it exits; one that
    # arrived before the block finds them blocked already (the mask as it
    # was is what pthread_sigmask returns) and is turned away. Not SIG_IGN:
    # one that arrived but was not yet handled makes CPython's
    # signal.signal() raise "ignored due to race condition" once its
    # handler is SIG_IGN.
    if not signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS).issuperset(_STOP_SIGNALS):
        raise Stopped(signum)


def _end(board, sig, wait_s=3):
    """Stop the board process: sig, then SIGKILL if it does not go."""
    for s in (sig, signal.SIGKILL):
        if board.poll() is not None:
            return
        try:
            board.send_signal(s)
            board.wait(wait_s)
            return
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            continue


def _prctl():
    """Linux's prctl, looked up once here: the child must not spend its
    start-up importing ctypes. None elsewhere."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: the signal handlers still cover SIGTERM and SIGHUP


_PRCTL = _prctl()


def _board_process():
    """In the board's process, before MicroPython starts: a process group
    of its own (the terminal's Ctrl-C is the launcher's to hand on), and
    Linux ends it when the launcher dies, even by SIGKILL, which no handler
    sees."""
    os.setpgrp()
    if _PRCTL:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def takes_ctrl_c(pid):
    """Does the MicroPython process take Ctrl-C as an interrupt? A board's
    UART driver does while micropython.kbd_intr(3) is set, and passes the
    byte on after kbd_intr(-1) (wifiprov's console sets it so, for Improv
    frames: every one holds a 3). The unix port has a SIGINT handler
    exactly while it is set: /proc says whether one is installed."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except (OSError, ValueError):
        pass
    return True


class Console:
    """The board's console line: what is typed on the launcher's stdin goes
    to the board running now (a thread copies it; what is typed before the
    first boot waits for it, as `echo 'wifiprov status' | make sim` needs).
    Its end is not passed on: a board's console never ends, and the
    simulator keeps running."""

    def __init__(self):
        self._board = None
        self._booted = threading.Event()
        threading.Thread(target=self._copy, daemon=True).start()

    def attach(self, board):
        self._board = board
        self._booted.set()

    def _copy(self):
        simradio.quiet_thread()
        self._booted.wait()
        while True:
            try:
                data = os.read(0, 4096)
            except OSError:
                return
            if not data:
                return
            self.write(data)

    def write(self, data):
        board = self._board
        try:
            board.stdin.write(data)
            board.stdin.flush()
        except (AttributeError, BrokenPipeError, ValueError, OSError):
            pass  # between boots: lost, as on a UART

    def interrupt(self, board):
        """Ctrl-C, as a board's UART hands it on: an interrupt while
        MicroPython takes it as one, else the byte 3, which wifiprov's
        console reads itself."""
        if takes_ctrl_c(board.pid):
            board.send_signal(signal.SIGINT)
        else:
            self.write(b"\x03")


if __name__ == "__main__":
    sys.exit(main())
