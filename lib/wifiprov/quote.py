# A sender's bytes quoted in an error message: printable ASCII as it is, the
# rest as \xNN, cut at 40. A module of its own, the least an error needs:
# a refusal is worded with everything that checked the request still loaded
# (an unknown app setting: the validation, the config's checks and the
# app's), and on a full heap the whole of wifiprov.text did not fit then.


def show_bytes(raw):
    """Bytes (or text) from a request, quoted for an error message: printable
    ASCII, the rest as \\xNN, at most 40 characters."""
    if isinstance(raw, str):
        raw = raw.encode()
    out = bytearray(b'"')
    for b in bytes(raw)[:40]:
        if 0x20 <= b < 0x7F:
            out.append(b)
        else:
            out.extend(b"\\x%02x" % b)
    out.append(0x22)
    return out.decode()


def shown_key(key):
    """A key from the sender, safe to put in an answer: as it is when it is
    printable ASCII of 40 characters or fewer, else as show_bytes quotes it
    (it may hold control characters, or a lone surrogate that would make the
    answer invalid UTF-8, and a longer one is cut short)."""
    shown = show_bytes(key)
    return key if shown[1:-1] == key else shown
