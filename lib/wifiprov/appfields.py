# The app's own settings (docs/app.md), what WiFiManager calls custom
# parameters: declared by the app with wifiprov.field(), stored under "app"
# in the config document, set from every transport. Loaded for a
# declaration or a request, dropped after.
from micropython import const

from .checks import kind_of
from .core import ConfigError, declared, fields

# Bounds that keep the config file under store.MAX_FILE_BYTES whatever the
# values: JSON may double a value's bytes (\" and \\).
_MAX_FIELDS = const(12)
_MAX_KEY = const(32)
_MAX_LEN = const(256)
_MAX_TOTAL = const(1024)  # all the settings' max_len together


def field(key, label, default, secret, max_len):
    """A checked declaration (key, label, default, secret, max_len), or
    ValueError naming what is wrong: the app's bug, shown at its import."""
    where = "wifiprov.field(%r)" % (key,)
    if not isinstance(key, str) or not 1 <= len(key) <= _MAX_KEY or not _is_name(key):
        raise ValueError("%s: the key must be 1..%d of a-z, 0-9 and _, starting with a letter" % (where, _MAX_KEY))
    if not isinstance(label, str) or not label:
        raise ValueError("%s: the label must be a non-empty string" % where)
    if isinstance(max_len, bool) or not isinstance(max_len, int) or not 1 <= max_len <= _MAX_LEN:
        raise ValueError("%s: max_len must be an integer 1..%d" % (where, _MAX_LEN))
    if declared(key):
        raise ValueError("%s: declared twice" % where)
    total = max_len + sum(f[4] for f in fields)
    if len(fields) >= _MAX_FIELDS:
        raise ValueError("%s: an app may declare at most %d settings" % (where, _MAX_FIELDS))
    if total > _MAX_TOTAL:
        raise ValueError("%s: all settings together may hold %d bytes (max_len), this one makes %d"
                         % (where, _MAX_TOTAL, total))
    error = _value_error(default, max_len)
    if error:
        raise ValueError("%s: the default %s" % (where, error))
    return (key, label, default, bool(secret), max_len)


def _is_name(key):
    raw = key.encode()
    if not 0x61 <= raw[0] <= 0x7A:
        return False
    for b in raw:
        if not (0x61 <= b <= 0x7A or 0x30 <= b <= 0x39 or b == 0x5F):
            return False
    return True


def _value_error(value, max_len):
    """Why a value cannot be stored for a setting, or None."""
    if not isinstance(value, str):
        return "must be a string, not %s" % kind_of(value)
    raw = value.encode()
    if len(raw) > max_len:
        return "must be at most %d bytes (got %d)" % (max_len, len(raw))
    lead = 0  # the byte before: 0xC2 starts U+0080..U+00BF, 0xED U+D000..U+DFFF
    for b in raw:
        # U+0080..U+009F (CSI among them) are control characters too.
        if b < 0x20 or b == 0x7F or lead == 0xC2 and b <= 0x9F:
            return "must not contain control characters"
        # json.loads makes a lone surrogate of \ud800 (ED A0 80 once
        # encoded): no file holding it would load at the next boot.
        if lead == 0xED and b >= 0xA0:
            return "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"
        lead = b
    return None


def check(given, base, stored):
    """The app section of a new config: `base` (the current one) updated
    with `given`. A request may set only declared settings; a stored file
    keeps what it holds (the app may have changed since it was saved, and
    its Wi-Fi credentials must not be lost for it): there, values need only
    be strings."""
    if not isinstance(given, dict):
        raise ConfigError("app: must be a JSON object of settings")
    new = dict(base)
    for key, value in given.items():
        decl = declared(key)
        if decl is None and not stored:
            # (text only for an error: an accepted setting is saved at a
            # provisioning's fullest moment, the servers up)
            from .quote import shown_key

            if not fields:
                raise ConfigError("app.%s: this board's app declares no settings" % shown_key(key))
            raise ConfigError("app.%s: not a setting of this board's app (its settings: %s)"
                              % (shown_key(key), ", ".join(f[0] for f in fields)))
        error = _value_error(value, decl[4] if decl else _MAX_LEN)
        if error:
            from .quote import shown_key

            raise ConfigError("app.%s: %s" % (shown_key(key), error))
        new[key] = value
    return new


def masked(app):
    """The stored settings with the secret ones masked as a password is, and
    those the app no longer declares too: whether they were secret is not
    known any more."""
    out = {}
    for key, value in app.items():
        decl = declared(key)
        out[key] = "********" if value and (not decl or decl[3]) else value
    return out
