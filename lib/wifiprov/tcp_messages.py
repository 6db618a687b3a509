# What a message to the TCP server means and its answer (docs/tcp.md): a JSON
# config document, the phone app's apply,<ssid>,<auth>,<password>,NULL,
# finish, and the {"cmd": ...} extensions. wifiprov.tcp frames the messages
# and imports this module for each one.
from .core import job

_USAGE = const("send a JSON config document, apply,<ssid>,<auth>,<password>,NULL, or finish")
# The phone app's auth field -> the config's auth (docs/tcp.md): 2 is WPA/WPA2, 4 WPA3.
_APP_AUTH = {"1": 1, "2": 3, "4": 6}
_COMMANDS = const(("scan", "status", "get"))


def handle(service, message):
    """One message (bytes, stripped) -> its answer (a dict), or {"apply":
    message} for the caller to hand to service.submit() once this module is
    dropped (validation needs the RAM)."""
    if b"{" in message:  # a JSON object, and nothing else (docs/tcp.md)
        if message[0] != 0x7B:
            return service.refuse('the message is not valid JSON: text comes before its "{"')
        try:
            doc = job("strict_json", "load", message, "the message")  # dropped before the answer loads report
        except ValueError as e:
            return service.refuse(str(e))
        if isinstance(doc, dict) and "cmd" in doc:
            return _command(service, doc)
        return {"apply": doc}
    try:
        from .text import strict_utf8

        text = strict_utf8(message)
    except UnicodeError:
        return service.refuse("the message is not valid UTF-8")
    if text.startswith("apply"):
        return _apply(service, text)
    if text == "finish":
        from .trial import finish

        return finish(service)
    return service.refuse("unknown message; %s" % _USAGE)

def _apply(service, text):
    """The phone app's apply,<ssid>,<auth>,<password>,NULL: a station
    config, saved and connected at boot, on any channel (docs/tcp.md)."""
    fields = text.split(",")
    if fields[-1] == "NULL":
        fields.pop()
    if fields[0] != "apply" or len(fields) < 3:
        return service.refuse("apply: expected apply,<ssid>,<auth>,<password>,NULL")
    auth = _APP_AUTH.get(fields[2])
    if auth is None:
        return service.refuse("apply: auth must be 1 (open), 2 (WPA/WPA2) or 4 (WPA3), not %r" % fields[2])
    # A password may hold commas. An open network's must be empty: validation
    # refuses one, rather than drop what the user typed without a word.
    password = ",".join(fields[3:])
    return {"phone": 1, "apply": {"mode": 0, "save_config": 1,
                      "STA": {"SSID": fields[1], "auth": auth, "PWD": password, "ch": 0, "auto": 1}}}


def _command(service, doc):
    cmd = doc["cmd"]
    if len(doc) != 1 or cmd not in _COMMANDS:
        return service.refuse('cmd: must be {"cmd": "scan"}, {"cmd": "status"} or {"cmd": "get"} alone')
    if cmd == "scan":
        found = job("radio", "scan", service.wifi)  # before the answer's module loads
        return job("report", "networks", found)
    if cmd == "status":
        return job("status_report", "status", service)
    return job("report", "config", service)
