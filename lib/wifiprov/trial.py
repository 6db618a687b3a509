# Verify before saving (docs/config.md): the station tries the network of a
# config being applied while the AP stays up; only a station with an address
# makes the config saved and active. The action of such an apply (the
# service runs it as a job of this module, wifiprov.outcome.TRY_JOIN),
# dropped after.
import sys
import asyncio

from .core import job, say, until
from .wifi import ATTEMPT_TIMEOUT_MS, UP  # (the resident Wi-Fi module's copy: a try loads no settings)

# Made in advance, as there may be no room then. A try that broke off (a
# full heap) before the station joined:
_BROKE = {"ok": False, "error": "the try could not finish (out of memory); nothing was saved; try again"}
# And after it joined, the config active (saved, if asked): only the report
# of where the board went broke off. The join stands: a full heap must not
# turn it into a failure and take the station back to the old network, with
# the new config already on the flash.
_JOINED = {"ok": True, "changed": True, "next": "joined; the board ran out of memory for the details "
                                                 "(its console says where it is)"}


async def run(service):
    """The station tries the network of the config being applied
    (service.attempt), the AP left up; the config is saved and active only
    if it joins. Whatever goes wrong, the try ends with an answer
    (service.attempt["answer"]): a client waits for it."""
    back = service.wifi.target  # what the station was doing: it goes back to it when the try fails
    attempt = service.attempt
    try:
        await _try(service, back, attempt)
    except MemoryError:
        pass  # before the join, nothing was saved (the answer below says so); after it, the join stands
    except Exception as e:  # a bug: likewise
        sys.print_exception(e)
    finally:
        if attempt["state"] == "joined":
            if attempt["answer"] is None:  # only the report broke off
                attempt["answer"] = _JOINED
            try:
                say(service.ready_line(True))  # the line tools wait for: the board is on the network
            except MemoryError:
                pass
        elif attempt["answer"] is None:  # the try broke off before the station joined
            attempt["state"] = "failed"
            if back is not None:
                service.wifi.connect(back)
            else:
                service.wifi.disconnect()
            try:
                service.refuse(_BROKE["error"])  # PROV_FAILURE
            except Exception:
                pass
            attempt["answer"] = _BROKE  # last: settle() returns it as soon as it is there


async def _try(service, back, attempt):
    new, app_only = attempt.pop("config"), attempt.pop("app_only")  # held by the try only
    wifi = service.wifi
    sta = new["STA"]
    say('station: trying "%s" before saving it (up to %d s)%s' % (
        sta["SSID"], ATTEMPT_TIMEOUT_MS // 1000, "; the access point stays up" if service.enabled else ""))
    wifi.connect(sta, once=True)
    await until(wifi, "settled")
    if wifi.state == UP and wifi.target is sta:  # not another network a command asked for meanwhile
        saved, problem = await _save(service, new) if new["save_config"] else (None, None)
        answer = _joined(service, new, app_only, attempt, saved, problem)
    else:
        reason = _plain(wifi.reason_text() or "the try was cancelled")
        if wifi.target is None:  # the try's own attempt failed: the station goes back
            if back is not None:
                wifi.connect(back)
            else:
                wifi.disconnect()
        answer = service.refuse('could not join "%s": %s. Nothing was saved%s' % (
            sta["SSID"], reason, "; the access point stays up" if service.enabled else ""))
        answer["reason"] = reason
        attempt["state"] = "failed"
    attempt["answer"] = answer


async def _save(service, new):
    """Save the config of a joined network: (saved, None), or (None, the
    problem). A full heap gets a pause and another try: the page the phone
    polls meanwhile holds its share of the heap for a moment only, and a
    save given up loses the network at the next reset."""
    tries = 3  # (numbers, not constants: one more global would take this module's table a size up)
    while True:
        tries -= 1
        try:
            return job("store", "save", service.config_path, new), None
        except MemoryError as e:
            if not tries:
                return None, "could not save the configuration (%r)" % e
        except OSError as e:
            return None, "could not save the configuration (%r)" % e
        await asyncio.sleep_ms(100)


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
    url = "http://%s.local/" % service.hostname
    say('station: joined "%s" as %s; the board is at %s' % (new["STA"]["SSID"], wifi.ip, url))
    try:
        channel = job("radio", "ap_channel", wifi)
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
    if reason == "wrong password" or reason.startswith("handshake"):
        return "the password is wrong"
    if reason == "network not found":
        return "no network of that name is in range"
    if reason.startswith("timed out"):
        return "no address within %d s (the network did not answer)" % (ATTEMPT_TIMEOUT_MS // 1000)
    return reason


def finish(service):
    """The client is done (TCP `finish`, the page's Done): after a network
    was joined, the AP closes now instead of after its grace."""
    if service.enabled and service.attempt and service.attempt["state"] == "joined":
        service.finished = True
        return {"ok": True, "next": "finish: the access point closes now"}
    return {"ok": True, "next": "finish: nothing more to do"}
