# The chip of a board on a serial line, for testing the deploy path without
# a board (never goes onto one). tools/ptyboard.py runs it behind a
# pseudo-terminal, as the UART or USB link and reset circuit around it.
#
# It starts as MicroPython does on a board: "MPY: soft reboot" after a soft
# reset, boot.py, then main.py unless the REPL is in raw mode, all from the
# flash directory (the working directory), with one namespace for them and
# for everything typed later. Then it serves the friendly REPL and the raw
# REPL with raw-paste flow control, the protocols mpremote speaks (see
# MicroPython's shared/runtime/pyexec.c). A reset ends the process with an
# exit code saying which; ptyboard starts the next boot.
#
#   micropython replboard.py friendly|raw power|soft|interrupted
#
# Ctrl-C is never read as a byte: ptyboard turns it into SIGINT, which the
# unix port raises as KeyboardInterrupt wherever the code is, as a board's
# UART driver does. Here a KeyboardInterrupt while waiting for input is the
# Ctrl-C key.
import sys

from machine import RESET_EXIT_CODE  # the firmware's machine.reset()

SOFT_RESET_FRIENDLY = 101  # exit codes ptyboard knows
SOFT_RESET_RAW = 102
RAW_PASTE_WINDOW = 128  # half of a board's 256-byte stdin buffer, as pyexec.c

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5

_out = sys.stdout.buffer
_in = sys.stdin.buffer
namespace = {"__name__": "__main__"}  # boot.py's, main.py's and the REPL's
repl_mode = "friendly"  # or "raw": how the REPL is entered next (survives a Ctrl-C)


class Reset(Exception):
    """Leave the process: the board resets (code = the exit code)."""

    def __init__(self, code):
        self.code = code


def reset_for(exit, soft):
    """The reset a SystemExit means: machine.reset() a hard one, any other
    a soft one (code `soft`: the REPL mode it returns to), as on a board."""
    code = exit.args[0] if exit.args else 0
    return Reset(RESET_EXIT_CODE if code == RESET_EXIT_CODE else soft)


def write(data):
    _out.write(data if isinstance(data, bytes) else data.encode())


def key():
    """The next byte from the host (an int); a Ctrl-C comes as SIGINT."""
    try:
        c = _in.read(1)
    except KeyboardInterrupt:
        return CTRL_C
    if not c:
        raise Reset(0)  # ptyboard closed the line: power off
    return c[0]


def execute(source, framed):
    """Run source (str) in the board's namespace; framed = the raw REPL's
    output framing (EOF after the output, after the error)."""
    try:
        exec(compile(source, "<stdin>", "exec" if framed else "single"), namespace)
    except SystemExit as e:
        if framed:
            write(b"\x04\x04")
        raise reset_for(e, SOFT_RESET_RAW if framed else SOFT_RESET_FRIENDLY)
    except BaseException as e:  # KeyboardInterrupt too: it ends the program, not the board
        if framed:
            write(b"\x04")
        sys.print_exception(e)
        if framed:
            write(b"\x04")
        return
    if framed:
        write(b"\x04\x04")


def run_file(name):
    try:
        with open(name) as f:
            source = f.read()
    except OSError:
        return  # no such file: a board skips it
    try:
        exec(compile(source, name, "exec"), namespace)
    except SystemExit as e:
        raise reset_for(e, SOFT_RESET_FRIENDLY)
    except BaseException as e:
        sys.print_exception(e)


def raw_paste():
    """Read code with flow control until Ctrl-D, acknowledge, run it."""
    write(b"R\x01" + bytes((RAW_PASTE_WINDOW & 0xFF, RAW_PASTE_WINDOW >> 8)) + b"\x01")
    code = bytearray()
    remain = RAW_PASTE_WINDOW
    while True:
        c = key()
        if c in (CTRL_C, CTRL_D):
            write(b"\x04")  # the end, to the host
            if c == CTRL_C:
                write(b"\x04")
                sys.print_exception(KeyboardInterrupt())
                write(b"\x04")
                return
            break
        code.append(c)
        remain -= 1
        if remain == 0:
            write(b"\x01")  # room for another window
            remain = RAW_PASTE_WINDOW
    execute(code.decode(), True)


