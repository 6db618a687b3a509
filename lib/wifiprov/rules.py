# The config document's field rules (phase two of validation, see
# wifiprov.validation): channels per country, flags, auth, SSID and
# password. Loaded for a job, dropped after.
#
# Loaded where the heap is tightest, so its table of globals stays within
# 12 slots (docs/internals.md, RAM; held by tests_host/test_load.py): names
# one function uses are imported or written in it.
from .checks import check_int as _int, kind_of as _kind
from .core import ConfigError

# The country codes and their highest 2.4 GHz channel: the seed's set, in
# the order of its web form's index 0..4, plus JPN. The custom regulatory
# domains get the worldwide range. A tuple: dicts keep no order here.
COUNTRIES = (("GEN", 13), ("USA", 11), ("EMEA", 13), ("CUST1", 13), ("CUST2", 13), ("JPN", 14))
_AUTH_OPEN = const(1)
_AUTH_WEP = const(2)


def check_fields(config):
    """Check the fields of a structurally valid config: the country code,
    then the chosen mode's section, then the other; raise ConfigError naming
    the first failing field."""
    top = None
    for code, channels in COUNTRIES:
        if config["countrycode"] == code:
            top = channels
    if top is None:
        raise ConfigError("countrycode: must be one of %s" % ", ".join(code for code, _ in COUNTRIES))
    names = ("AP", "STA") if config["mode"] == 1 else ("STA", "AP")
    for name in names:
        if name in config:
            _check_section(name, config[name], config["countrycode"], top, name == "AP")


def _check_ssid(name, ssid):
    from .utf8 import unicode_text

    if not isinstance(ssid, str):
        raise ConfigError("%s.SSID: must be a string, not %s" % (name, _kind(ssid)))
    n = len(ssid.encode())
    if not 1 <= n <= 32:
        raise ConfigError("%s.SSID: must be 1..32 bytes once UTF-8 encoded (got %d)" % (name, n))
    if "\x00" in ssid:
        raise ConfigError("%s.SSID: must not contain a NUL character" % name)
    if not unicode_text(ssid):
        raise ConfigError("%s.SSID: must be valid Unicode text (a lone surrogate such as \\ud800 is not)" % name)


def _check_password(name, pwd, auth, is_ap):
    from .utf8 import printable_ascii

    field = name + ".PWD"
    if not isinstance(pwd, str):
        raise ConfigError("%s: must be a string, not %s" % (field, _kind(pwd)))
    if auth == _AUTH_OPEN:
        if pwd:
            raise ConfigError("%s: must be empty for auth 1 (open)" % field)
        return
    top = 128 if auth == 6 else 63  # WPA3-SAE passwords may be longer
    n = len(pwd)
    if 8 <= n <= top and printable_ascii(pwd):
        return
    # A raw 256-bit PSK: the station can use one; an AP key is cut to 63 by esp32.
    if not is_ap and n == 64:
        from .text import is_hex

        if is_hex(pwd.encode()):
            return
    from .checks import auth_name

    rule = "8..%d printable ASCII characters" % top
    if not is_ap:
        rule += " or 64 hex digits"
    raise ConfigError("%s: must be %s for auth %d (%s)" % (field, rule, auth, auth_name(auth)))


def _check_section(name, sec, country, top, is_ap):
    if is_ap:
        _int(sec["ch"], "AP.ch", 1, top, "1..%d for %s" % (top, country))
        _int(sec["ssidv"], "AP.ssidv", 0, 1, "0 (hidden) or 1 (visible)")
    else:
        _int(sec["ch"], "STA.ch", 0, top, "0..%d for %s (0 = any)" % (top, country))
        _int(sec["auto"], "STA.auto", 0, 1, "0 (wait for connect) or 1 (connect at boot)")
    auth = sec["auth"]
    if auth == _AUTH_WEP and type(auth) is int:
        raise ConfigError("%s.auth: 2 (WEP) is refused: it is broken; use 3, 4, 5 or 6" % name)
    _int(auth, name + ".auth", 1, 6, "1 (open), 3 (WPA/WPA2), 4 (WPA2), 5 (WPA2/WPA3) or 6 (WPA3)")
    _check_ssid(name, sec["SSID"])
    _check_password(name, sec["PWD"], auth, is_ap)


