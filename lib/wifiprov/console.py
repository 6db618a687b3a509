# The console reader: collects lines typed on the UART/USB console while the
# other tasks run, and hands each one to the commands in wifiprov.cli, or,
# when it is not a wifiprov command, to Python (wifiprov.repl).
import gc
import sys
import time
import asyncio
from micropython import const

from .core import answer, job, job_async, say
from .interrupt import interrupt_char
from .settings import CONSOLE_PROMPT, IMPROV

# A longer line is refused and skipped to its end rather than buffered: the
# longest valid `wifiprov set` is about 240 bytes.
_MAX_LINE = const(320)
# After an Improv frame that was dropped or bad, a byte 3 is the frame's (a
# type, a length, a checksum: the frame is not where it seemed), not
# Ctrl-C, until the console has been quiet this long.
_FRAME_GUARD_MS = const(1000)
_HISTORY = const(5)
_NO_ROOM = "ERROR: out of memory; the line was dropped; type it again"  # lines the up arrow brings back, as at MicroPython's >>>


class _Reader:
    """The console's bytes as asyncio waits for them: what
    asyncio.StreamReader's read() does (the same wait on asyncio's I/O
    queue), without loading asyncio.stream, a module of 1 KB that a board
    that was never provisioned since boot would hold for nothing else."""

    def __init__(self, stream):
        self.s = stream

    async def read(self, n):
        while True:
            yield asyncio.core._io_queue.queue_read(self.s)
            got = self.s.read(n)
            if got is not None:  # None: nothing there after all (a non-blocking stream)
                return got


async def read(service, stream, echo):
    """Read stream byte by byte (a board's console delivers keystrokes one at
    a time, and a whole-line read would stall every other task). An asyncio
    without that I/O queue (a later MicroPython may rename it) gets its own
    StreamReader."""
    queue = getattr(getattr(asyncio, "core", None), "_io_queue", None)
    reader = _Reader(stream) if hasattr(queue, "queue_read") else asyncio.StreamReader(stream)
    # With Improv on, Ctrl-C (a byte 3) is read here, not raised wherever the
    # code is: every Improv frame holds a 3 (its type), which must not stop
    # wifiprov (docs/improv.md).
    if IMPROV:
        interrupt_char(-1)
    try:
        await _read_lines(service, reader, echo)
    finally:
        interrupt_char(3)


