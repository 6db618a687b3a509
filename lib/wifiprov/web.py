# What a web request means (docs/web.md): routing, the captive-portal redirects,
# the JSON API, and the short answers (errors, redirects). A request for the
# form or a page is handed back to wifiprov.http as its next step, which
# imports wifiprov.web_form or web_page once this module is dropped: routing
# and a page together would not fit a small heap. Imported per request.
#
# Loaded where the heap is tightest, so its table of globals stays within
# 17 slots (docs/internals.md, RAM; held by tests_host/test_load.py): names
# one function uses are imported or written in it.
from .core import HttpError, job
from .http_conn import head, send

# The connectivity checks of Android, Apple, Windows and Firefox. Answered
# with a redirect to the portal, the phone opens it by itself.
_PROBES = const((b"/generate_204", b"/gen_204", b"/hotspot-detect.html", b"/library/test/success.html",
                 b"/connecttest.txt", b"/ncsi.txt", b"/redirect", b"/canonical.html", b"/success.txt"))
# (path, the methods it takes): a tuple of constants, in flash when frozen,
# where a dict would be built at each import, for each request.
_ROUTES = const(((b"/config.htm", b"GET, POST"), (b"/", b"GET"), (b"/index.htm", b"GET"), (b"/api/status", b"GET"),
                 (b"/api/scan", b"GET"), (b"/api/config", b"POST"), (b"/join.htm", b"GET, POST")))


async def answer(server, writer, buf, request):
    """Answer a request (or the HttpError that ended it): None when
    answered; the next step, by its name in wifiprov.http's table of steps
    ("join", "post", "form" or "index"); "scan", which the server does
    itself and answers with send_json; or, for the API, the message to
    apply as (config document, None)."""
    if isinstance(request, HttpError):
        return await error(server, writer, buf, *request.args)
    path = request.target.partition(b"?")[0]
    headers = request.headers
    host = headers.get(b"host")
    if host is not None and not _host_name(host):
        return await error(server, writer, buf, 400, "the Host header is not a host name: %s"
                           % job("quote", "show_bytes", host))
    if not _own_host(server, host) or path in _PROBES:
        return await _redirect(server, writer, buf)
    for route, allowed in _ROUTES:
        if route == path:
            break
    else:
        return await error(server, writer, buf, 404, "no page %s here; the portal is at /"
                           % job("quote", "show_bytes", path))
    method = request.method
    if method not in allowed.split(b", "):
        return await error(server, writer, buf, 405, "use %s for %s"
                           % (allowed.decode(), job("quote", "show_bytes", path)), allowed)
    if method == b"POST" and not _same_origin(headers):
        return await error(server, writer, buf, 403, "cross-origin request refused")
    service = server.service
    if path == b"/api/status":
        from .status_report import status

        return await send_json(writer, buf, status(service))
    if path == b"/api/scan":
        return "scan"  # the server scans once this module is dropped
    if path == b"/api/config":
        return await _api_config(server, writer, buf, request)
    # A page or the form: the server runs it as a step of its own.
    if path == b"/join.htm":
        return "join"
    if method == b"POST":
        return "post"
    return "form" if path == b"/config.htm" else "index"


async def _api_config(server, writer, buf, request):
    content_type = request.headers.get(b"content-type", b"").split(b";")[0].strip()
    if content_type != b"application/json":
        # A browser sends a cross-site text/plain or form body without asking;
        # application/json only to the page's own origin.
        return await send_json(writer, buf, server.service.refuse("POST /api/config needs Content-Type: "
                                                              "application/json"), 415)
    service = server.service
    try:
        doc = job("strict_json", "load", request.body, "the body")
    except ValueError as e:
        return await send_json(writer, buf, service.refuse(str(e)))
    return doc, None


# ---- short answers ----

async def send_json(writer, buf, answer, status=None):
    """answer: a dict, or its JSON already made as a tuple of bytes pieces
    (the scan's, wifiprov.report.scan_json)."""
    if isinstance(answer, dict):
        import json

        if status is None:
            status = 200 if answer["ok"] else 400
        # The newline goes as a piece of its own, not a copy of the body.
        answer = (json.dumps(answer).encode(), b"\n")
    # Bytes: Content-Length counts bytes, and an SSID's text holds any character.
    size = 0
    for piece in answer:
        size += len(piece)
    await send(writer, buf, head(status or 200, "application/json", "Content-Length: %d\r\n" % size) + answer)


async def error(server, writer, buf, status, text, allow=None):
    """A short plain-text answer that says what was wrong. A POST asks to
    change the config: its refusal fires PROV_FAILURE."""
    if writer.method == b"POST":
        server.service.refuse("HTTP %d: %s" % (status, text))
    from .http_conn import reason

    body = ("%s: %s\n" % (reason(status), text)).encode()  # (its length in bytes: the text may quote an SSID)
    extra = "Content-Length: %d\r\n" % len(body)
    if allow:
        extra += "Allow: %s\r\n" % allow.decode()
    await send(writer, buf, head(status, "text/plain; charset=utf-8", extra) + (body,))


async def _redirect(server, writer, buf):
    scheme, default = ("https", 443) if server.tls else ("http", 80)
    url = "%s://%s%s/config.htm" % (scheme, server.host, "" if server.port == default else ":%d" % server.port)
    body = "the provisioning page is at %s\n" % url
    await send(writer, buf, head(302, "text/plain", "Location: %s\r\nContent-Length: %d\r\n"
                                 % (url, len(body))) + (body,))


# ---- helpers ----

def _host_name(host):
    """Is a Host header's value a name, an IPv4 address or a bracketed IPv6
    one, with an optional port (RFC 9110)? Anything else is not text we
    compare names with."""
    # Stripped of every byte a host may hold, nothing is left: C looks at
    # the bytes, where a loop here cost a request 12,000 instructions.
    return not host.strip(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-._:[]")


def _own_host(server, host):
    """Is the request for this board? A phone's connectivity check (and a
    DNS-rebinding page) names another host: it is sent to the portal."""
    if host is None:
        return True  # an HTTP/1.0 tool; browsers always send Host
    name = host.split(b":")[0].decode().lower()
    if name == server.host:
        return True
    import network

    own = network.hostname() if hasattr(network, "hostname") else None
    return bool(own) and name in (own, own + ".local")


def _same_origin(headers):
    origin = headers.get(b"origin")
    if origin is None:
        return True  # not a browser, or a same-origin form of an old one
    return origin.partition(b"://")[2] == headers.get(b"host", b"")
