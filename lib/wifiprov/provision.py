# The provisioning service's request side: one config message applied
# (validation, what happens next, the save), and the factory reset. Loaded
# for the request and dropped after it, so that a board that has joined
# its network keeps none of this in RAM: the resident service
# (wifiprov.service) keeps only the state and what runs all the time. The
# modules it uses are imported one after the other, never two together:
# all at once they would not fit a small heap.
import asyncio

from .core import ConfigError, job, trying
from .wifi import UP


def apply(service, msg, base=None):
    """Every transport's config message comes here (service.submit, or the
    web form): validate, persist, fire the event, answer; act a moment
    later. Returns the answer: {"ok": True, ...} or {"ok": False, "error":
    ...}. `base`: the config the message changes, when not the active one
    (forget). A message that joins a network is tried first (docs/config.md,
    verify before saving): the answer then has "trying", nothing is saved
    yet, and service.settle(answer) waits for the outcome."""
    if service.busy:
        return _refuse_busy(service)
    current = service.config if base is None else base
    app_only = only_app(msg)
    if app_only and "mode" not in msg:
        msg = dict(msg, mode=current["mode"])  # the app's settings alone keep the mode
    try:
        new, answer, action = _run(service, current, msg, app_only)
    except MemoryError:  # a full heap refuses the request, it does not end the caller
        return service.refuse("out of memory; try again")
    if not answer["ok"]:
        return service.refuse(answer["error"])
    if answer.get("trying"):
        sta = new["STA"]
        try:  # all made before any is kept: a full heap must not leave half a try behind
            attempt = {"ssid": sta["SSID"], "auth": sta["auth"], "state": "trying", "answer": None,
                       "config": new, "app_only": app_only}
            task = service.act(action)
        except MemoryError:
            return service.refuse("out of memory; try again")
        service.attempt = attempt
        service.busy = True
        asyncio.create_task(task)
        return answer
    service.applied(new, app_only)
    if action:
        service.busy = True
        asyncio.create_task(service.act(action))
    return answer


def _run(service, current, msg, app_only):
    """(the new config, the answer, the action to run next or None), on
    plain values. A refused message leaves `current` as it is, with {"ok":
    False, "error": ...}; the action is wifiprov.outcome's (module,
    function) pair. A config that joins a network is not saved here, unless
    the message says "verify": 0: the answer says "trying" and the action
    tries the network (wifiprov.trial)."""
    verify = 1
    if isinstance(msg, dict) and "verify" in msg:
        msg = dict(msg)
        verify = msg.pop("verify")
        if isinstance(verify, float) or verify not in (0, 1):
            return current, {"ok": False, "error": "verify: must be 1 (join the network before saving it, the "
                                                   "default) or 0 (save it without trying)"}, None
    try:
        new = job("validation", "validate", msg, current)
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
        text, action, trying = job("outcome", "plan", new, current, service.enabled, service.wifi.state == UP,
                                   verify)
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
            answer["saved"] = job("store", "save", service.config_path, new)
        except OSError as e:
            return current, {"ok": False, "error": "the configuration could not be saved to flash (%s); nothing changed" % e}, None
    return done


def _wifi(config):
    """A config without the app's settings."""
    return {key: config[key] for key in config if key != "app"}


def only_app(msg):
    """Does a message set nothing but the app's settings (docs/app.md)?"""
    return isinstance(msg, dict) and "app" in msg and len(msg) == 1 + ("save_config" in msg)


def _refuse_busy(service):
    return service.refuse('busy: the board is trying to join "%s"; wait for that answer' % service.attempt["ssid"]
                          if trying(service) else
                          "busy: the previous configuration is still being applied; try again in a few seconds")


def factory_reset(service):
    """Erase the config and restart into first-boot provisioning. Not
    while a network is tried: the try would save it after the erase."""
    if trying(service):
        return _refuse_busy(service)
    try:
        job("store", "erase", service.config_path)
    except OSError as e:
        return {"ok": False, "error": "could not erase the config: %s" % e}
    service.busy = True
    asyncio.create_task(service.act(("outcome", "restart")))
    return {"ok": True, "next": "config erased; restarting into first-boot provisioning"}
