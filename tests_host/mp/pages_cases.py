# Runs under MicroPython: a frozen firmware's pages (tools/frozen_pages.py
# splits them on the host, where their {{keys}} are) render byte for byte as
# wifiprov.web_render renders the page files, every key and option included.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board module the settings read
import wifiprov.web_render as web_render

sys.path.append(sys.argv[2])  # the folder tools/frozen_pages.py wrote
from wifiprov_pages import PAGES


class Every(dict):
    """A page's fill with a value for any key: the key, marked."""

    def __getitem__(self, key):
        if key == "choices":
            return {"staauth": "3", "countrycode": "JPN", "apch": "6"}  # some options chosen, others by default
        if key == "defaults":
            return {"apauth": "4", "saveconfig": "1"}
        return "[%s]" % key


def rendered(name, pages):
    web_render.PAGES = pages
    out = []
    for piece in web_render._render(name, Every(), Every(), (b"head|",)):
        out.append(piece.encode() if isinstance(piece, str) else bytes(piece))
    return b"".join(out)


for name in sorted(PAGES):
    frozen, files = rendered(name, PAGES), rendered(name, None)
    if frozen != files:
        print("%s: the frozen page differs from its file at byte %d" % (
            name, [a == b for a, b in zip(frozen, files)].index(False) if len(frozen) == len(files) else -1))
        sys.exit(1)
    if b"{{" in frozen or b"[" not in frozen:
        print("%s: keys left unfilled, or none filled" % name)
        sys.exit(1)
print("pages: %d frozen pages render as their files" % len(PAGES))

# A page file is read 256 bytes at a time and cut into lines (a file's own
# readline reads a byte per call): the lines are the file's, whatever
# their length against the chunk's, with or without a last newline.
from io import BytesIO  # noqa: E402
from wifiprov.template import lines  # noqa: E402

for text in (b"", b"\n", b"a\nb", b"one\r\ntwo\r\n", b"x" * 600 + b"\ny\n", b"z" * 256 + b"\n" + b"w" * 255,
             b"\n" * 300):
    got = list(lines(BytesIO(text)))
    want, start = [], 0
    while start < len(text):
        end = text.find(b"\n", start) + 1 or len(text)
        want.append(text[start:end])
        start = end
    if got != want:
        print("lines of %r: %r, not %r" % (text[:20], got[:3], want[:3]))
        sys.exit(1)
print("lines: a file's lines, read in chunks")
