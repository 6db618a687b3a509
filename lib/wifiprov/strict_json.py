# JSON from outside (TCP messages, POST /api/config, the config file) read
# strictly: its UTF-8 (wifiprov.utf8) and its syntax checked byte by byte
# before json.loads, which in MicroPython takes broken text. Loaded for a
# job, dropped after.
from micropython import const

from .utf8 import check_utf8


# A config document is two levels deep (app settings too); a deeper one is
# not ours, and json.loads would spend the heap on every level of it.
_MAX_JSON_DEPTH = const(8)


def load(raw, what):
    """A JSON document from outside (bytes) as Python values. Raises
    ValueError saying what is wrong with `what` ("the body"): not UTF-8,
    not JSON, or nested deeper than _MAX_JSON_DEPTH. The syntax is checked
    here first (it costs no heap): MicroPython's json.loads takes broken
    text (`{"a": 00"b"}` gives {'a': 0, 'b': ...}, `{"a": 1 8: 2}` an int
    key) and would turn a typo into another config. Strings inside may
    still hold what JSON escapes allow (\\ud800, \\u0000): validation
    checks each field's text (wifiprov.rules)."""
    try:
        check_utf8(raw)  # (json reads the bytes: no decoded copy beside them at the boot's peak)
    except UnicodeError:
        raise ValueError("%s is not valid UTF-8" % what)
    at = _json_error(raw)
    if at is not None:
        if at < 0:
            raise ValueError("%s is JSON nested deeper than %d levels" % (what, _MAX_JSON_DEPTH))
        raise ValueError("%s is not valid JSON (syntax error at byte %d)" % (what, at))
    import json

    # A MemoryError is not the document's fault, and is not made one: a
    # stored file read on a full heap would be taken for a damaged one and
    # replaced (wifiprov.startup.load).
    try:
        return json.loads(raw)
    except ValueError as e:
        raise ValueError("%s is not valid JSON (%s)" % (what, e.args[0] if e.args else "syntax error"))


# What the JSON checker expects next.
_VALUE = const(0)  # a value: the document, after ":", after "," in an array
_VALUE_OR_END = const(1)  # after "["
_KEY_OR_END = const(2)  # after "{"
_KEY = const(3)  # after "," in an object
_COLON = const(4)  # after a key
_NEXT = const(5)  # after a value: "," or the end of its container (or of the text)


def _json_error(raw):
    """None when raw is one JSON value (RFC 8259) nested at most
    _MAX_JSON_DEPTH deep; else the offset of the first wrong byte, or -1 for
    too deep."""
    depth = 0  # containers open now
    arrays = 0  # bit d set: the container at depth d is an array
    state = _VALUE
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b == 0x20 or b == 0x09 or b == 0x0A or b == 0x0D:
            i += 1
            continue
        in_array = arrays >> depth & 1
        if state == _NEXT:
            if b == 0x2C and depth:  # ,
                state = _VALUE if in_array else _KEY
            elif depth and b == (0x5D if in_array else 0x7D):  # ] or }
                arrays &= ~(1 << depth)
                depth -= 1
            else:
                return i
        elif state == _COLON:
            if b != 0x3A:  # :
                return i
            state = _VALUE
        elif b == 0x22:  # a string: a key or a value
            i = _string_end(raw, i + 1)
            if i < 0:
                return -i - 1
            state = _COLON if state == _KEY_OR_END or state == _KEY else _NEXT
            continue
        elif state == _KEY_OR_END and b == 0x7D or state == _VALUE_OR_END and b == 0x5D:  # {} []
            arrays &= ~(1 << depth)
            depth -= 1
            state = _NEXT
        elif state == _KEY_OR_END or state == _KEY:
            return i
        elif b == 0x7B or b == 0x5B:  # { [
            if depth == _MAX_JSON_DEPTH:
                return -1
            depth += 1
            if b == 0x5B:
                arrays |= 1 << depth
                state = _VALUE_OR_END
            else:
                state = _KEY_OR_END
        else:
            for word in (b"true", b"false", b"null"):
                if raw[i:i + len(word)] == word:
                    i += len(word)
                    break
            else:
                i = _number_end(raw, i)
                if i < 0:
                    return -i - 1
            state = _NEXT
            continue
        i += 1
    return None if state == _NEXT and not depth else n


def _string_end(raw, i):
    """The offset after a string's closing quote (i: after its opening
    one), or -(offset of the wrong byte) - 1."""
    n = len(raw)
    while i < n:
        b = raw[i]
        if b == 0x22:
            return i + 1
        if b < 0x20:  # a control character must be escaped
            return -i - 1
        if b == 0x5C:  # backslash
            i += 1
            if i >= n:
                break
            if raw[i] == 0x75:  # \uXXXX
                for k in range(i + 1, i + 5):
                    if k >= n or raw[k] not in b"0123456789abcdefABCDEF":
                        return -min(k, n) - 1
                i += 4
            elif raw[i] not in b'"\\/bfnrt':
                return -i - 1
        i += 1
    return -n - 1


def _number_end(raw, i):
    """The offset after a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?"""
    n = len(raw)
    if i < n and raw[i] == 0x2D:  # -
        i += 1
    if i < n and raw[i] == 0x30:  # a leading 0 stands alone
        i += 1
    else:
        i = _digits(raw, i)
        if i < 0:
            return i
    if i < n and raw[i] == 0x2E:  # .
        i = _digits(raw, i + 1)
        if i < 0:
            return i
    if i < n and raw[i] in b"eE":
        i += 1
        if i < n and raw[i] in b"+-":
            i += 1
        i = _digits(raw, i)
    return i


def _digits(raw, i):
    """The offset after one or more digits, or -(offset) - 1 when none."""
    start = i
    while i < len(raw) and 0x30 <= raw[i] <= 0x39:
        i += 1
    return i if i > start else -i - 1
