# The page that says what an applied form did (docs/web.md): what happens
# next, and how to reach the board. Apart from the form's page
# (wifiprov.web_page): it is shown once per apply, and its words were a
# third of that module, loaded with every GET of the form, where the flows
# have the least room. Loaded for the page, dropped after.
from .http_conn import TOKEN
from .web_render import html, page


async def applied(server, writer, buf, result, form):
    """What the form did (wifiprov.http shows a refusal, and the join page
    for a network tried first): what happens next."""
    active = server.service.config
    if result.get("app_only"):
        fill = {"title": "Saved", "heading": "Saved" if result["saved"] else "Applied", "cls": "ok",
                "next": html(result["next"]), "hint": "The board's Wi-Fi settings are as they were.",
                "more": '<a class="btn" href="/">Overview</a>'}
        return await page(server, writer, buf, 200, "result.htm", fill)
    sta = active.get("STA")
    if active["mode"] == 1 and sta and form.get("stassid"):
        # Advanced's Apply with a network typed in, while Mode still says
        # AP (a new board's): saved, not joined. Said plainly, with the
        # join one press away (the stored password is kept).
        ssid = html(sta["SSID"])
        fill = {"title": "Saved", "heading": "%s: the board stays an access point"
                % ("Saved" if result["saved"] else "Applied"), "cls": "ok", "next": html(result["next"]),
                "hint": 'Mode says "AP: stay an access point", so the board did not join "%s". To join it now, '
                        "press the button below; next time, press Connect on the first screen." % ssid,
                "more": ['<form method="post" action="/config.htm"><input type="hidden" name="token" value="%s">'
                         % TOKEN, '<input type="hidden" name="stassid" value="%s">' % ssid,
                         '<input type="hidden" name="staauth" value="%d">' % sta["auth"],
                         '<input type="submit" name="join" value="Join &quot;%s&quot; now"></form>' % ssid,
                         '<p><a class="btn" href="/">Overview</a></p>']}
        return await page(server, writer, buf, 200, "result.htm", fill)
    if active["mode"] == 1:
        hint = 'If the board\'s Wi-Fi changed, connect your phone to "%s" again.' % active["AP"]["SSID"]
    elif active["save_config"]:
        hint = ("The board turns its own Wi-Fi off when it restarts: reconnect your phone to your usual "
                "network. The board's console shows its new address.")
    else:
        hint = "The board's console and the Overview page show how the join goes."
    fill = {"title": "Configuration applied", "heading": "Configuration applied", "cls": "ok",
            "next": html(result["next"]), "hint": html(hint), "more": '<a class="btn" href="/">Overview</a>'}
    await page(server, writer, buf, 200, "result.htm", fill)
