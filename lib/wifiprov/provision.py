# One provisioning request, for the provisioning service's apply(): the
# two phases of validation, what happens next, the save, the event. Loaded
# per request; the modules it calls are loaded one after the other, never
# two together: all at once they would not fit a small heap.
from . import ConfigError, call
from .service import PROV_COMPLETE
from .wifi import UP


def run(service, msg):
    """(the answer, the name of the service's method to run next or None)."""
    current = service.config
    try:
        new = call("config", "structure", msg, current)
        call("rules", "check_fields", new)
    except ConfigError as e:
        return service.refuse(str(e)), None
    changed = new != current
    data, text, action = call("outcome", "decide", new, changed, service.enabled, service.wifi.state == UP)
    saved = False
    if new["save_config"]:
        try:
            saved = call("store", "save", service.config_path, new)
        except OSError as e:
            return service.refuse("the configuration could not be saved to flash (%s); nothing changed" % e), None
    service.config = new
    if new["save_config"]:
        service.save_error = None  # saved above (or the flash held it already)
    service.fire(PROV_COMPLETE, data)
    return {"ok": True, "changed": changed, "saved": saved, "next": text}, action
