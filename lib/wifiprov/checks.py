# What the two validation phases (wifiprov.config, wifiprov.rules), the app's
# settings (wifiprov.appfields) and the listings (wifiprov.cli_show,
# wifiprov.report) share: the names of the config's numbers and the check of
# an integer field. A leaf, loaded with the module that imports it: the
# resident core holds none of it.
from .core import ConfigError

# Names of the config's numbers, for messages (config) and listings (cli_show).
AUTH_NAMES = {1: "open", 2: "WEP", 3: "WPA/WPA2", 4: "WPA2", 5: "WPA2/WPA3", 6: "WPA3"}
MODE_NAMES = ("STA", "AP")


def check_int(value, name, lo, hi, what):
    """value as an integer in lo..hi, or ConfigError naming the field."""
    # bool is an int in Python; a JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("%s: must be an integer %s, not %s" % (name, what, kind_of(value)))
    if not lo <= value <= hi:
        raise ConfigError("%s: must be %s" % (name, what))
    return value


def kind_of(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return "a list or object"
    return "a number with a fraction" if isinstance(value, float) else "a number"
