# Text checked byte by byte, as the standard has it: MicroPython's decode()
# lets through what UTF-8 forbids (overlong forms, surrogates, code points
# above U+10FFFF), and json.loads turns a \ud800 escape into a lone
# surrogate. A leaf, and small: a form's fields, a scanned SSID and the
# rules' check of each SSID and password load this, not the JSON checker
# (wifiprov.strict_json, which imports it too). Loaded for a job, dropped
# after.


def check_utf8(raw):
    """Raise UnicodeError unless the bytes are UTF-8 as the standard has it:
    no overlong forms (b"\\xc0\\xaf" would be "/"), surrogates, or code
    points above U+10FFFF, all of which MicroPython's decode() lets through.
    Nothing is decoded: a caller that only checks makes no copy. raw may
    also be pieces of bytes (an iterable), each whole characters: the
    config file as wifiprov.store writes it, never whole in RAM."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        for piece in raw:
            check_utf8(piece)
        return
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


def printable_ascii(text):
    """Is every character of text printable ASCII (space to ~)?"""
    for b in text.encode():
        if not 0x20 <= b <= 0x7E:
            return False
    return True


def unicode_text(s):
    """Is s text that can be stored and shown: valid Unicode (json.loads
    turns a \\ud800 escape into a lone surrogate) with no NUL?"""
    try:
        check_utf8(s.encode())
    except UnicodeError:
        return False
    return "\x00" not in s
