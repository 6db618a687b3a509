# The "Network Configuration" form (docs/web.md): the seed's field names and how
# they map to the config, both ways: the fields a page shows for the active
# config, and a posted form (application/x-www-form-urlencoded, with the
# token of this provisioning session) made into a config document. Loaded per request.
#
# Loaded where the heap is tightest, so its table of globals stays within
# 17 slots (docs/internals.md, RAM; held by tests_host/test_load.py): names
# one function uses are imported or written in it.
from .core import HttpError, declared, fields  # the app's declared settings: form fields app_<key>
from .http_conn import token_ok

_NUMBERS = const(("devmode", "saveconfig", "staauth", "stach", "staauto", "apauth", "apch", "ssidv"))
# form field -> config key, per section
_STA_FIELDS = const((("stassid", "SSID"), ("stapwd", "PWD"), ("staauth", "auth"), ("stach", "ch"), ("staauto", "auto")))
_AP_FIELDS = const((("apssid", "SSID"), ("appwd", "PWD"), ("apauth", "auth"), ("apch", "ch"), ("ssidv", "ssidv")))
# Every field of the seed's form: the three of the device, then the
# sections' (_STA_FIELDS, _AP_FIELDS) in their order.
FIELDS = ("devmode", "saveconfig", "countrycode", "stassid", "stapwd", "staauth", "stach", "staauto",
          "apssid", "appwd", "apauth", "apch", "ssidv")


async def post(server, writer, buf, request):
    """Check and parse the form: (the config document, the form as sent)
    to apply, or (None, the form as sent, what is wrong, the status) for
    the form to be shown again with it once this module is dropped. A
    request that is not a form at all raises HttpError, which wifiprov.web
    answers."""
    content_type = request.headers.get(b"content-type", b"").split(b";")[0].strip()
    if content_type != b"application/x-www-form-urlencoded":
        raise HttpError(415, "send the form as application/x-www-form-urlencoded")
    try:
        form = parse(request.body)
    except ValueError as e:
        raise HttpError(400, str(e))
    if not token_ok(form.pop("token", "")):
        kept = _kept(form, False)
        # A page from before the board restarted (or from another site): the
        # form again, filled in as sent, with this page's token; nothing applied.
        server.service.refuse("the form was from before provisioning last opened, or from another site")
        return None, kept, ("This page was older than the board's last restart, so nothing was changed. "
                            "Check the fields, type the password again and send the form once more."), 403
    # The page just sent, from this session: shown again, passwords and all,
    # so that one wrong field is all the user retypes.
    kept = _kept(form, True)
    try:
        return document(form, server.service.config, server.service.wifi), kept
    except ValueError as e:
        server.service.refuse(str(e))
        return None, kept, str(e), 400


def values(config):
    """The form's fields (text) for a config (GET /config.htm:
    wifiprov.web_page.form). Passwords are never filled in; a hint says
    whether one is stored."""
    values = {"devmode": str(config["mode"]), "saveconfig": str(config["save_config"]),
              "countrycode": config["countrycode"]}
    for name, section_fields, hint in (("STA", _STA_FIELDS, "stapwd_hint"), ("AP", _AP_FIELDS, "appwd_hint")):
        section = config.get(name) or {}
        for field, key in section_fields:
            values[field] = "" if key == "PWD" else str(section.get(key, ""))
        values[hint] = "stored; leave empty to keep it" if section.get("PWD") else ""
    stored = config.get("app") or {}
    for key, _, default, secret, _ in fields:
        # A secret is never filled in either.
        values["app_" + key] = "" if secret else stored.get(key, default)
        values["app_" + key + "_hint"] = "stored; leave empty to keep it" if secret and stored.get(key) else ""
    return values


def parse(body):
    """application/x-www-form-urlencoded -> {name: text}; ValueError names
    what is wrong. `+` is a space, %XX a byte; the bytes must be UTF-8.
    Fields the form does not have (the submit button's) are skipped."""
    form = {}
    if not body:
        return form
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        name = _unquote(name, "a field name")
        # The flags: the first screen's Connect button (join: station mode,
        # whatever Mode says), and Advanced's "save without trying it first"
        # (verify=0).
        if (name not in FIELDS and name not in ("join", "verify") and name != "token"
                and not (name[:4] == "app_" and declared(name[4:]))):
            continue
        if name in form:
            raise ValueError("field %s: given twice" % name)
        form[name] = _unquote(value, "field " + name)
    return form


