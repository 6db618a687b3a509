# Runs under MicroPython: an answer goes out through the connection's buffer
# in writes of the buffer's size (1 KB on a board's heap; 4 KB while
# requests are cached on a roomy one), every byte once and in order; and a
# request is read within the first 1 KB of either buffer, so the limits on
# a request are the same on any heap.
import asyncio

from wifiprov.core import HttpError
from wifiprov.http_conn import BUFFER, send
from wifiprov.http_read import read

from streams import Reader, Writer


PIECES = [b"<p>%d</p>" % i * 7 for i in range(100)] + ["<p>\u00e9t\u00e9 %d</p>" % i for i in range(50)]
WHOLE = b"".join(p if isinstance(p, bytes) else p.encode() for p in PIECES)


def same_bytes(writes, whole):
    """The writes are whole's bytes, in order. Checked in place: a joined
    copy would need one 7 KB block, which this case's own pieces can leave
    the heap without (the case is about the writes, not about the heap)."""
    at = 0
    for chunk in writes:
        if not whole.startswith(chunk, at):
            return False
        at += len(chunk)
    return at == len(whole)


async def main():
    for size in (BUFFER, 4096):
        w = Writer()
        await send(w, bytearray(size), PIECES)
        print("%d-byte buffer: %d writes, none larger: %s, the same bytes: %s" % (
            size, len(w.out), max(len(c) for c in w.out) <= size, same_bytes(w.out, WHOLE)))
    long_line = b"GET / HTTP/1.1\r\nX-Long: " + b"y" * 1100 + b"\r\n\r\n"
    fits = b"GET / HTTP/1.1\r\nX-Long: " + b"y" * 900 + b"\r\n\r\n"
    for size in (BUFFER, 4096):
        try:
            await read(Reader(long_line), bytearray(size))
            print("%d-byte buffer: a 1,110-byte header line read" % size)
        except HttpError as e:
            print("%d-byte buffer: a 1,110-byte header line: %d" % (size, e.args[0]))
        request = await read(Reader(fits), bytearray(size))
        print("%d-byte buffer: a 910-byte header line: %s" % (size, request.target.decode()))


asyncio.run(main())