def raw_repl():
    """Until Ctrl-B: the raw REPL. Returns when the host leaves it."""
    write(b"raw REPL; CTRL-B to exit\r\n>")
    line = bytearray()
    while True:
        c = key()
        if c == CTRL_A:
            if len(line) == 2 and line[0] == CTRL_E:
                if line[1] == ord("A"):
                    raw_paste()
                else:
                    write(b"R\x00")
                line = bytearray()
                write(b">")
                continue
            line = bytearray()
            write(b"raw REPL; CTRL-B to exit\r\n>")
        elif c == CTRL_B:
            write(b"\r\n")
            return
        elif c == CTRL_C:
            line = bytearray()
        elif c == CTRL_D:
            write(b"OK")
            if not line:
                write(b"\r\n")
                raise Reset(SOFT_RESET_RAW)
            execute(line.decode(), True)
            line = bytearray()
            write(b">")
        else:
            line.append(c)


def banner():
    write("MicroPython v%s; wifiprov serial-board double (unix port)\r\n" % ".".join(
        str(n) for n in sys.implementation.version[:3]))
    write('Type "help()" for more information.\r\n')


def friendly_repl():
    """Until Ctrl-A: one line at a time, echoed (no history, no
    continuation lines: enough for a person at `mpremote repl`)."""
    line = bytearray()
    write(b">>> ")
    while True:
        c = key()
        if c == CTRL_A:
            write(b"\r\n")
            return
        elif c == CTRL_B:
            write(b"\r\n")
            banner()
            line = bytearray()
            write(b">>> ")
        elif c == CTRL_C:
            write(b"\r\n>>> ")
            line = bytearray()
        elif c == CTRL_D:
            if not line:
                write(b"\r\n")
                raise Reset(SOFT_RESET_FRIENDLY)
        elif c == CTRL_E:
            write(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
            paste = bytearray()
            while True:
                c = key()
                if c == CTRL_C:
                    break
                if c == CTRL_D:
                    write(b"\r\n")
                    execute(paste.decode(), False)
                    break
                paste.append(c)
                write(b"\r\n=== " if c == 13 else bytes((c,)))
            line = bytearray()
            write(b"\r\n>>> " if c == CTRL_C else b">>> ")
        elif c in (13, 10):
            write(b"\r\n")
            if line.strip():
                execute(line.decode(), False)
            line = bytearray()
            write(b">>> ")
        elif c in (8, 127):
            if line:
                line.pop()
                write(b"\x08 \x08")
        elif c >= 32:
            line.append(c)
            write(bytes((c,)))


def boot(how):
    """What a board runs before its REPL."""
    if how == "soft":
        write(b"MPY: soft reboot\r\n")
    if how != "interrupted":
        run_file("boot.py")
        if repl_mode == "friendly":
            run_file("main.py")


def repl():
    global repl_mode
    while True:
        if repl_mode == "raw":
            raw_repl()
            repl_mode = "friendly"
        else:
            banner()
            friendly_repl()
            repl_mode = "raw"


def main():
    global repl_mode
    # A board's import path, with the simulator's stand-ins for the board's
    # built-in modules (network, machine) where a board has them built in.
    shims = [p for p in sys.path if p not in ("", ".frozen")]
    sys.path[:] = ["", ".frozen"] + shims + ["lib"]
    repl_mode = sys.argv[1]
    try:
        try:
            boot(sys.argv[2])
        except KeyboardInterrupt:  # Ctrl-C while boot.py ran
            write(b"\r\n")
        while True:
            try:
                repl()
            except KeyboardInterrupt:
                # A Ctrl-C that came outside a read: the REPL starts over,
                # as on a board.
                write(b"\r\n")
    except Reset as r:
        sys.exit(r.code)


main()
