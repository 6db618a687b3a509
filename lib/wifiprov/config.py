# The config document's rules: the one validation function every transport
# uses. Loaded for a job (boot, an apply) and unloaded after: see
# wifiprov.unload(). First-boot defaults are wifiprov.startup's, the file on
# flash wifiprov.store's, what an applied config does next wifiprov.outcome's.
from micropython import const

from . import AUTH_NAMES, MODE_NAMES

MODE_STA = const(0)
MODE_AP = const(1)
AUTH_OPEN = const(1)
AUTH_WEP = const(2)

# Country code -> highest 2.4 GHz channel. The seed's set (GEN, USA, EMEA,
# CUST1, CUST2, in the order of its web form's index 0..4) plus JPN. The
# custom regulatory domains get the worldwide range.
COUNTRY_CODES = ("GEN", "USA", "EMEA", "CUST1", "CUST2", "JPN")
_TOP_CHANNEL = {"GEN": 13, "USA": 11, "EMEA": 13, "CUST1": 13, "CUST2": 13, "JPN": 14}

_TOP_KEYS = ("mode", "save_config", "countrycode", "STA", "AP")
_STA_KEYS = ("ch", "auto", "auth", "SSID", "PWD")
_AP_KEYS = ("ch", "ssidv", "auth", "SSID", "PWD")
_STA_DEFAULTS = {"ch": 0, "auto": 1, "auth": 4, "SSID": "", "PWD": ""}
_AP_DEFAULTS = {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "", "PWD": ""}

class ConfigError(ValueError):
    """A user's mistake in a config document; the text names field and rule."""


def _int(value, name, lo, hi, what):
    # bool is an int in Python; a JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("%s: must be an integer %s, not %s" % (name, what, _kind(value)))
    if not lo <= value <= hi:
        raise ConfigError("%s: must be %s" % (name, what))
    return value


def _kind(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return "a list or object"
    return "a number with a fraction" if isinstance(value, float) else "a number"


def _unknown_keys(doc, allowed, prefix):
    for key in doc:
        if key not in allowed:
            raise ConfigError("%s%s: unknown key (allowed: %s)" % (prefix, key, ", ".join(allowed)))


def _check_ssid(name, ssid):
    if not isinstance(ssid, str):
        raise ConfigError("%s.SSID: must be a string, not %s" % (name, _kind(ssid)))
    n = len(ssid.encode())
    if not 1 <= n <= 32:
        raise ConfigError("%s.SSID: must be 1..32 bytes once UTF-8 encoded (got %d)" % (name, n))
    if "\x00" in ssid:
        raise ConfigError("%s.SSID: must not contain a NUL character" % name)


def _check_password(name, pwd, auth, is_ap):
    field = name + ".PWD"
    if not isinstance(pwd, str):
        raise ConfigError("%s: must be a string, not %s" % (field, _kind(pwd)))
    if auth == AUTH_OPEN:
        if pwd:
            raise ConfigError("%s: must be empty for auth 1 (open)" % field)
        return
    top = 128 if auth == 6 else 63  # WPA3-SAE passwords may be longer
    n = len(pwd)
    printable = True
    for c in pwd:
        if not " " <= c <= "~":
            printable = False
            break
    if printable and 8 <= n <= top:
        return
    # A raw 256-bit PSK: the station can use one; an AP key is cut to 63 by esp32.
    if not is_ap and n == 64 and _is_hex(pwd):
        return
    rule = "8..%d printable ASCII characters" % top
    if not is_ap:
        rule += " or 64 hex digits"
    raise ConfigError("%s: must be %s for auth %d (%s)" % (field, rule, auth, AUTH_NAMES[auth]))


def _is_hex(s):
    for c in s:
        if c not in "0123456789abcdefABCDEF":
            return False
    return True


def _check_section(name, sec, country, is_ap):
    top = _TOP_CHANNEL[country]
    if is_ap:
        _int(sec["ch"], "AP.ch", 1, top, "1..%d for %s" % (top, country))
        _int(sec["ssidv"], "AP.ssidv", 0, 1, "0 (hidden) or 1 (visible)")
    else:
        _int(sec["ch"], "STA.ch", 0, top, "0..%d for %s (0 = any)" % (top, country))
        _int(sec["auto"], "STA.auto", 0, 1, "0 (wait for connect) or 1 (connect at boot)")
    auth = sec["auth"]
    if auth == AUTH_WEP and type(auth) is int:
        raise ConfigError("%s.auth: 2 (WEP) is refused: it is broken; use 3, 4, 5 or 6" % name)
    _int(auth, name + ".auth", 1, 6, "1 (open), 3 (WPA/WPA2), 4 (WPA2), 5 (WPA2/WPA3) or 6 (WPA3)")
    _check_ssid(name, sec["SSID"])
    _check_password(name, sec["PWD"], auth, is_ap)


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


def validate(msg, current):
    """Check a provisioning message against the active config and return the
    complete new config. The first failing rule raises ConfigError, whose
    text names the field and the rule. `current` is never modified.

    Only `mode` is required. save_config defaults to 1 and countrycode to the
    current one; a missing section keeps its current value; keys missing in a
    given section keep theirs (except the password, see _merge_section)."""
    if not isinstance(msg, dict):
        raise ConfigError("config: must be a JSON object")
    _unknown_keys(msg, _TOP_KEYS, "")
    if "mode" not in msg:
        raise ConfigError("mode: missing (0 STA, 1 AP)")
    mode = _int(msg["mode"], "mode", 0, 1, "0 (STA) or 1 (AP)")
    save = _int(msg.get("save_config", 1), "save_config", 0, 1, "0 (until reset) or 1 (save to flash)")
    country = msg.get("countrycode", current.get("countrycode", "GEN"))
    if country not in COUNTRY_CODES:
        raise ConfigError("countrycode: must be one of %s" % ", ".join(COUNTRY_CODES))
    new = {"mode": mode, "save_config": save, "countrycode": country}
    # The chosen mode's section is checked first: its errors matter most.
    order = (("STA", _STA_KEYS, _STA_DEFAULTS), ("AP", _AP_KEYS, _AP_DEFAULTS))
    if mode == MODE_AP:
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
        _check_section(name, sec, country, name == "AP")
        new[name] = sec
    return new
