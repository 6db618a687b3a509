# One client of the web servers (docs/web.md), as the server and the pages
# it loads for a request see it: the connection, the buffer an answer is
# written through, the head of every answer, and the form token the pages
# carry. The pages import this module, never their server (wifiprov.http).
import time
from micropython import const

from .listen import Connection, timed
from .settings import WWW_DIR

# Per connection: holds a header line, then the body, then the answer's
# chunks, so a request never costs more than this and its socket. A header
# line longer than it is refused (431); the board sets no cookies, so only a
# hostile client sends one.
BUFFER = const(1024)
_WRITE_MS = const(5000)  # the client must take each chunk of an answer within this

# Where the pages come from (wifiprov.web_render), found once per opening of
# provisioning rather than per page (each search of the flash for a module
# that is not there costs a board more than the page): a folder the board's
# settings name (WWW_DIR), else the pages frozen into the firmware
# (tools/frozen_pages.py; PAGES: name -> bytes), else the www/ folder beside
# the package.
PAGES = None
if not WWW_DIR:
    try:
        from wifiprov_pages import PAGES  # noqa: F401,F811 (beside the package, as wifiprov_board is)
    except ImportError:
        pass
WWW = WWW_DIR or __file__.rsplit("/", 1)[0] + "/www/"


def random_token():
    """16 hex digits from os.urandom: the form token, a page's CSP nonce."""
    import os

    # bytes.hex(), not binascii: an import of binascii, which no resident
    # module makes, searched the flash for a binascii.py at every page.
    return os.urandom(8).hex()


# The form token (docs/web.md), new each time provisioning opens (this module
# is imported then): a page from this session carries it; a POST without it
# (a forged cross-site form, a page from before a restart) is refused.
# Shared by HTTP and HTTPS.
TOKEN = random_token()


def token_ok(given):
    """Is `given` this session's form token? Compared at full length, in
    constant time."""
    if isinstance(given, str):
        given = given.encode()
    if len(given) != len(TOKEN):
        return False
    diff = 0
    for a, b in zip(given, TOKEN.encode()):
        diff |= a ^ b
    return not diff


class Connection(Connection):  # (the base is listen's, looked up before this one is named)
    """One client: the stream its request is read from and its answer
    written to (the jobs use it as the stream), and what the server needs to
    choose which connection to drop when it is full."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.reading = True  # still receiving its request
        self.head_read = False  # the request's head is complete; its body may follow
        self.progress = time.ticks_ms()  # when it last sent bytes (or connected)
        self.received = 0  # bytes of request so far
        self.sent = 0  # bytes of answer so far: a 503 can still be sent while none are
        self.done = False  # answered; it only lingers (see wifiprov.listen.linger)
        self.method = None  # once its request line is read: a refused POST fires PROV_FAILURE

    async def readinto(self, buf):
        n = await self.stream.readinto(buf)
        if n:
            self.received += n
            self.progress = time.ticks_ms()
        return n

    def write(self, data):
        """Write data straight to the (non-blocking) socket: True when it
        took all of it, as a rule. What it did not take is kept by the
        stream until drain() has written it."""
        self.sent += len(data)
        taken = self.stream.s.write(data) or 0  # None: the socket takes nothing now
        if taken == len(data):
            return True
        self.stream.write(bytes(data[taken:]))
        return False

    def drain(self):
        return self.stream.drain()

    def droppable(self):
        """While its request is coming in, or once answered: an answer is
        never cut."""
        return self.reading or self.done

    def drop_before(self, other):
        """Is this a better connection to drop than `other`? One still
        sending its head goes before one sending its body (a slowloris
        client never finishes its head; a real one may pause before its
        body); then the one that has gone longest without sending. An idle
        browser pre-connection or a slowloris client goes first."""
        if self.head_read != other.head_read:
            return other.head_read
        return time.ticks_diff(self.progress, other.progress) < 0


class Request:
    """One request, as wifiprov.http_read read it: method and target
    (bytes), the kept headers ({lowercase name: value}, bytes), the body
    (bytes). Here, in a module held while the servers are, not in the
    reader's: an instance holds its class, the class its module, and a
    request lives until its answer is sent, so in http_read it held that
    module's code (2 KB on a 32-bit board) through every step after the
    reading, the page's and the apply's too."""

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body


async def send(writer, buf, pieces):
    """Write an answer's pieces (str or bytes) through the connection's
    buffer, in chunks of its size: a page is never whole in RAM."""
    view = memoryview(buf)
    size = len(buf)
    used = 0
    # The builtins this loop calls per piece, as locals: a name the module
    # does not define is first looked for in its table of globals, probed up
    # to an empty slot, and the tables are kept nearly full
    # (docs/internals.md, Speed).
    is_a, string, length = isinstance, str, len
    for piece in pieces:
        if is_a(piece, string):
            piece = piece.encode()
        n = length(piece)
        if used + n > size:
            if used:
                if not writer.write(view[:used]):
                    await _drained(writer)
                used = 0
            if n > size:
                if not writer.write(piece):
                    await _drained(writer)
                continue
        buf[used : used + n] = piece
        used += n
    if used and not writer.write(view[:used]):
        await _drained(writer)


async def _drained(conn):
    """A chunk of an answer is written straight to the socket (conn.write);
    only what the socket did not take at once is waited for, within the
    connection's deadline. (asyncio's drain() yields to the scheduler even
    when nothing is left to write: once per chunk, most of a page's time;
    and a coroutine per chunk cost a frame each.)"""
    await timed(conn, conn.drain(), _WRITE_MS)


# The header lines every answer carries: one request per connection, and
# no cache (pages show state).
_EVERY_HEAD = const(b"\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
# Every status the web servers answer with (the provisioning pages and the
# status page): a tuple of constants, in flash when frozen, where a dict
# would be built at each import.
_REASONS = const(((200, "OK"), (302, "Found"), (400, "Bad Request"), (403, "Forbidden"), (404, "Not Found"),
                  (405, "Method Not Allowed"), (408, "Request Timeout"), (411, "Length Required"),
                  (413, "Content Too Large"), (414, "URI Too Long"), (415, "Unsupported Media Type"),
                  (431, "Request Header Fields Too Large"), (501, "Not Implemented")))


def reason(status):
    """A status line's words: "404 Not Found" for 404."""
    for code, text in _REASONS:
        if code == status:
            return "%d %s" % (code, text)
    return "%d Error" % status


def head(status, content_type, *extra):
    """The head of an answer with that status (a number), as pieces for
    send(), each header line of `extra` ending in CRLF: no text of the
    head's whole size is built (a page's, with its security policy, is 0.3
    KB, and a board close to full found no room for it while a network was
    being joined). The fixed pieces are bytes constants, which a frozen
    firmware keeps in flash."""
    return (b"HTTP/1.1 ", reason(status), b"\r\nContent-Type: ", content_type, _EVERY_HEAD) + extra + (b"\r\n",)
