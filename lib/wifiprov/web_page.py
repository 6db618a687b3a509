# The pages (docs/web.md): Overview (index.htm) and Network Configuration
# (config.htm), each filled in here, everything filled in HTML-escaped, and
# rendered by wifiprov.web_render; the result of an apply is
# wifiprov.web_result's. Loaded per page.
from .core import fields, job
from .http_conn import TOKEN, random_token
from .web_render import html, page

_TEXT_FIELDS = const(("stassid", "stach", "apssid", "apch"))
# What a select shows when the form has no value for it.
_DEFAULTS = {"staauth": "4", "apauth": "4", "countrycode": "GEN", "saveconfig": "1", "staauto": "1", "ssidv": "1"}


async def index(server, writer, buf, request=None):
    from .status_report import status
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
    """GET /config.htm: the form, filled with the active config (the
    fields by a job: wifiprov.web_form is dropped before the page is sent)."""
    await config(server, writer, buf, 200, job("web_form", "values", server.service.config), None)


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
    fill["choices"] = values  # the selects: {{name=value}} in the page marks the chosen option,
    fill["defaults"] = _DEFAULTS  # or by default this one
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