async def _read_lines(service, reader, echo):
    line = bytearray()
    shown = 0  # bytes of line echoed; the rest may start a frame
    overflow = False
    skip = False  # after a broken frame: its rest, up to the line's end, is not text
    after_frame = False  # the newline a client sends after each frame is not an empty line
    guard = None  # ticks of the last byte since a dropped or bad frame (see _FRAME_GUARD_MS)
    python = [None, None]  # the namespace (repl makes it at the first line); a block being typed (bytes) or None
    cursor = 0  # where in line the next byte goes: its end, unless the arrows moved it
    history = []  # the last lines run, oldest first
    recall = 0  # the history line shown (len(history): the line being typed)
    escape = 0  # inside a terminal's key sequence (ESC [ ... final): 1 after ESC, 2 after ESC [
    while True:
        try:
            c = await reader.read(1)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a console glitch must not end the console
            sys.print_exception(e)
            await asyncio.sleep_ms(100)
            continue
        if not c:
            return  # the console is gone (on the host: stdin closed)
        try:
            if isinstance(c, str):
                c = c.encode()
            b = c[0]
            if guard is not None:
                now = time.ticks_ms()
                if time.ticks_diff(now, guard) < _FRAME_GUARD_MS:
                    guard = now
                    if b == 3:
                        continue  # a frame's byte, not Ctrl-C
                else:  # quiet for a while: what comes now is new, typed text
                    guard = None
                    skip = False
            if skip:
                skip = b != 10 and b != 13
                continue
            if after_frame:
                after_frame = False
                if b == 10 or b == 13:
                    continue
            if b == 3:  # Ctrl-C outside a frame: as MicroPython's own would (wifiprov.app stops)
                raise KeyboardInterrupt
            if escape and b < 0x20 and b != 27:
                escape = 0  # a control byte (Enter) ends a sequence cut short, and counts as itself
            if escape or b == 27:  # an arrow key: ESC [ A..D (ESC O A..D in a terminal's other mode)
                if b == 27:
                    escape = 1
                elif escape == 1:
                    escape = 2 if b in b"[O" else 0
                elif 0x40 <= b <= 0x7E:  # the sequence's last byte
                    escape = 0
                    if echo:  # what was held back (a possible frame's start) is shown first
                        sys.stdout.write(_shown(line[shown:]))
                    shown = len(line)
                    if b in b"AB" and (history or b == 66):
                        recall = max(0, min(len(history), recall + (-1 if b == 65 else 1)))
                        old = cursor
                        line = bytearray(history[recall] if recall < len(history) else b"")
                        cursor = shown = len(line)
                        if echo:
                            sys.stdout.write("\b" * old + _shown(line) + "\x1b[K")
                    elif b == 67 and cursor < len(line):  # right
                        cursor += 1
                        if echo:
                            sys.stdout.write("\x1b[C")
                    elif b == 68 and cursor:  # left
                        cursor -= 1
                        if echo:
                            sys.stdout.write("\b")
                continue
            if b == 10 or b == 13:  # a board's terminal sends CR, a host pipe LF
                if echo:
                    sys.stdout.write(_shown(line[shown:]) + "\r\n")
                if overflow:
                    print("ERROR: line longer than %d bytes; ignored" % _MAX_LINE)
                else:
                    if line.strip() and (not history or history[-1] != line):
                        history.append(bytes(line))
                        if len(history) > _HISTORY:
                            history.pop(0)
                    recall = len(history)
                    await _execute(service, bytes(line), python)
                line = bytearray()
                shown = cursor = 0
                overflow = False
                if CONSOLE_PROMPT:
                    sys.stdout.write("... " if python[1] else ">>> ")
            elif b == 8 or b == 127:  # backspace, delete: the byte before the cursor
                if cursor:
                    tail = line[cursor:]
                    line = line[: cursor - 1] + tail
                    cursor -= 1
                    if shown > cursor:  # it was on the screen
                        shown = len(line) if tail else cursor
                        if echo:
                            sys.stdout.write("\b" + _shown(tail) + " " + "\b" * (len(tail) + 1))
            elif len(line) >= _MAX_LINE:
                overflow = True
            elif cursor < len(line):  # typed inside the line (the arrows moved the cursor): inserted there
                tail = line[cursor:]
                line = line[:cursor] + c + tail
                cursor += 1
                shown = len(line)
                if echo:
                    sys.stdout.write(_shown(line[cursor - 1 :]) + "\b" * len(tail))
            else:
                line.append(b)
                cursor += 1
                if IMPROV and line[-6:] == b"IMPROV":
                    # An Improv frame, never text: what came before it on the line is dropped.
                    whole = await improv(service, reader)
                    if whole is not True:  # dropped (None: it stopped coming) or bad (False)
                        guard = time.ticks_ms()
                        skip = whole is False  # a bad one's rest of line is no typed text
                    after_frame = True
                    line = bytearray()
                    shown = cursor = 0
                    continue
                if echo:
                    held = _frame_start(line) if IMPROV else 0
                    if len(line) - held > shown:
                        sys.stdout.write(_shown(line[shown : len(line) - held]))
                        shown = len(line) - held
        except MemoryError:
            # The heap is full (clients of the servers hold it): the line
            # typed so far is dropped and said so; the console, its Python
            # namespace and its history carry on.
            line[:] = b""  # emptied in place: a new one would need the heap
            shown = cursor = escape = 0
            gc.collect()
            print(_NO_ROOM)


def _frame_start(line):
    """How many bytes at the end of line may begin an Improv frame: they
    are echoed once they turn out not to."""
    for n in range(min(5, len(line)), 0, -1):
        if line[-n:] == b"IMPROV"[:n]:
            return n
    return 0


def _shown(raw):
    """Typed bytes as the echo shows them: ASCII, and "?" for the rest."""
    return bytes(b if 32 <= b < 127 else 63 for b in raw).decode()


def _trying(result):
    say("... %s" % result["next"])


async def _execute(service, raw, python):
    """One line: a wifiprov command (its first word as wifiprov.cli splits
    words; never Python), or Python."""
    words = raw.replace(b",", b" ").replace(b'"', b" ").split(None, 1)
    try:
        if words and words[0] in (b"wifiprov", b"wifiprovhelp"):
            message = await job_async("cli", "execute", service, raw, say)
            if message:  # applied once cli is dropped: validation needs the room
                answer(say, await service.submit(message, None, _trying))
        elif words or python[1] is not None:  # an empty line only ends a block
            job("repl", "line", raw, python)
    except MemoryError:
        print("ERROR: out of memory; try again")
    except Exception as e:  # a bug in one command must not end the console
        sys.print_exception(e)
        say("ERROR: internal error: %r" % e)


async def improv(service, reader):
    """One Improv frame (wifiprov.improv, loaded for it): True when it was
    read whole. Whatever goes wrong in answering it must not end the console."""
    try:
        return await job_async("improv", "frame", service, reader)
    except MemoryError:
        print("ERROR: out of memory; an Improv frame was not answered")
    except Exception as e:
        sys.print_exception(e)
    return True
