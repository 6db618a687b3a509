# The page's words for an error (docs/web.md): the field it is about, by its
# label on the page, and what to do. The console and TCP keep the precise
# text. Loaded for one error page, before its page module.
from .core import declared

# An error's field (the config's key, or the form's name) -> the form field
# and its label on the page. The first two are on the first screen; the
# others are under Advanced.
_LABELS = const((("STA.SSID", "stassid", "Network name"), ("STA.PWD", "stapwd", "Password"),
                 ("STA.auth", "staauth", "Security"), ("STA.ch", "stach", "Channel"),
                 ("STA.auto", "staauto", "Connect at boot"), ("AP.SSID", "apssid", "Name of the board's Wi-Fi"),
                 ("AP.PWD", "appwd", "Password of the board's Wi-Fi"),
                 ("AP.auth", "apauth", "Security of the board's Wi-Fi"), ("AP.ch", "apch", "Channel of the board's Wi-Fi"), ("AP.ssidv", "ssidv", "Visibility"),
                 ("mode", "devmode", "Mode"), ("save_config", "saveconfig", "Save to flash"),
                 ("countrycode", "countrycode", "Country")))

def plain(error):
    """(the form field an error is about or None, the error in the page's
    words): the field by its label, the rule as what to do. The console
    and TCP keep the precise text."""
    key, _, rule = error.partition(": ")
    if key.startswith("could not join"):  # a network tried and not joined
        # In a phone user's words: the board's own network, not "the access point".
        return ("stapwd" if "password" in rule else "stassid"), "C" + error[1:].replace("access point", "board's Wi-Fi")
    field = label = None
    for names in _LABELS:
        if key in names[:2]:
            _, field, label = names
    if key.startswith("app.") and declared(key[4:]):
        field, label = "app_" + key[4:], declared(key[4:])[1]
    if field is None:
        if key in ("STA", "STA.SSID") or "STA.SSID" in rule:  # no network named
            return "stassid", "Network name: pick a network from the list, or type its name."
        return None, error
    if key.endswith("PWD"):
        if "empty" in rule:
            text = "leave it empty: this network is open (or choose its security under Advanced)"
        else:
            text = "%s characters (letters, digits and symbols; no accents)" % (
                "8 to 128" if "8..128" in rule else "8 to 63")
    else:
        text = rule.replace("must be ", "").replace("..", " to ")
    return field, "%s: %s." % (label, text[0:1].upper() + text[1:])