def _unquote(raw, what):
    from .text import is_hex, strict_utf8  # (here, not at the top: the form page's GET needs no text module)

    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == 0x2B:  # +
            c = 0x20
        elif c == 0x25:  # %
            digits = raw[i + 1 : i + 3]
            if len(digits) != 2 or not is_hex(digits):
                from .quote import show_bytes

                raise ValueError("%s: bad percent-encoding %s (use %%XX with two hex digits)"
                                 % (what, show_bytes(raw[i : i + 3])))
            c = int(digits, 16)
            i += 2
        out.append(c)
        i += 1
    try:
        return strict_utf8(out)
    except UnicodeError:
        raise ValueError("%s: not valid UTF-8" % what)


def document(form, active, wifi):
    """The form's fields -> a config document for service.apply. An empty
    field keeps the stored value: so a password left empty keeps the stored
    one (while SSID and security stay the same). The section of the mode
    not chosen is sent only when its SSID is filled in. Connect (join)
    means station mode; with no password typed for a network other than
    the stored one, it is an open network. A password typed while the
    security still says open (a name typed by hand, after an open network)
    means a secured one: the security the page's scan (wifiprov.radio.scan,
    which answers a recent one again; wifiprov.radio.security_of) saw for that name, else WPA2/WPA3. Only a network the scan saw open
    stays open, and the password is then refused as needless."""
    if "join" in form:
        form["devmode"] = "0"
        stored = active.get("STA") or {}
        if form.get("stapwd"):
            if form.get("staauth", "1") == "1":
                from .radio import security_of

                form["staauth"] = str(security_of(form.get("stassid", ""), form["stapwd"], wifi))
        elif form.get("stassid") != stored.get("SSID"):
            form["staauth"] = "1"
    values = {}
    for name, value in form.items():
        if value == "":
            continue
        if name in _NUMBERS:
            if not value.isdigit() or len(value) > 3:
                from .quote import show_bytes

                raise ValueError("%s: must be a number, not %s" % (name, show_bytes(value)))
            value = int(value)
        values[name] = value
    if "devmode" not in values:
        raise ValueError("devmode: missing (0 STA, 1 AP)")
    doc = {"mode": values["devmode"]}
    if form.get("verify") == "0":
        doc["verify"] = 0
    if "saveconfig" in values:
        doc["save_config"] = values["saveconfig"]
    country = values.get("countrycode")
    if country:
        # The seed's form sends the index of its country list; here rather
        # than from wifiprov.rules, which would load beside this module for it.
        seed_countries = ("GEN", "USA", "EMEA", "CUST1", "CUST2")
        if country.isdigit() and int(country) < len(seed_countries):
            country = seed_countries[int(country)]
        doc["countrycode"] = country
    for name, pairs, mode in (("STA", _STA_FIELDS, 0), ("AP", _AP_FIELDS, 1)):
        section = {key: values[field] for field, key in pairs if field in values}
        if doc["mode"] == mode or "SSID" in section:
            doc[name] = section
    app = {}
    for key, _, _, secret, _ in fields:
        value = form.get("app_" + key)
        # Emptied, a shown setting is set empty; a secret left empty is kept.
        if value is not None and (value or not secret):
            app[key] = value
    if app:
        doc["app"] = app
    return doc


def _kept(form, secrets):
    """The submitted fields, to show again with an error; the passwords and
    secret settings only when `secrets` (the page came from this session)."""
    kept = {name: form.get(name, "") for name in FIELDS}
    if not secrets:
        kept["stapwd"] = kept["appwd"] = ""
    kept["stapwd_hint"] = kept["appwd_hint"] = "type the password again"
    for key, _, _, secret, _ in fields:
        name = "app_" + key
        kept[name] = "" if secret and not secrets else form.get(name, "")
        kept[name + "_hint"] = "type it again" if secret else ""
    return kept
