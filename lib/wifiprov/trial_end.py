# The end of a network's try (wifiprov.trial): once the station settled,
# the config saved and made active and the answer worded, or why the try
# failed. A job of its own, loaded after the wait: while the station joins
# and the phone polls the page, only the try's wait is in RAM.
import asyncio

from .core import job, say
from .wifi import ATTEMPT_TIMEOUT_MS, UP  # (the resident Wi-Fi module's copy: a try loads no settings)


async def end(service, new, app_only, attempt):
    """The try's answer once the station settled: joined (the config
    saved, unless it says not to, and active; the try's state "joined"),
    or failed (wifiprov.trial sends the station back and ends the try with
    it). A full heap here is wifiprov.trial's to answer."""
    wifi = service.wifi
    sta = new["STA"]
    if wifi.state == UP and wifi.target is sta:  # not another network a command asked for meanwhile
        saved, problem = await _save(service, new) if new["save_config"] else (None, None)
        return _joined(service, new, app_only, attempt, saved, problem)
    reason = _plain(wifi.reason_text() or "the try was cancelled")  # (read before wifiprov.trial sends the station back)
    error = 'could not join "%s": %s. Nothing was saved%s' % (
        sta["SSID"], reason, "; the access point stays up" if service.enabled else "")
    return {"ok": False, "error": error, "reason": reason}


async def _save(service, new):
    """Save the config of a joined network: (saved, None), or (None, the
    problem). A full heap gets a pause and another try, 6 tries over 2 s:
    the page the phone polls each second holds its share of the heap while
    it is served, and a save given up loses the network at the next reset.
    (3 tries over 0.2 s still lost it in about 1 run of 3 of the frozen
    web-only flow at 24 KB.)"""
    tries = 6  # (numbers, not constants: one more global would take this module's table a size up)
    while True:
        tries -= 1
        try:
            return job("store", "save", service.config_path, new), None
        except MemoryError as e:
            if not tries:
                return None, "could not save the configuration (%r)" % e
        except OSError as e:
            return None, "could not save the configuration (%r)" % e
        await asyncio.sleep_ms(400)


def _joined(service, new, app_only, attempt, saved, problem):
    """The station has an address and the config was saved (or not, for
    the problem given): make it active, close the AP after its grace, and
    say where the board is."""
    wifi = service.wifi
    service.applied(new, app_only)
    attempt["state"] = "joined"  # from here on, the join stands whatever happens (run())
    if service.enabled:
        asyncio.create_task(service.close_after())
    if problem:  # joined, and active until the next reset
        service.save_error = problem
        say("config: %s; it is active until the next reset" % problem)
    url = job("status_server", "board_url", service)
    say('station: joined "%s" as %s; the board is at %s' % (new["STA"]["SSID"], wifi.ip, url))
    try:
        channel = job("radio_now", "channel", wifi)
    except MemoryError:
        channel = None  # (the line below is news, not a step of the join)
    if service.enabled and channel and channel != new["AP"]["ch"]:
        # esp32 and rp2 have one radio: the AP follows the station's channel.
        say("provisioning: the access point is on channel %d now, the network's (one radio serves both)"
            % channel)
    if problem:
        how = "NOT saved (%s): a reset loses it" % problem
    elif new["save_config"]:
        how = "saved"
    else:
        how = "not saved, as asked: a reset returns to the saved settings"
    closing = ""
    if service.enabled:
        from .settings import AP_GRACE_MS  # (for these words only: the try and its save did without the settings)

        closing = "; the access point closes in %d s" % (AP_GRACE_MS // 1000)
    return {"ok": True, "changed": True, "saved": bool(saved), "ip": wifi.ip, "url": url,
            "next": 'joined "%s" as %s (%s); %s%s' % (new["STA"]["SSID"], wifi.ip, url, how, closing)}


def _plain(reason):
    """The station's reason, as the person at the phone needs it."""
    if reason == "wrong password" or reason.startswith("handshake timed out"):
        return "the password is wrong"
    if reason == "network not found":
        return "no network of that name is in range"
    if reason.startswith("timed out after"):
        return "no address within %d s (the network did not answer)" % (ATTEMPT_TIMEOUT_MS // 1000)
    return reason
