# The config document's structure: phase one of the rules every transport
# uses (wifiprov.validation runs both; the field rules are wifiprov.rules'). Imported for a job (boot, an
# apply) and dropped after: see wifiprov.core.job. First-boot defaults are wifiprov.startup's, the file on
# flash wifiprov.store's, what an applied config does next wifiprov.outcome's.
from micropython import const

from .checks import MODE_NAMES, check_int as _int
from .core import ConfigError

_MODE_AP = const(1)


_TOP_KEYS = const(("mode", "save_config", "countrycode", "STA", "AP", "app"))
_STA_KEYS = const(("ch", "auto", "auth", "SSID", "PWD"))
_AP_KEYS = const(("ch", "ssidv", "auth", "SSID", "PWD"))
_STA_DEFAULTS = {"ch": 0, "auto": 1, "auth": 4, "SSID": "", "PWD": ""}
_AP_DEFAULTS = {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "", "PWD": ""}

def _unknown_keys(doc, allowed, prefix):
    for key in doc:
        if key not in allowed:
            from .quote import shown_key  # (only for the error: a stored file's check at boot needs no text)

            raise ConfigError("%s%s: unknown key (allowed: %s)" % (prefix, shown_key(key), ", ".join(allowed)))


def _merge_section(name, keys, base, given):
    if not isinstance(given, dict):
        raise ConfigError("%s: must be a JSON object" % name)
    _unknown_keys(given, keys, name + ".")
    sec = dict(base)
    sec.update(given)
    # A password belongs to one network: a message that names another SSID or
    # security type without a password does not inherit the old one.
    if "PWD" not in given and (sec["SSID"] != base["SSID"] or sec["auth"] != base["auth"]):
        sec["PWD"] = ""
    return sec


def structure(msg, current):
    """Phase one: the message is an object with known keys; mode and
    save_config are right; the sections are there and merged.

    Only `mode` is required. save_config defaults to 1 and countrycode to the
    current one; a missing section keeps its current value; keys missing in a
    given section keep theirs (except the password, see _merge_section).
    The app's settings are not looked at here: wifiprov.validation sets
    them (wifiprov.appfields checks given ones, in a job of its own)."""
    if not isinstance(msg, dict):
        raise ConfigError("config: must be a JSON object")
    _unknown_keys(msg, _TOP_KEYS, "")
    if "mode" not in msg:  # (the service fills it in for the app's settings alone)
        raise ConfigError("mode: missing (0 STA, 1 AP)")
    mode = _int(msg["mode"], "mode", 0, 1, "0 (STA) or 1 (AP)")
    save = _int(msg.get("save_config", 1), "save_config", 0, 1, "0 (until reset) or 1 (save to flash)")
    # Which country codes exist is wifiprov.rules' to say (with their channels).
    country = msg.get("countrycode", current.get("countrycode", "GEN"))
    new = {"mode": mode, "save_config": save, "countrycode": country}
    # The chosen mode's section first: its errors matter most.
    order = (("STA", _STA_KEYS, _STA_DEFAULTS), ("AP", _AP_KEYS, _AP_DEFAULTS))
    if mode == _MODE_AP:
        order = (order[1], order[0])
    for name, keys, blank in order:
        base = current.get(name) or blank
        if name in msg:
            sec = _merge_section(name, keys, base, msg[name])
        elif name in current:
            sec = dict(base)
        elif MODE_NAMES[mode] == name:
            raise ConfigError("%s: missing; mode %d (%s) needs it" % (name, mode, name))
        else:
            continue
        new[name] = sec
    return new
