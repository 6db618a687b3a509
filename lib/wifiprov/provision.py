# One provisioning request, for the provisioning service's apply(), on plain
# values: the two phases of validation, what happens next, the save. The
# service assigns the config and fires the events. Imported per request; the
# modules it uses are imported one after the other, never two together: all
# at once they would not fit a small heap.
from .core import ConfigError, job


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
