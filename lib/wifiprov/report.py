# Read-only answers for any transport: the masked config, a scan, and the
# config as console lines (the boot banner, `wifiprov get`). Imported for
# one answer, dropped after. The status is wifiprov.status_report's: it is
# asked for most (each second by a phone's page, by apps), with the least
# room.
from .checks import MODE_NAMES, auth_name

def config(service):
    """The active config with every password (and secret app setting)
    replaced by a marker."""
    return {"ok": True, "config": masked_config(service.config)}


def masked_config(config):
    out = {}
    for key, value in config.items():
        if key == "app":
            from .appfields import masked  # the secret ones, as a password

            value = masked(value)
        elif isinstance(value, dict):
            value = dict(value)
            value["PWD"] = "********" if value["PWD"] else ""
        out[key] = value
    return out


def networks(found):
    """A scan's list (wifiprov.radio.scan, done by the caller before this
    module loads) as JSON-ready data: TCP and Improv answers."""
    return {"ok": True, "networks": list(each_network(found))}


def scan_json(found):
    """GET /api/scan's body from a scan's list, each network's JSON a bytes
    piece of its own (wifiprov.web.send_json sends them): as one string and
    then its bytes, it took two blocks of its size (100 bytes a network),
    which a heap cut up by the page before may not have."""
    import json

    pieces = [b'{"ok": true, "networks": [']
    for network in each_network(found):
        pieces.append(json.dumps(network).encode())
        pieces.append(b", ")
    if len(pieces) > 1:
        pieces.pop()  # the last separator
    pieces.append(b"]}\n")
    return tuple(pieces)


def each_network(found):
    """A scan's networks, one JSON-ready dict at a time (GET /api/scan
    writes each as it comes): valid JSON for any SSID bytes, as the text
    (None when not UTF-8) and as hex."""
    from .text import hex_of, ssid_text  # here: status and config answers need no text module

    for ssid, channel, rssi, auth in found:
        yield {"ssid": ssid_text(ssid), "ssid_hex": hex_of(ssid), "rssi": rssi, "channel": channel, "auth": auth}


def show_ssid(ssid):
    """An SSID as a printable, quoted string, whatever its bytes."""
    from .text import hex_of, printable, ssid_text
    if isinstance(ssid, bytes):
        text = ssid_text(ssid)
        if text is None:
            return "0x" + hex_of(ssid)
        ssid = text
    return '"%s"' % printable(ssid)


def config_lines(config):
    """A config, passwords masked, as the console's lines (`wifiprov get`,
    and the boot's "config: ..." lines)."""
    return format_config(masked_config(config))


def format_config(config):
    lines = ["mode=%d (%s) save_config=%d countrycode=%s" % (
        config["mode"], MODE_NAMES[config["mode"]], config["save_config"], config["countrycode"])]
    for name in ("STA", "AP"):
        sec = config.get(name)
        if not sec:
            lines.append("%s: not configured" % name)
            continue
        flag = "ssidv" if name == "AP" else "auto"
        lines.append("%s: ssid=%s auth=%d (%s) ch=%d %s=%d password=%s" % (
            name, show_ssid(sec["SSID"]), sec["auth"], auth_name(sec["auth"]), sec["ch"], flag, sec[flag],
            sec["PWD"] or "(none)"))
    app = config.get("app")
    if app:
        from .text import printable

        lines.append("app: " + " ".join('%s="%s"' % (key, printable(app[key])) for key in sorted(app)))
    return lines
