# Text from the outside world (network messages, form fields, scanned SSIDs)
# made safe to use: strict UTF-8, SSIDs as text or hex, control characters
# shown. On demand: a module that uses it for all its work imports it and
# it is dropped with that module (see wifiprov.unload); one that needs it
# for one step calls it (wifiprov.call), so it is gone before the next step.


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
    return bytes(raw).decode()


def ssid_text(raw):
    """A scanned SSID (bytes, attacker-controlled) as text, or None when its
    bytes are not UTF-8 (a config SSID is text, so it cannot be chosen)."""
    try:
        return strict_utf8(raw)
    except UnicodeError:
        return None


def hex_of(raw):
    return "".join("%02x" % b for b in raw)


def _control(c):
    return c < " " or "\x7f" <= c <= "\x9f"


def printable(s):
    """Text with its control characters (C0, DEL, C1) shown as \\xNN: a
    scanned SSID may hold any of them, and a console or page must not act
    on them."""
    for c in s:
        if _control(c):
            return "".join("\\x%02x" % ord(c) if _control(c) else c for c in s)
    return s


def show_bytes(raw):
    """Bytes (or text) from a request, quoted for an error message: printable
    ASCII, the rest as \\xNN, at most 40 characters."""
    if isinstance(raw, str):
        raw = raw.encode()
    return '"%s"' % "".join(chr(b) if 0x20 <= b < 0x7F else "\\x%02x" % b for b in bytes(raw)[:40])


def unicode_text(s):
    """Is s text that can be stored and shown: valid Unicode (json.loads
    turns a \\ud800 escape into a lone surrogate) with no NUL?"""
    try:
        strict_utf8(s.encode())
    except UnicodeError:
        return False
    return "\x00" not in s
