# Read-only answers for any transport: the status, the masked config, a
# scan, why the station failed. Imported for one answer, dropped after.
import gc

# Failure statuses -> the reason a user reads.
_REASONS = (
    ("STAT_WRONG_PASSWORD", "wrong password"),
    ("STAT_NO_AP_FOUND", "network not found"),
    ("STAT_CONNECT_FAIL", "connection refused"),
    ("STAT_ASSOC_FAIL", "association refused"),
    ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out (often a wrong password)"),
    ("STAT_BEACON_TIMEOUT", "signal lost"),
)


def status(service):
    gc.collect()  # so the heap figures mean what is really in use
    wifi = service.wifi
    link = wifi.status()
    if isinstance(link["reason"], int):
        link["reason"] = reason(wifi.net, link["reason"])
    ap = service.config["AP"]
    return {
        "ok": True,
        "mode": service.config["mode"],
        # Is the active config on the flash (a reset keeps it)? Not when it
        # was applied with save_config 0, nor when saving it failed.
        "saved": service.config["save_config"] == 1 and service.save_error is None,
        "save_error": service.save_error,
        "provisioning": service.enabled,
        "fallback": service.fallback,
        "sta": {k: link[k] for k in ("state", "reason", "attempts", "ip", "ssid")},
        "ap": {"up": link["ap"], "ssid": ap["SSID"], "channel": ap["ch"], "clients": link["ap_clients"]},
        "servers": {s.name: s.port for s in service.servers} if service.enabled else {},
        "heap": {"alloc": gc.mem_alloc(), "free": gc.mem_free()},
    }


def config(service):
    """The active config with every password (and secret app setting)
    replaced by a marker."""
    out = {}
    for key, value in service.config.items():
        if key == "app":
            from .appfields import masked  # the secret ones, as a password

            value = masked(value)
        elif isinstance(value, dict):
            value = dict(value)
            value["PWD"] = "********" if value["PWD"] else ""
        out[key] = value
    return {"ok": True, "config": out}


def scan(service):
    return {"ok": True, "networks": service.wifi.scan()}


def networks(service):
    """A scan as JSON-ready data (TCP and HTTP answers): valid JSON for any
    SSID bytes, as the text (None when not UTF-8) and as hex."""
    from .text import hex_of, ssid_text  # here: status and config answers need no text module

    found = []
    for ssid, channel, rssi, auth in scan(service)["networks"]:
        found.append({"ssid": ssid_text(ssid), "ssid_hex": hex_of(ssid), "rssi": rssi, "channel": channel,
                      "auth": auth})
    return {"ok": True, "networks": found}


def reason(net, code):
    """Why a join failed, from the station's status code."""
    for name, text in _REASONS:
        if getattr(net, name, None) == code:
            return text
    return "failed (status %d)" % code
