# The status answer, for any transport (GET /api/status, the Overview page,
# {"cmd": "status"}, `wifiprov status`, wifiprov.status()), and why the
# station failed. Apart from wifiprov.report's other answers: it is the one
# asked for most (apps, TCP clients, monitoring), and often when the heap
# has the least room (right after a try), so it loads only this. Imported
# for one answer, dropped after.
import gc

from .core import job

# Failure statuses -> the reason a user reads.
_REASONS = const((
    ("STAT_WRONG_PASSWORD", "wrong password"),
    ("STAT_NO_AP_FOUND", "network not found"),
    ("STAT_CONNECT_FAIL", "connection refused"),
    ("STAT_ASSOC_FAIL", "association refused"),
    ("STAT_HANDSHAKE_TIMEOUT", "handshake timed out (often a wrong password)"),
    ("STAT_BEACON_TIMEOUT", "signal lost"),
))


def status(service, heap=True):
    """The status answer. heap: with the heap's figures, after a collect so
    that they mean what is really in use. The Overview page, which does not
    show them, goes without both ("heap" is None): gc.mem_alloc() and
    gc.mem_free() each walk the whole heap, and they were half of that
    page's work (1.4 M of 2.6 M instructions on a 256 KB heap, 32-bit
    frozen)."""
    if heap:
        gc.collect()
    wifi = service.wifi
    why = wifi.reason  # a port status code, or text
    if isinstance(why, int):
        why = reason(wifi.net, why)
    up = wifi.ap.active()
    clients, channel = job("radio_now", "now", wifi) if up else (0, None)  # one job for both
    ap = service.config["AP"]
    tried = service.attempt  # a network tried before saving (docs/config.md)
    return {
        "ok": True,
        "mode": service.config["mode"],
        # Is the active config on the flash (a reset keeps it)? Not when it
        # was applied with save_config 0, nor when saving it failed.
        "saved": service.config["save_config"] == 1 and service.save_error is None,
        "save_error": service.save_error,
        "provisioning": service.enabled,
        "fallback": service.fallback,
        "sta": {"state": wifi.state, "reason": why, "attempts": wifi.attempts, "ip": wifi.ip,
                "ssid": wifi.target["SSID"] if wifi.target else None},
        # The channel the AP is on: the station's, once it has joined (one radio).
        "ap": {"up": up, "ssid": ap["SSID"], "channel": channel or ap["ch"], "clients": clients},
        "attempt": tried and _tried(tried),
        "radio": wifi.radio_error,  # None, or why the radio does not work
        "servers": {s.name: s.port for s in service.servers} if service.enabled else {},
        "heap": {"alloc": gc.mem_alloc(), "free": gc.mem_free()} if heap else None,
    }


def _tried(attempt):
    """The last network tried before saving: its name, how it went, and
    why, when it failed."""
    out = {"ssid": attempt["ssid"], "state": attempt["state"]}
    if attempt["state"] == "failed":
        out["reason"] = attempt["answer"].get("reason") or attempt["answer"]["error"]
    return out


def reason(net, code):
    """Why a join failed, from the station's status code."""
    for name, text in _REASONS:
        if getattr(net, name, None) == code:
            return text
    return "failed (status %d)" % code
