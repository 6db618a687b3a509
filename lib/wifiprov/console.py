# The console reader: collects lines typed on the UART/USB console while the
# other tasks run, and hands each one over, whole, to be run once this
# module is dropped (wifiprov.console_line: the commands, or Python). Only
# the wait for the console's next byte stays resident (wifiprov.app's
# watch_console): this module is loaded when bytes come, takes the bytes
# waiting up to a line's end (feed), and is dropped. What a line being typed
# needs across feeds is kept in a list (the state below), not in an object
# of a class of this module: an instance holds its class, and the class the
# module's code, which must go when the job ends.
import gc
import sys
import time
import select
import asyncio
from micropython import const

from .core import job_async, readable
from .settings import CONSOLE_PROMPT, IMPROV

# A longer line is refused and skipped to its end rather than buffered: the
# longest valid `wifiprov set` is about 240 bytes.
_MAX_LINE = const(320)
# After an Improv frame that was dropped or bad, a byte 3 is the frame's (a
# type, a length, a checksum: the frame is not where it seemed), not
# Ctrl-C, until the console has been quiet this long.
_FRAME_GUARD_MS = const(1000)
_HISTORY = const(5)  # lines the up arrow brings back, as at MicroPython's >>>
_NO_ROOM = const("ERROR: out of memory; the line was dropped; type it again")


class _Reader:
    """The console's bytes as asyncio waits for them, for an Improv frame's
    reader: what asyncio.StreamReader's read() does, without loading
    asyncio.stream (1 KB)."""

    def __init__(self, stream):
        self.s = stream

    async def read(self, n):
        while True:
            await readable(self.s)
            got = self.s.read(n)
            if got is not None:  # None: nothing there after all (a non-blocking stream)
                return got


def state():
    """What the console keeps between feeds: the line being typed (a
    bytearray), the bytes of it echoed (the rest may start a frame), the
    line too long, the rest of a broken frame to skip (up to the line's
    end, it is not text), the newline after a frame (a client sends one
    after each: it is not an empty line), the ticks of the last byte since a
    dropped or bad frame (see _FRAME_GUARD_MS) or None, Python's [namespace
    (repl makes it at the first line), a block being typed (bytes) or None],
    the cursor (where in the line the next byte goes: its end, unless the
    arrows moved it), the history (the last lines run, oldest first), the
    history line shown (len(history): the line being typed), where in
    a terminal's key sequence (ESC [ ... final) it is: 1 after ESC, 2 after
    ESC [, and what wifiprov.app runs next with this module dropped: (a
    line typed, False) for wifiprov.console_line.run, or (the config
    message an Improv frame made, the frame's RPC command), which it
    applies, awaiting a try's end (then console_line.settled); or None."""
    return [bytearray(), 0, False, False, False, None, [None, None], 0, [], 0, 0, None]


async def feed(service, kept, stream, echo):
    """Read the bytes waiting on the console, one at a time (a board's
    console delivers keystrokes one at a time), up to a line's end or an
    Improv frame's: what is to be run then is left in kept[11] for
    wifiprov.app, and the rest waits for the next feed. `kept`: state()'s
    list, updated (made when it is empty). False when the console is gone
    (on the host: stdin closed)."""
    waiting = select.poll()
    waiting.register(stream, select.POLLIN)
    if not waiting.poll(0):
        return True  # nothing came (the console's first look, at boot): no state is made for it
    if not kept:  # the first byte since the console started
        kept.extend(state())
    line, shown, overflow, skip, after_frame, guard, python, cursor, history, recall, escape, _ = kept
    try:
        while waiting.poll(0):
            try:
                c = stream.read(1)
            except Exception as e:  # a console glitch must not end the console
                sys.print_exception(e)
                await asyncio.sleep_ms(100)
                return True
            if c is None:  # nothing there after all (a non-blocking stream)
                return True
            if not c:
                return False
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
                        kept[11] = (bytes(line), False)  # run with this module dropped; the prompt follows
                    line = bytearray()
                    shown = cursor = 0
                    overflow = False
                    if kept[11]:
                        return True
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
                        whole = await improv(service, _Reader(stream))
                        if isinstance(whole, tuple):  # (a config, its RPC): applied, answered once done (settled)
                            kept[11] = whole
                            whole = True
                        if whole is not True:  # dropped (None: it stopped coming) or bad (False)
                            guard = time.ticks_ms()
                            skip = whole is False  # a bad one's rest of line is no typed text
                        after_frame = True
                        line = bytearray()
                        shown = cursor = 0
                        if kept[11]:
                            return True
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
                if kept[11]:  # handed over already (its end met the full heap): it runs, not dropped
                    return True
                print(_NO_ROOM)
    finally:  # one at a time: a tuple of them would need the heap, which may be full
        kept[0] = line
        kept[1] = shown
        kept[2] = overflow
        kept[3] = skip
        kept[4] = after_frame
        kept[5] = guard
        kept[6] = python
        kept[7] = cursor
        kept[8] = history
        kept[9] = recall
        kept[10] = escape
    return True


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
