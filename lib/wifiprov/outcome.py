# What an applied config does next (docs/config.md): the plan, chosen for
# an apply by wifiprov.provision after validation is dropped (the two are
# never in RAM together), and the actions that carry it out, which the
# service runs a moment later (Provisioning.act) as jobs of this module.
from .core import say
from .wifi import ATTEMPT_TIMEOUT_MS  # (the resident Wi-Fi module's copy: a try's plan loads no settings)

# The actions: (module, function of the service) for Provisioning.act.
RESTART = ("outcome", "restart")
TO_STA = ("outcome", "to_sta")
TO_AP = ("outcome", "to_ap")
STAY_IDLE = ("outcome", "stay_idle")
TRY_JOIN = ("trial", "run")


def plan(new, current, ap_up, sta_up, verify):
    """What an applied config (`new`, replacing `current`) does next
    (docs/config.md): the words for the user, the action that does it or
    None, and, when the network is to be joined before the config is saved
    (verify), its SSID."""
    text, action = _next(new, current, ap_up, sta_up)
    if verify and action in (RESTART, TO_STA):
        ssid = new["STA"]["SSID"]
        return ('trying "%s" first (up to %d s): the settings are saved only once the board has joined it'
                % (ssid, ATTEMPT_TIMEOUT_MS // 1000)), TRY_JOIN, ssid
    if text is None:  # a restart's words, made only when they are said
        from .settings import GRACE_MS

        text = 'saved; restarting in %.1f s to join "%s"' % (GRACE_MS / 1000, new["STA"]["SSID"])
    return text, action, None


def _next(new, current, ap_up, sta_up):
    changed = new != current
    same_mode = new["mode"] == current["mode"]
    if new["mode"] == 1:  # AP
        ap = new["AP"]
        if not changed and ap_up:
            return "unchanged: the access point keeps running", None
        if ap_up and same_mode and ap == current["AP"] and new["countrycode"] == current["countrycode"]:
            # The AP's own settings are as they were: the phones on it stay
            # on it. A station network given is saved, and the words say
            # plainly that it was not joined.
            how = "saved" if new["save_config"] else "applied until the next reset"
            sta = new.get("STA")
            if sta and sta != current.get("STA"):
                return ('%s; the access point keeps running; Mode is AP, so the board does not join "%s"'
                        % (how, sta["SSID"])), None
            return how + "; the access point keeps running", None
        return 'access point restarting as "%s" on channel %d' % (ap["SSID"], ap["ch"]), TO_AP
    same_sta = same_mode and new.get("STA") == current.get("STA")
    ssid = new["STA"]["SSID"]
    if ap_up:  # AP mode, or the fallback AP
        if new["save_config"]:
            return None, RESTART  # (its words need the settings: plan() makes them when they are said)
        return ('joining "%s" now, without a restart; not saved, so a reset returns to the saved settings'
                % ssid), TO_STA
    if same_sta and sta_up:  # the joined station stays as it is
        if not changed:
            return 'unchanged: already connected to "%s"' % ssid, None
        return '%s; the station stays on "%s"; the access point uses the new settings when it next opens' % (
            "saved" if new["save_config"] else "applied until the next reset", ssid), None
    if not new["STA"]["auto"]:
        return 'auto-connect is off: type "wifiprov connect" to join "%s"' % ssid, STAY_IDLE
    if not changed and sta_up:
        return 'unchanged: already connected to "%s"' % ssid, None
    return 'joining "%s"' % ssid, TO_STA


async def restart(service):
    """A reset: the saved config boots."""
    import machine

    say("restarting to apply the new configuration")
    machine.reset()


async def to_sta(service):
    """The station joins (the AP closes first if it is up)."""
    if service.enabled:
        await service.disable()
    service.wifi.connect(service.config["STA"])


async def stay_idle(service):
    """The station disconnects and waits for `wifiprov connect`."""
    service.wifi.disconnect()


async def to_ap(service):
    """The provisioning AP restarts with its new settings."""
    service.wifi.disconnect()
    await service.enable(service.enabled)  # (open: closed and opened again)
