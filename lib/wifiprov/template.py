# The pages' {{key}} rule (docs/web.md), in one place: wifiprov.web_render
# splits a page's file with it, line by line (read by lines()), and tools/frozen_pages.py (on
# the build machine, under CPython) the pages a frozen firmware keeps in
# flash already split. Plain Python that imports nothing, for both.


def parts(lines):
    """A template's lines (bytes) as (text, key) pairs: the text up to a
    {{key}}, as a view of its line (not a copy), and the key: a str, a
    (name, value) tuple for {{name=value}}, None after a line's last text.
    A key never spans lines."""
    for line in lines:
        view = memoryview(line)
        start = 0
        while True:
            at = line.find(b"{{", start)
            if at < 0:
                break
            end = line.find(b"}}", at)
            key = line[at + 2 : end].decode()
            if "=" in key and not key.startswith(">"):
                name, _, value = key.partition("=")
                key = (name, value)
            yield view[start:at], key
            start = end + 2
        yield view[start:], None


def lines(f):
    """A file's lines (bytes), read 128 bytes at a time into one buffer: a
    MicroPython file's own readline reads it one byte per call (8,000 reads
    of the flash for the form page, most of a page's time from .mpy files).
    Each line is copied out, to its own length; only a line cut by a read's
    end is joined. A read of its own at each step took a new block of the
    read's size, and the rest of a read joined to the next one of up to
    twice that: a join page polled at a full heap found neither, midway
    through its file (the 64-bit .mpy web-only flow at 101 KB, the 32-bit
    one at 68 KB, every run)."""
    buf = bytearray(128)
    view = memoryview(buf)
    rest = b""
    while True:
        n = f.readinto(buf)
        if not n:
            if rest:
                yield rest
            return
        start = 0
        if rest:
            end = buf.find(b"\n", 0, n) + 1
            if not end:  # a line longer than a read: rare (the longest is 253 bytes)
                rest += view[:n]
                continue
            yield rest + view[:end]
            start = end
        while True:
            end = buf.find(b"\n", start, n) + 1
            if not end:
                break
            yield bytes(view[start:end])
            start = end
        rest = bytes(view[start:n])
