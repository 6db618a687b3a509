# What an applied config does next (docs/config.md). Imported by
# wifiprov.provision for an apply, after validation is dropped: the two are
# never in RAM together.
from .service import GRACE_MS, Provisioning


def plan(new, changed, ap_up, sta_up):
    """What an applied config does next (docs/config.md): the words for the
    user and the service's method that does it (Provisioning.restart, ...), or None."""
    if new["mode"] == 1:  # AP
        ap = new["AP"]
        if not changed and ap_up:
            return "unchanged: the access point keeps running", None
        return 'access point restarting as "%s" on channel %d' % (ap["SSID"], ap["ch"]), Provisioning.to_ap
    ssid = new["STA"]["SSID"]
    if ap_up:  # AP mode, or the fallback AP
        if new["save_config"]:
            return 'saved; restarting in %.1f s to join "%s"' % (GRACE_MS / 1000, ssid), Provisioning.restart
        return ('joining "%s" now, without a restart; not saved, so a reset returns to the saved settings'
                % ssid), Provisioning.to_sta
    if not new["STA"]["auto"]:
        return 'auto-connect is off: type "wifiprov connect" to join "%s"' % ssid, Provisioning.stay_idle
    if not changed and sta_up:
        return 'unchanged: already connected to "%s"' % ssid, None
    return 'joining "%s"' % ssid, Provisioning.to_sta
