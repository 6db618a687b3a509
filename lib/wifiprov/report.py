# Read-only answers for any transport: the status, the masked config, a
# scan. Imported by the console and the servers for one answer.
import gc


def status(service):
    gc.collect()  # so the heap figures mean what is really in use
    wifi = service.wifi
    ap = service.config["AP"]
    return {
        "ok": True,
        "mode": service.config["mode"],
        "provisioning": service.enabled,
        "fallback": service.fallback,
        "sta": {"state": wifi.state, "reason": wifi.reason_text(), "attempts": wifi.attempts, "ip": wifi.ip,
                "ssid": wifi.target["SSID"] if wifi.target else None},
        "ap": {"up": wifi.ap.active(), "ssid": ap["SSID"], "channel": ap["ch"], "clients": wifi.ap_clients()},
        "servers": {s.name: s.port for s in service.servers} if service.enabled else {},
        "heap": {"alloc": gc.mem_alloc(), "free": gc.mem_free()},
    }


def config(service):
    """The active config with every password replaced by a marker."""
    out = {}
    for key, value in service.config.items():
        if isinstance(value, dict):
            value = dict(value)
            value["PWD"] = "********" if value["PWD"] else ""
        out[key] = value
    return {"ok": True, "config": out}


def scan(service):
    return {"ok": True, "networks": service.wifi.scan()}
