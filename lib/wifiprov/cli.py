# The console commands (docs/console.md): parse the seed's `wifiprov ...` lines and
# print one answer for each. They decide nothing: requests go to the
# provisioning service (connect and disconnect straight to the Wi-Fi one). wifiprov.console reads the lines, imports this module
# for one line and drops it after, so its text costs no RAM in between.
_MODE_AP = 1
from .checks import AUTH_NAMES, MODE_NAMES
from .core import fields, job, trying
from .text import answer, printable

def split(line):
    """The tokens (text) of a line (UTF-8 bytes), split on space, tab and
    comma; double quotes keep a token together and are removed. Raises
    ValueError on an unmatched quote. It walks the bytes, not the
    characters: see wifiprov.text."""
    tokens = []
    token = None  # None: between tokens; b"" is a real (quoted) empty token
    quoted = False
    for b in line:
        if quoted:
            if b == 0x22:
                quoted = False
            else:
                token.append(b)
        elif b == 0x22:
            quoted = True
            token = token or bytearray()
        elif b in b" \t,":
            if token is not None:
                tokens.append(token.decode())
                token = None
        else:
            token = token or bytearray()
            token.append(b)
    if quoted:
        raise ValueError("unmatched double quote")
    if token is not None:
        tokens.append(token.decode())
    return tokens


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


async def execute(service, raw, out):
    """Run one console line (bytes) and print its answer. For what needs
    the room this module takes, return it for the caller to do once this
    module is dropped: the config message of `wifiprov set` (or `join`) to
    apply, or "enable" or "disable" (provisioning's AP and servers)."""
    try:
        raw.decode()  # the whole line must be UTF-8
        words = split(raw)
    except UnicodeError:
        out("ERROR: the line is not valid UTF-8")
        return
    except ValueError as e:
        out("ERROR: %s" % e)
        return
    if not words:
        return
    if len(words) < 2:
        out("ERROR: wifiprov needs a subcommand; type wifiprov help")
        return
    handler = _COMMANDS.get(words[1])
    if handler is None:
        out('ERROR: unknown subcommand "%s"; type wifiprov help for the commands' % words[1])
        return
    if words[1] not in ("set", "app", "reset", "join") and len(words) > 2:
        out("ERROR: wifiprov %s takes no values; type wifiprov help" % words[1])
        return
    return await handler(service, words[2:], out)


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


async def do_get(service, args, out):
    for line in job("report", "config_lines", service.config):
        out(line)


async def do_scan(service, args, out):
    networks = job("radio", "scan", service.wifi)  # before the answer's module loads
    from .report import show_ssid

    if not networks and service.wifi.radio_error:
        out("ERROR: no scan: %s" % service.wifi.radio_error)
        return
    out("%d networks" % len(networks))
    for ssid, channel, rssi, auth in networks:
        out("%-34s rssi=%d ch=%d security=%s" % (show_ssid(ssid), rssi, channel, AUTH_NAMES.get(auth, "unknown")))


async def do_status(service, args, out):
    from .report import status

    s = status(service)
    sta = s["sta"]
    out("mode: %d (%s)%s" % (s["mode"], MODE_NAMES[s["mode"]],
                             ", fallback AP open (the station could not join)" if s["fallback"] else ""))
    state = sta["state"]
    if sta["ssid"]:
        state += ' "%s"' % sta["ssid"]
    if sta["reason"]:
        state += ": %s" % sta["reason"]
    if sta["attempts"]:
        state += " (%d failed attempts; retrying)" % sta["attempts"]
    out("station: %s" % state)
    out("ip: %s" % (sta["ip"] or "-"))
    ap = s["ap"]
    out("access point: %s" % ('up "%s" ch %d, %d clients' % (ap["ssid"], ap["channel"], ap["clients"])
                             if ap["up"] else "down"))
    out("provisioning: %s" % ("enabled" if s["provisioning"] else "disabled"))
    if s["radio"]:
        out("radio: %s" % s["radio"])
    if s["save_error"]:
        out("config: NOT saved to flash: %s; a reset loses it" % s["save_error"])
    elif not s["saved"]:
        out("config: applied until the next reset (save_config 0)")
    else:
        out("config: saved on flash")
    out("heap: %d bytes used, %d free" % (s["heap"]["alloc"], s["heap"]["free"]))


def _trying(service, out):
    """A network is being tried before it is saved: the station is busy."""
    if trying(service):
        out('ERROR: busy: the board is trying to join "%s"; wait for that answer' % service.attempt["ssid"])
        return True
    return False


async def do_connect(service, args, out):
    if _trying(service, out):
        return
    sta = service.config.get("STA")
    if not sta:
        out("ERROR: no station network is configured; use wifiprov set 0 ... first")
        return
    service.wifi.connect(sta)
    out('OK: joining "%s"' % sta["SSID"])


async def do_disconnect(service, args, out):
    if _trying(service, out):
        return
    service.wifi.disconnect()
    out("OK: station disconnected; it stays down until wifiprov connect")


async def do_enable(service, args, out):
    return "enable"  # the console opens the AP and its servers once this module is dropped


async def do_disable(service, args, out):
    return "disable"


async def do_reset(service, args, out):
    if args != ["yes"]:
        out("ERROR: wifiprov reset erases the whole config (your network, the AP passphrase, the app's settings) "
            "and restarts into first-boot provisioning; type: wifiprov reset yes (wifiprov forget drops only the network)")
        return
    answer(out, job("provision", "factory_reset", service))


async def do_forget(service, args, out):
    """Drop the station network: AP mode, the station section gone; the AP,
    its passphrase and the app's settings stay. Applied as any request is,
    to the config without its station section."""
    sta = service.config.get("STA")
    if not sta:
        out("ERROR: no station network is configured; nothing to forget")
        return
    result = await service.submit({"mode": 1, "save_config": 1}, {k: v for k, v in service.config.items() if k != "STA"})
    if result["ok"]:
        result["next"] = 'forgot "%s"; %s' % (sta["SSID"], result["next"])
    answer(out, result)


async def do_ap(service, args, out):
    """The AP's name and passphrase in clear, and a QR code a phone's camera
    joins with (the console is the trusted channel)."""
    from .qr import encode, lines, wifi_text

    ap = service.config["AP"]
    secured = ap["auth"] != 1
    # With one radio the open AP is on the station's channel, whatever it was set to.
    now = job("radio", "ap_channel", service.wifi) if service.enabled else None
    channel = "channel %d" % ap["ch"] if now in (None, ap["ch"]) else \
        "channel %d (set to %d; the AP follows the station's)" % (now, ap["ch"])
    out("AP: \"%s\", %s, %s%s" % (printable(ap["SSID"]), "passphrase: " + ap["PWD"] if secured else
                                "open (no passphrase)", channel, "" if ap["ssidv"] else ", hidden"))
    size, grid = encode(wifi_text(ap["SSID"], ap["PWD"], secured, not ap["ssidv"]).encode())
    for line in lines(size, grid):
        out(line)
    if service.enabled:
        out("Point a phone's camera at the code to join the AP.")
    else:
        out("The AP is closed now: wifiprov enable, or BOOT held 3 s, opens it; then a phone's camera joins "
            "with the code.")


_COMMANDS = {
    "set": do_set,
    "app": do_app,
    "get": do_get,
    "scan": do_scan,
    "status": do_status,
    "join": do_join,
    "connect": do_connect,
    "disconnect": do_disconnect,
    "enable": do_enable,
    "disable": do_disable,
    "reset": do_reset,
    "forget": do_forget,
    "ap": do_ap,
}
