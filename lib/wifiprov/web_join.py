# The pages of a network being tried before it is saved (docs/web.md):
# "Connecting…" while the board tries it, then where the board went, and
# Done. Loaded for one of these pages, beside wifiprov.web_render.
from .core import HttpError, job
from .http_conn import TOKEN, token_ok
from .wifi import ATTEMPT_TIMEOUT_MS  # (the resident Wi-Fi module's copy: no settings loaded per poll)
from .web_render import html, page


async def answer(server, writer, buf, request):
    """GET: how the try goes; when it failed, the form again with why, the
    network's name kept (handed back to wifiprov.http as the form's
    refusal). POST (Done, with the page's token): the AP closes now."""
    service = server.service
    if request.method == b"POST":
        # The form's field "token" of a form post, and nothing else (16
        # hex digits need no urlencoded escapes): not a text body, nor a
        # field whose name only ends in "token".
        if request.headers.get(b"content-type", b"").split(b";")[0].strip() != b"application/x-www-form-urlencoded":
            raise HttpError(415, "send the form as application/x-www-form-urlencoded")
        token = None
        for pair in request.body.split(b"&"):
            name, _, value = pair.partition(b"=")
            if name == b"token":
                token = value
        if token is None or not token_ok(token):  # answered by wifiprov.web once this module is dropped
            raise HttpError(403, "the page was from before provisioning last opened; nothing was changed")
        from .trial import finish

        return await finished(server, writer, buf, finish(service))
    attempt = service.attempt
    if attempt and attempt["state"] == "failed":
        values = job("web_form", "values", service.config)  # dropped before the page loads
        # The network tried, not the stored one: its name and security; its password typed again.
        values["stassid"] = attempt["ssid"]
        values["staauth"] = str(attempt["auth"])
        values["stapwd_hint"] = "type the password again"
        return None, values, attempt["answer"]["error"], 200
    await joining(server, writer, buf)


async def joining(server, writer, buf):
    """A network being tried: the page reloads itself each second (no
    script needed) until the board has joined it; then where it went. A
    failed try is the form again (answer)."""
    attempt = server.service.attempt
    if attempt is None:
        fill = {"title": "Nothing to join", "heading": "Nothing to join", "cls": "", "hint": "",
                "next": "No network is being joined.", "more": '<a class="btn" href="/config.htm">Connect to Wi-Fi</a>'}
        return await page(server, writer, buf, 200, "result.htm", fill)
    ssid = html(attempt["ssid"])
    if attempt["state"] == "trying":
        fill = {"title": "Connecting", "heading": 'Connecting to "%s"…' % ssid, "cls": "", "more": "",
                "refresh": '<meta http-equiv="refresh" content="1;url=/join.htm">',
                "next": "The board is joining your network. This takes up to %d seconds; keep this page open."
                        % (ATTEMPT_TIMEOUT_MS // 1000),
                "hint": "Nothing is saved until the board has joined it."}
        return await page(server, writer, buf, 200, "result.htm", fill)
    answer = attempt["answer"]
    # A join whose report broke off for want of heap has neither (wifiprov.trial).
    ip = answer.get("ip") or server.service.wifi.ip
    # Its markup is a page of its own (joined.htm): frozen, in flash, not
    # made in RAM at the moment the heap is fullest, beside the try.
    url = answer.get("url") or job("status_server", "board_url", server.service)
    at = url.replace(server.service.hostname + ".local", ip)  # the address as a link too, on the same port
    fill = {"title": "Connected", "ssid": ssid, "ip": html(ip), "url": html(url), "at": html(at), "token": TOKEN}
    await page(server, writer, buf, 200, "joined.htm", fill)


async def finished(server, writer, buf, result):
    closing = "closes now" in result["next"]
    fill = {"title": "Done", "heading": "Done", "cls": "ok", "more": "",
            "next": "The board's Wi-Fi is closing now." if closing else "Nothing more to do here.",
            "hint": "Your phone goes back to your usual network by itself."}
    await page(server, writer, buf, 200, "result.htm", fill)
