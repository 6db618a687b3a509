# Text from the outside world (network messages, form fields, scanned SSIDs)
# made safe to use: strict UTF-8, SSIDs as text or hex, control characters
# shown; and a service's answer as the console's one line. On demand:
# imported by the job that needs it and dropped with that job (see
# wifiprov.core.job).
#
# Text is looked at as bytes, never a character at a time: MicroPython
# interns each one-character string that chr(), iterating a str or indexing
# one makes, and never frees it, so each new character a sender chose would
# grow the heap for good.


def strict_utf8(raw):
    """Decode bytes as UTF-8, refusing what MicroPython's decode() lets
    through (wifiprov.utf8.check_utf8). Raises UnicodeError."""
    from .utf8 import check_utf8

    check_utf8(raw)
    return bytes(raw).decode()



def ssid_text(raw):
    """A scanned SSID (bytes, attacker-controlled) as text, or None when its
    bytes are not UTF-8 (a config SSID is text, so it cannot be chosen)."""
    try:
        return strict_utf8(raw)
    except UnicodeError:
        return None


def is_hex(raw):
    """Are these bytes hex digits, one or more? (Stripped of them, nothing
    is left: C looks at the bytes.)"""
    return bool(raw) and not raw.strip(b"0123456789abcdefABCDEF")


def hex_of(raw):
    return "".join("%02x" % b for b in raw)


def printable(s):
    """Text with its control characters (C0, DEL, C1) shown as \\xNN: a
    scanned SSID may hold any of them, and a console or page must not act
    on them. In UTF-8 a C0 control or DEL is one byte below 0x20 or 0x7F,
    a C1 control the two bytes C2 80..C2 9F."""
    raw = s.encode()
    out = None
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        code = b if b < 0x20 or b == 0x7F else None
        if b == 0xC2 and i + 1 < n and raw[i + 1] <= 0x9F:
            code = raw[i + 1]
        if code is None:
            if out is not None:
                out.append(b)
            i += 1
            continue
        if out is None:
            out = bytearray(raw[:i])
        out.extend(b"\\x%02x" % code)
        i += 1 if code == b else 2
    return s if out is None else out.decode()


def host_name(ssid):
    """The board's host name from its AP's SSID (docs/config.md): lower
    case, every run of other characters one hyphen, none at the ends, at
    most 32 characters (esp32's limit): "wifiprov-93F1" -> "wifiprov-93f1"."""
    out = bytearray()
    for b in ssid.encode():
        if 0x41 <= b <= 0x5A:
            b += 0x20
        if 0x30 <= b <= 0x39 or 0x61 <= b <= 0x7A:
            out.append(b)
        elif out and out[-1] != 0x2D:
            out.append(0x2D)
    name = bytes(out[:32]).decode().strip("-")
    return name or "wifiprov"


def micropython_version():
    """MicroPython's version as its own banner gives it: 1.29.0, or
    1.29.0-preview for a build between releases (sys.implementation.version
    carries the release level as a 4th item)."""
    import sys

    version = sys.implementation.version
    text = "%d.%d.%d" % version[:3]
    if len(version) > 3 and version[3]:
        text += "-" + version[3]
    return text


def answer(out, result):
    """Print a service answer as one line: OK: what happens next, or ERROR."""
    if result["ok"]:
        out("OK: %s" % result.get("next", "done"))
    else:
        out("ERROR: %s" % result["error"])
