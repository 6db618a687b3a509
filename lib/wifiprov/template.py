# The pages' {{key}} rule (docs/web.md), in one place: wifiprov.web_render
# splits a page's file with it, line by line, and tools/frozen_pages.py (on
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
