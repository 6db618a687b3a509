# The pages (docs/web.md): Overview (index.htm), Network Configuration
# (config.htm) and the result of an apply. Each is a template in www/,
# streamed through the connection's buffer with its {{keys}} filled in (read
# line by line from a file; frozen, scanned in flash), so a page is never
# whole in RAM. Everything filled in is
# HTML-escaped here. Loaded per page.
from .core import __version__, fields
from .http_conn import PAGES, TOKEN, WWW, head, random_token, send

# A page's security policy, around its nonce: the only script that runs is
# the page's own, even if an SSID ever got past the escaping.
_CSP = b"Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"
_CSP_END = b"'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n"
_TEXT_FIELDS = ("stassid", "stach", "apssid", "apch")
# What a select shows when the form has no value for it.
_DEFAULTS = {"staauth": "4", "apauth": "4", "countrycode": "GEN", "saveconfig": "1", "staauto": "1", "ssidv": "1"}


async def index(server, writer, buf, request=None):
    from .report import status
    from .text import micropython_version

    s = status(server.service, False)  # (its heap figures are not shown)
    sta = s["sta"]
    state = sta["state"]
    if sta["ssid"]:
        state += ' "%s"' % sta["ssid"]
    if sta["reason"]:
        state += ": %s" % sta["reason"]
    ap = s["ap"]
    fill = {
        "title": "Overview",
        "micropython": micropython_version(),
        "mode": ("STA (station)", "AP (access point)")[s["mode"]] + (", fallback AP open" if s["fallback"] else ""),
        "sta_state": html(state),
        "sta_ip": sta["ip"] or "-",
        "ap": html('"%s" on channel %d, %d clients' % (ap["ssid"], ap["channel"], ap["clients"])
                   if ap["up"] else "off"),
    }
    await page(server, writer, buf, 200, "index.htm", fill)


async def form(server, writer, buf, request):
    """GET /config.htm: the form, filled with the active config."""
    from .web_form import values

    await config(server, writer, buf, 200, values(server.service.config), None)


async def config(server, writer, buf, status, values, error):
    """The form, filled with `values` (web_form's fields: of the active
    config, or as sent with an error). error: None, or (the field it is
    about or None, its text), from wifiprov.web_words. Password fields are
    filled only with what the same page just sent."""
    fill = {"title": "Network Configuration", "token": TOKEN, "message": "", "advanced": "", "nonce": random_token(),
            "stapwd_hint": values["stapwd_hint"], "appwd_hint": values["appwd_hint"]}
    if error:
        field, text = error
        message = ['<p class="err" id="error" role="alert" data-field="%s">%s</p>' % (field or "", html(text))]
        if field:  # that field is marked, and the page opens on it
            message.append("<style>#%s{border:2px solid #c33;background:#fff4f4}</style>" % field)
            if field not in ("stassid", "stapwd") and not field.startswith("app_"):  # those are on the first screen
                fill["advanced"] = " open"
            message.append('<script nonce="%s">document.addEventListener("DOMContentLoaded",function(){'
                           'var e=document.getElementById("%s");e.setAttribute("aria-invalid","true");e.focus();});'
                           "</script>" % (fill["nonce"], field))
        fill["message"] = message
    for name in _TEXT_FIELDS:
        fill[name] = html(values.get(name, ""))
    for name in ("stapwd", "appwd"):  # only what the same page just sent: never a stored one
        fill[name] = ' value="%s"' % html(values[name]) if values.get(name) else ""
    fill["app"] = _app_inputs(values)
    fill["choices"] = values  # the selects: {{name=value}} in the page marks the chosen option
    await page(server, writer, buf, status, "config.htm", fill)


def _app_inputs(values):
    """The app's settings (wifiprov.field), in a section of their own,
    labelled as the app declared them; a secret one as a password."""
    if not fields:
        return ""
    out = ["<fieldset><legend>Settings of this board's app</legend>\n"]
    for key, label, _, secret, max_len in fields:
        name = "app_" + key  # a key is a-z, 0-9 and _: safe in an attribute as it is
        if secret:
            rest = ' type="password" autocomplete="off" placeholder="%s"' % html(values.get(name + "_hint", ""))
        else:
            rest = ' value="%s"' % html(values.get(name, ""))
        out.append('<label for="%s">%s</label><input name="%s" id="%s" maxlength="%d"%s>\n'
                   % (name, html(label), name, name, max_len, rest))
    out.append("</fieldset>\n")
    return out


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


async def page(server, writer, buf, status, name, fill):
    # A fresh nonce per page: the only script that runs is ours, even if an
    # SSID ever got past the escaping.
    nonce = fill.get("nonce") or random_token()
    fill["nonce"] = nonce
    if "refresh" not in fill:
        fill["refresh"] = ""
    if "nav" not in fill:  # the provisioning pages'; the status page has none
        fill["nav"] = '<nav><a href="/">Overview</a><a href="/config.htm">Network Configuration</a></nav>'
    fill["version"] = __version__
    fill["device"] = html(server.service.config["AP"]["SSID"])
    first = head(status, "text/html; charset=utf-8", _CSP, nonce, _CSP_END)
    await send(writer, buf, _render(name, fill, first))


def _render(name, fill, first=()):
    """The pieces of `first` (the head), then the template's, each {{key}}
    replaced by fill[key] (a str, or a list of str), each {{>file}} by that
    template, and each {{name=value}} by " selected" when the form's field
    `name` has that value. The text between keys goes out as it is stored
    (in flash, frozen) or as views of a file's lines, not copies."""
    yield from first
    for text, key in _parts(name):
        yield text
        if key is None:
            continue
        if isinstance(key, tuple):  # (name, value): an option of a select
            if (fill["choices"].get(key[0]) or _DEFAULTS.get(key[0])) == key[1]:
                yield " selected"
        elif key.startswith(">"):
            yield from _render(key[1:], fill)
        else:
            value = fill[key]
            if isinstance(value, str):
                yield value
            else:
                yield from value


def _parts(name):
    """A template as (text, key) pairs: the text up to a {{key}}, and the
    key (None after the last text; a tuple for {{name=value}}): the rule
    of wifiprov.template. A frozen firmware's pages are stored split so, in
    flash, by tools/frozen_pages.py, so a request scans nothing; a file is
    split line by line (a page is never whole in RAM)."""
    if PAGES is not None:
        return PAGES[name]
    return _file_parts(WWW + name)


def _file_parts(path):
    from .template import parts

    with open(path, "rb") as f:
        yield from parts(f)


_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"))


def html(value):
    """Text safe inside an element or a quoted attribute, its control
    characters shown (a scanned SSID may hold any byte)."""
    s = str(value)
    for c, entity in _ENTITIES:
        if c in s:
            s = s.replace(c, entity)
    data = s.encode()
    # A byte that may start a control character (C0, DEL, C1 is C2 80..9F):
    # only then is wifiprov.text loaded, which a page rarely needs. (min()
    # and `in` look at the bytes in C: a loop here was most of a page's
    # filling in.)
    if data and (min(data) < 0x20 or 0x7F in data or 0xC2 in data):
        from .text import printable

        return printable(s)
    return s
