# One provisioning request, for the provisioning service's apply(), on plain
# values: the two phases of validation, what happens next, the save. The
# service assigns the config and fires the events. Imported per request; the
# modules it uses are imported one after the other, never two together: all
# at once they would not fit a small heap.
import asyncio

from .core import ConfigError, job
from .wifi import UP


def apply(service, msg, base):
    """The provisioning service's apply() (Provisioning.apply says what it
    answers), loaded for the request: the decision, then the service's
    state for a network to try, or the config made active."""
    current = service.config if base is None else base
    app_only = only_app(msg)
    if app_only and "mode" not in msg:
        msg = dict(msg, mode=current["mode"])  # the app's settings alone keep the mode
    try:
        new, answer, action = run(current, msg, service.enabled, service.wifi.state == UP, service.config_path,
                                 type(service), app_only)
    except MemoryError:  # a full heap refuses the request, it does not end the caller
        return service.refuse("out of memory; try again")
    if not answer["ok"]:
        return service.refuse(answer["error"])
    if answer.get("trying"):
        sta = new["STA"]
        try:  # all made before any is kept: a full heap must not leave half a try behind
            attempt = {"ssid": sta["SSID"], "auth": sta["auth"], "state": "trying", "answer": None}
            tried = asyncio.Event()
            task = service.act(action)
        except MemoryError:
            return service.refuse("out of memory; try again")
        service.trying, service.attempt, service.tried = (new, app_only), attempt, tried
        service.busy = True
        asyncio.create_task(task)
        return answer
    service.applied(new, app_only)
    if action:
        service.busy = True
        asyncio.create_task(service.act(action))
    return answer


def only_app(msg):
    """Does a message set nothing but the app's settings (docs/app.md)?"""
    return isinstance(msg, dict) and "app" in msg and len(msg) == 1 + ("save_config" in msg)


def run(current, msg, ap_up, sta_up, path, actions, app_only=False):
    """(the new config, the answer, the action to run next or None). A
    refused message leaves `current` as it is, with {"ok": False, "error":
    ...}; the action is the service's method to run next, one of `actions`'
    (the service's class: its restart, ...).
    app_only: the message sets nothing but the app's settings. A config
    that joins a network is not saved here, unless the message says
    "verify": 0: the answer says "trying" and the action tries the network
    (actions.try_join)."""
    verify = 1
    if isinstance(msg, dict) and "verify" in msg:
        msg = dict(msg)
        verify = msg.pop("verify")
        if isinstance(verify, float) or verify not in (0, 1):
            return current, {"ok": False, "error": "verify: must be 1 (join the network before saving it, the "
                                                   "default) or 0 (save it without trying)"}, None
    try:
        new = job("config", "structure", msg, current)
        job("rules", "check_fields", new)
    except ConfigError as e:
        return current, {"ok": False, "error": str(e)}, None
    changed = new != current
    settings_only = app_only or changed and _wifi(new) == _wifi(current)
    if settings_only:  # the app's settings: never a restart
        text = ("unchanged: the app settings are as they were" if not changed else
                "app settings saved; the app uses them now" if new["save_config"] else
                "app settings applied; the app uses them now; not saved, so a reset returns to the saved ones")
        action = trying = None
    else:
        text, action, trying = job("outcome", "plan", new, current, ap_up, sta_up, verify, actions)
    # Everything the answer needs is made before the save: once the flash
    # holds the new config, a full heap must not make it a refusal.
    answer = {"ok": True, "changed": changed, "saved": False, "next": text}
    if settings_only:  # the Wi-Fi settings are as they were (the web page says so)
        answer["app_only"] = True
    done = (new, answer, action)
    if trying:  # saved once the station has joined (wifiprov.trial)
        answer["trying"] = trying
    elif new["save_config"]:
        try:
            answer["saved"] = job("store", "save", path, new)
        except OSError as e:
            return current, {"ok": False, "error": "the configuration could not be saved to flash (%s); nothing changed" % e}, None
    return done


def _wifi(config):
    """A config without the app's settings."""
    return {key: config[key] for key in config if key != "app"}
