# What an applied config does next (docs/config.md), and the data of its event.
# Imported by the provisioning service for an apply, after validation is
# unloaded: the two are never in RAM together.
from .service import GRACE_MS  # the pause before the restart


def decide(new, changed, ap_up, sta_up):
    """(PROV_COMPLETE's data, the words for the user, the action's name)."""
    return (event_data(new),) + plan(new, changed, ap_up, sta_up)


def event_data(config):
    """PROV_COMPLETE's data (the seed's SYS_WINCS_WIFI_PARAM_t)."""
    sec = config["STA"] if config["mode"] == 0 else config["AP"]
    return {"mode": config["mode"], "ssid": sec["SSID"], "passphrase": sec["PWD"], "security": sec["auth"],
            "autoconnect": sec.get("auto", 0), "channel": sec["ch"]}


def plan(new, changed, ap_up, sta_up):
    """What an applied config does next (docs/config.md): the words for the user and
    the name of the service's method that does it (or None)."""
    if new["mode"] == 1:  # AP
        ap = new["AP"]
        if not changed and ap_up:
            return "unchanged: the access point keeps running", None
        return 'access point restarting as "%s" on channel %d' % (ap["SSID"], ap["ch"]), "_to_ap"
    ssid = new["STA"]["SSID"]
    if ap_up:  # AP mode, or the fallback AP
        if new["save_config"]:
            return 'saved; restarting in %.1f s to join "%s"' % (GRACE_MS / 1000, ssid), "_restart"
        return ('joining "%s" now, without a restart; not saved, so a reset returns to the saved settings'
                % ssid), "_to_sta"
    if not new["STA"]["auto"]:
        return 'auto-connect is off: type "wifiprov connect" to join "%s"' % ssid, "_stay_idle"
    if not changed and sta_up:
        return 'unchanged: already connected to "%s"' % ssid, None
    return 'joining "%s"' % ssid, "_to_sta"
