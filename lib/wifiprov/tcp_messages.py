# What a message to the TCP server means and its answer (SPEC 8): a JSON
# config document, the phone app's apply,<ssid>,<auth>,<password>,NULL,
# finish, and the {"cmd": ...} extensions. wifiprov.tcp frames the messages
# and imports this module for each one.
import json

from . import call

_USAGE = "send a JSON config document, apply,<ssid>,<auth>,<password>,NULL, or finish"
# The phone app's auth field -> the config's auth (SPEC 8): 2 is WPA/WPA2, 4 WPA3.
_APP_AUTH = {"1": 1, "2": 3, "4": 6}
_COMMANDS = ("scan", "status", "get")


def strict_utf8(raw):
    """Decode bytes as UTF-8, refusing what MicroPython's decode() lets
    through: overlong forms (b"\\xc0\\xaf" would be "/"), surrogates, and
    code points above U+10FFFF. Raises UnicodeError."""
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            size, lo, hi = 2, 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            size = 3
            lo = 0xA0 if b == 0xE0 else 0x80
            hi = 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            size = 4
            lo = 0x90 if b == 0xF0 else 0x80
            hi = 0x8F if b == 0xF4 else 0xBF
        else:
            raise UnicodeError()
        if i + size > n or not lo <= raw[i + 1] <= hi:
            raise UnicodeError()
        for k in range(i + 2, i + size):
            if not 0x80 <= raw[k] <= 0xBF:
                raise UnicodeError()
        i += size
    return raw.decode()


def handle(service, message):
    """One message (bytes, stripped) -> its answer (a dict), or {"apply":
    message} for the caller to hand to service.apply() once this module is
    unloaded (validation needs the RAM)."""
    try:
        text = strict_utf8(message)
    except UnicodeError:
        return service.refuse("the message is not valid UTF-8")
    if "{" in text:
        try:
            doc = json.loads(text[text.index("{"):])
        except (ValueError, MemoryError) as e:
            return service.refuse("not valid JSON (%s)" % (e.args[0] if e.args else "syntax error"))
        if isinstance(doc, dict) and "cmd" in doc:
            return _command(service, doc)
        return {"apply": doc}
    if text.startswith("apply"):
        return _apply(service, text)
    if text == "finish":
        return {"ok": True, "next": "finish: nothing more to do"}
    return service.refuse("unknown message; %s" % _USAGE)

def _apply(service, text):
    """The phone app's apply,<ssid>,<auth>,<password>,NULL: a station
    config, saved and connected at boot, on any channel (SPEC 8)."""
    fields = text.split(",")
    if fields[-1] == "NULL":
        fields.pop()
    if fields[0] != "apply" or len(fields) < 3:
        return service.refuse("apply: expected apply,<ssid>,<auth>,<password>,NULL")
    auth = _APP_AUTH.get(fields[2])
    if auth is None:
        return service.refuse("apply: auth must be 1 (open), 2 (WPA/WPA2) or 4 (WPA3), not %r" % fields[2])
    # A password may hold commas; an open network's password is ignored, as the app may send one.
    password = ",".join(fields[3:]) if auth != 1 else ""
    return {"apply": {"mode": 0, "save_config": 1,
                      "STA": {"SSID": fields[1], "auth": auth, "PWD": password, "ch": 0, "auto": 1}}}


def _command(service, doc):
    cmd = doc["cmd"]
    if len(doc) != 1 or cmd not in _COMMANDS:
        return service.refuse('cmd: must be {"cmd": "scan"}, {"cmd": "status"} or {"cmd": "get"} alone')
    if cmd != "scan":
        return call("report", "status" if cmd == "status" else "config", service)
    networks = []
    for ssid, channel, rssi, auth in call("report", "scan", service)["networks"]:
        try:
            name = strict_utf8(ssid)
        except UnicodeError:
            name = None  # not text: ssid_hex carries it
        networks.append({"ssid": name, "ssid_hex": "".join("%02x" % b for b in ssid),
                         "rssi": rssi, "channel": channel, "auth": auth})
    return {"ok": True, "networks": networks}
