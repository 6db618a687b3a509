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
    """A file's lines (bytes), read 128 bytes at a time: a MicroPython
    file's own readline reads it one byte per call (8,000 reads of the
    flash for the form page, most of a page's time from .mpy files). Only
    a line cut by a read's end is joined, to its own length: the rest of a
    read joined to the next read took a block of up to twice a read's size
    at each read, and a page polled at a full heap found none (the 64-bit
    .mpy web-only flow at 100 KB, every run)."""
    rest = b""
    while True:
        chunk = f.read(128)
        if not chunk:
            if rest:
                yield rest
            return
        start = 0
        if rest:
            end = chunk.find(b"\n") + 1
            if not end:  # a line longer than a read: rare (the longest is 253 bytes)
                rest += chunk
                continue
            yield rest + chunk[:end]
            start = end
        while True:
            end = chunk.find(b"\n", start) + 1
            if not end:
                break
            yield chunk[start:end]
            start = end
        rest = chunk[start:]
