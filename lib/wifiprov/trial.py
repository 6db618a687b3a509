# Verify before saving (docs/config.md): the station tries the network of a
# config being applied while the AP stays up; only a station with an address
# makes the config saved and active. The action of such an apply (the
# service runs it as a job of this module, wifiprov.outcome.TRY_JOIN),
# dropped after. What the try does once the station settled (the save,
# the answer's words) is wifiprov.trial_end, loaded only then.
import sys

from .core import job_async, say, until
from .wifi import ATTEMPT_TIMEOUT_MS  # (the resident Wi-Fi module's copy: a try loads no settings)

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
    (service.attempt["answer"]): a client waits for it. Every end is
    here: joined, failed (wifiprov.trial_end's words), or broken off."""
    back = service.wifi.target  # what the station was doing: it goes back to it when the try fails
    attempt = service.attempt
    answer = None
    try:
        answer = await _try(service, attempt)
    except MemoryError:
        pass  # before the join, nothing was saved (the answer below says so); after it, the join stands
    except Exception as e:  # a bug: likewise
        sys.print_exception(e)
    finally:
        if attempt["state"] == "joined":
            attempt["answer"] = answer or _JOINED  # (_JOINED: only the report broke off)
            try:
                say(service.ready_line(True))  # the line tools wait for: the board is on the network
            except MemoryError:
                pass
        else:
            if answer is None:  # the try broke off before the station joined
                answer = _BROKE
            # The station goes back to what it was doing, unless a command
            # gave it another network meanwhile (a failed join leaves it
            # with none).
            if answer is _BROKE or service.wifi.target is None:
                if back is not None:
                    service.wifi.connect(back)
                else:
                    service.wifi.disconnect()
            try:
                service.refuse(answer["error"])  # PROV_FAILURE: lost to a full heap, never the answer
            except Exception:
                pass
            attempt["state"] = "failed"
            attempt["answer"] = answer  # last: settle() returns it as soon as it is there


async def _try(service, attempt):
    """The try itself: its answer (wifiprov.trial_end's), the station settled."""
    new, app_only = attempt.pop("config"), attempt.pop("app_only")  # held by the try only
    wifi = service.wifi
    sta = new["STA"]
    say('station: trying "%s" before saving it (up to %d s)%s' % (
        sta["SSID"], ATTEMPT_TIMEOUT_MS // 1000, "; the access point stays up" if service.enabled else ""))
    wifi.connect(sta, once=True)
    await until(wifi, "settled")
    # Its end, the save and the words, is a job of its own: not in RAM
    # while the station joins and the phone polls the page, the web-only
    # flow's fullest moment.
    return await job_async("trial_end", "end", service, new, app_only, attempt)


def finish(service):
    """The client is done (TCP `finish`, the page's Done): after a network
    was joined, the AP closes now instead of after its grace."""
    if service.enabled and service.attempt and service.attempt["state"] == "joined":
        service.finished = True
        return {"ok": True, "next": "finish: the access point closes now"}
    return {"ok": True, "next": "finish: nothing more to do"}
