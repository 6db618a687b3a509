# The read-only status page's request (wifiprov.status_server): read it with
# the web server's own reader and limits, then answer GET / with the board's
# name, address, network, signal, uptime and the app's status line, and how
# to change settings. No secrets, no form: it changes nothing. Loaded per
# request, dropped after.
import time

from .core import HttpError, job, status_line
from .http_conn import BUFFER, Connection, head, reason, send
from .http_read import read
from .web_render import html, page

class _Server:
    """What the page templates ask of a server: its service."""

    def __init__(self, service):
        self.service = service


async def serve(service, stream):
    try:
        await _answer(service, stream)
    finally:  # a joined board keeps nothing of a visit to this page
        try:
            job("leftovers", "drop")
        except MemoryError:  # (the answer has gone: they stay until the next visit)
            pass


async def _answer(service, stream):
    conn = Connection(stream)
    buf = bytearray(BUFFER)
    try:
        request = await read(conn, buf)
    except EOFError:
        return
    except HttpError as e:
        return await _short(conn, buf, *e.args)
    if request.method not in (b"GET", b"HEAD"):
        return await _short(conn, buf, 405, "this page only shows the board's status; to change its settings, "
                                            "hold its BOOT button for 3 s (or use its console)")
    if request.target.partition(b"?")[0] not in (b"/", b"/index.htm"):
        return await _short(conn, buf, 404, "only the board's status is here, at /")
    await page(_Server(service), conn, buf, 200, "status.htm", _fill(service))


def _fill(service):
    wifi = service.wifi
    # (wifiprov.radio_now, not radio: loading the AP's and the scan's code
    # for this one read cost this page its answer on a heap where
    # provisioning had just closed, a 503 at a 108K test heap, 64-bit)
    from .radio_now import signal

    dbm = signal(wifi.sta)
    signal = "-" if dbm is None else "%d dBm (%s)" % (
        dbm, "strong" if dbm >= -60 else "fair" if dbm >= -72 else "weak")
    seconds = max(0, time.time() - service.booted)
    hours, seconds = divmod(seconds, 3600)
    days, hours = divmod(hours, 24)
    uptime = ("%d d %d h" % (days, hours)) if days else ("%d h %d min" % (hours, seconds // 60))
    line = status_line[0]
    return {"title": "Status", "nav": "", "name": html(service.hostname or "-"),
            "ip": html(wifi.ip or "-"), "ssid": html(wifi.target["SSID"] if wifi.target else "-"),
            "signal": signal, "uptime": uptime,
            "app": '<tr><th>App</th><td id="appline">%s</td></tr>' % html(line) if line else ""}


async def _short(conn, buf, status, text):
    body = ("%s: %s\n" % (reason(status), text)).encode()  # (its length in bytes)
    extra = "Content-Length: %d\r\n" % len(body)
    if status == 405:
        extra += "Allow: GET\r\n"
    await send(conn, buf, head(status, "text/plain; charset=utf-8", extra) + (body,))
