# The console commands that make a config (wifiprov set, join, app set): they
# return it, and wifiprov.console applies it once this module is dropped
# (`wifiprov app` alone lists the app's settings). Loaded per line, as
# wifiprov.cli's table says.
_MODE_AP = const(1)
from .core import fields
from .text import answer, printable

def _number(token):
    # Only plain decimal is a number; anything else goes to validation as a
    # string, which then names the field that must be an integer.
    digits = token[1:] if token[:1] == "-" else token
    if digits and len(digits) <= 6 and all(0x30 <= b <= 0x39 for b in digits.encode()):
        return int(token)
    return token


def set_message(args):
    """`wifiprov set` values -> a config message, in the seed's order."""
    if len(args) not in (7, 8):
        raise ValueError("wifiprov set needs 7 or 8 values, got %d; see wifiprov help" % len(args))
    mode = _number(args[0])
    section = "AP" if mode == _MODE_AP else "STA"
    flag = "ssidv" if section == "AP" else "auto"
    return {
        "mode": mode,
        "save_config": _number(args[1]),
        "countrycode": args[2],
        section: {
            "ch": _number(args[3]),
            flag: _number(args[4]),
            "auth": _number(args[5]),
            "SSID": args[6],
            "PWD": args[7] if len(args) == 8 else "",
        },
    }


async def do_set(service, args, out):
    untried = args[:1] == ["--no-verify"]  # saved without trying the network first
    try:
        message = set_message(args[untried:])
        if untried:
            message["verify"] = 0
        return message  # the console applies it once this module is dropped
    except ValueError as e:
        answer(out, service.refuse(str(e)))


async def do_join(service, args, out):
    """`wifiprov join SSID [PASSWORD]`: what Connect does on the page. The
    network is tried before it is saved; its security is the scan's for that
    name (open without a password). The name saved already, without a
    password: joined with the stored one."""
    if len(args) not in (1, 2):
        answer(out, service.refuse('wifiprov join takes a network name and its password; quote one with spaces '
                                   'or commas: wifiprov join "My Home" "its password"'))
        return
    ssid, password = args[0], args[1] if len(args) == 2 else ""
    stored = service.config.get("STA") or {}
    if not password and ssid == stored.get("SSID"):
        sta = {"SSID": ssid}  # the stored password and security are kept
    else:
        from .radio import security_of

        sta = {"SSID": ssid, "PWD": password, "auth": security_of(ssid, password, service.wifi)}
    return {"mode": 0, "STA": sta}  # the console applies it once this module is dropped


async def do_app(service, args, out):
    """`wifiprov app`: the app's settings; `wifiprov app set KEY VALUE`
    returns the message that sets one, for the console to apply."""
    if not args:
        if not fields:
            out("no app settings: this board's app declares none (wifiprov.field, docs/app.md)")
            return
        from .appfields import masked

        stored = service.config.get("app") or {}
        for key, label, default, _, _ in fields:
            value = masked({key: stored.get(key, default)})[key]  # masked as everywhere else
            shown = value if value == "********" else '"%s"' % printable(value)
            out("%s = %s  (%s%s)" % (key, shown, label, "" if key in stored else "; the default"))
        return
    if args[0] != "set" or len(args) != 3:
        answer(out, service.refuse('wifiprov app set takes a key and one value; quote a value with spaces or '
                                   'commas: wifiprov app set KEY "a value"'))
        return
    return {"app": {args[1]: args[2]}}
