# Reading one HTTP request within docs/web.md's limits, for wifiprov.http:
# loaded while a connection is sending its request, dropped after.
from micropython import const

from .core import HttpError
from .http_conn import BUFFER, Request

# docs/web.md, checked before anything is allocated for them.
_MAX_REQUEST_LINE = const(512)
_MAX_HEADER_BYTES = const(2048)
_MAX_HEADER_LINES = const(24)
_MAX_BODY = const(1024)

# Request headers the server uses; every other one is counted and dropped.
_KEEP = const((b"host", b"content-length", b"content-type", b"origin", b"transfer-encoding"))


async def read(conn, buf):
    """Read one request from a connection (wifiprov.http.Connection) into a
    Request, or raise HttpError (EOFError when the client closed first).
    Lines are cut out of buf one at a time; only the kept headers are
    stored."""
    view = memoryview(buf)[:BUFFER]  # the limits hold with a roomy buffer too
    used = 0
    method = target = None
    headers = {}
    lines = size = 0
    while True:
        end = buf.find(b"\n", 0, used)
        if end < 0:
            if method is None and used > _MAX_REQUEST_LINE:
                raise HttpError(414, "request line longer than %d bytes" % _MAX_REQUEST_LINE)
            if used == BUFFER:
                raise HttpError(431, "a header line is longer than %d bytes" % BUFFER)
            n = await conn.readinto(view[used:])
            if n is None:
                continue  # TLS: the bytes that arrived were handshake or record overhead
            if not n:
                raise EOFError
            used += n
            continue
        line = bytes(view[:end]).rstrip(b"\r")
        used -= end + 1
        buf[:used] = view[end + 1 : end + 1 + used]
        if method is None:
            if end > _MAX_REQUEST_LINE:
                raise HttpError(414, "request line longer than %d bytes" % _MAX_REQUEST_LINE)
            if not line:
                continue  # RFC 9112: an empty line before the request is ignored
            parts = line.split(b" ")
            if len(parts) != 3 or not parts[2].startswith(b"HTTP/1.") or not parts[1]:
                raise HttpError(400, "malformed request line; expected: METHOD /path HTTP/1.1")
            method, target = parts[0], parts[1]
            conn.method = method
            continue
        if not line:
            conn.head_read = True  # only the body is to come: see Connection.drop_before
            break  # end of the head
        lines += 1
        size += end + 1
        if lines > _MAX_HEADER_LINES or size > _MAX_HEADER_BYTES:
            raise HttpError(431, "more than %d header lines or %d bytes of headers"
                            % (_MAX_HEADER_LINES, _MAX_HEADER_BYTES))
        name, colon, value = line.partition(b":")
        if not colon or not name or name[-1] in b" \t":
            raise HttpError(400, "malformed header line")
        name = name.lower()
        if name in _KEEP:
            if name in headers:
                raise HttpError(400, "header %s given twice" % name.decode())
            headers[name] = value.strip()
    if b"transfer-encoding" in headers:
        raise HttpError(501, "Transfer-Encoding is not supported; send Content-Length")
    length = headers.get(b"content-length")
    if length is None:
        if method == b"POST":
            raise HttpError(411, "a POST needs a Content-Length")
        length = 0
    elif not length.isdigit():
        raise HttpError(400, "Content-Length must be a decimal number")
    elif len(length) > 5 or int(length) > _MAX_BODY:  # the length is checked before its digits become an int
        raise HttpError(413, "body longer than %d bytes" % _MAX_BODY)
    else:
        length = int(length)
    while used < length:
        n = await conn.readinto(view[used:length])
        if n is None:
            continue
        if not n:
            raise EOFError
        used += n
    return Request(method, target, headers, bytes(view[:length]))
