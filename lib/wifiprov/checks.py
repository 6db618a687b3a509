# What the two validation phases (wifiprov.config, wifiprov.rules), the app's
# settings (wifiprov.appfields) and the listings (wifiprov.cli_show,
# wifiprov.report) share: the names of the config's numbers and the check of
# an integer field. A leaf, loaded with the module that imports it: the
# resident core holds none of it.
from .core import ConfigError

# Names of the config's modes, for messages (config) and listings (cli_show).
MODE_NAMES = ("STA", "AP")

# The words of auth_name and kind_of are each one string, split when a
# message wants one: every string of 10 characters or fewer in a module is
# interned as a name when the module loads, kept until a reset
# (docs/internals.md). The separators, " " and "\n", are among the
# firmware's own names.


def auth_name(auth):
    """The name of an auth number, for messages and listings."""
    names = "unknown open WEP WPA/WPA2 WPA2 WPA2/WPA3 WPA3".split()
    return names[auth if 1 <= auth < len(names) else 0]


def check_int(value, name, lo, hi, what):
    """value as an integer in lo..hi, or ConfigError naming the field."""
    # bool is an int in Python; a JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("%s: must be an integer %s, not %s" % (name, what, kind_of(value)))
    if not lo <= value <= hi:
        raise ConfigError("%s: must be %s" % (name, what))
    return value


def kind_of(value):
    """What a JSON value is, in a message's words."""
    if isinstance(value, bool):
        kind = 0
    elif isinstance(value, str):
        kind = 1
    elif value is None:
        kind = 2
    elif isinstance(value, (list, dict)):
        kind = 3
    else:
        kind = 4 if isinstance(value, float) else 5
    return "a boolean\na string\nnull\na list or object\na number with a fraction\na number".split("\n")[kind]
