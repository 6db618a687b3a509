# Simulated radio for the MicroPython unix port (never goes onto a board):
# the subset of network.WLAN that wifiprov uses, with the esp32 port's
# constants, status codes and config() rules. Nearby networks and connect
# outcomes come from the world file, re-read on every scan and connect, and
# when it changes under a live link (so a test can take a network away).
# Only thin methods stay imported; the work is in _simradio, imported per call
# (on a board this module is C and costs the heap nothing).
import gc
import os
import sys
import time

STA_IF = 0
AP_IF = 1
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010
STAT_BEACON_TIMEOUT = 200
STAT_NO_AP_FOUND = 201
STAT_WRONG_PASSWORD = 202
STAT_ASSOC_FAIL = 203
STAT_HANDSHAKE_TIMEOUT = 204

# Few names of its own: each one a module interns stays in the qstr pool for
# good, and on a board these are C, whose names cost no heap.
_host = {"country": "XX", "hostname": "mpy-unix", "ip": os.getenv("WIFIPROV_BIND") or "127.0.0.1",
         "world": os.getenv("WIFIPROV_WORLD") or "firmware/unix/world.json"}
# Interface state lives here, not in the objects: as on a board, every
# WLAN(STA_IF) is a handle on the same radio.
_if = ({"active": False, "join": None}, {"active": False, "ssid": "MPY", "key": "", "channel": 1,
                                         "security": 0, "hidden": False})


def _sim(fn, *args):
    """Run one function of _simradio, then drop the module and its garbage
    (none of its functions calls a WLAN method that loads it again)."""
    import _simradio

    try:
        return getattr(_simradio, fn)(*args)
    finally:
        del sys.modules["_simradio"]
        del _simradio
        gc.collect()


def _mtime():
    try:
        return os.stat(_host["world"])[8]
    except OSError:
        return None


def country(code=None):
    if code is None:
        return _host["country"]
    _host["country"] = code


def hostname(name=None):
    if name is None:
        return _host["hostname"]
    _host["hostname"] = name


class WLAN:
    IF_STA = STA_IF
    IF_AP = AP_IF
    SEC_OPEN = 0
    SEC_WEP = 1
    SEC_WPA = 2
    SEC_WPA2 = 3
    SEC_WPA_WPA2 = 4
    SEC_WPA2_ENT = 5
    SEC_WPA3 = 6
    SEC_WPA2_WPA3 = 7

    def __new__(cls, i=STA_IF):
        # As on esp32 and rp2, WLAN(STA_IF) is the same object each time,
        # made before any program runs: a board's costs its heap nothing.
        return _wlans[i]

    def __init__(self, i=STA_IF):
        self._n = i
        self._s = _if[i]

    # The calls a supervisor polls stay here; the rest is _simradio's, a
    # module loaded for the call.
    def status(self, key=None):
        if key is None and self._n == STA_IF:
            join = self._s["join"]
            if join is None:
                return STAT_IDLE
            if time.ticks_diff(time.ticks_ms(), join["t"]) < join["ms"]:
                return STAT_CONNECTING
            if join["code"] != STAT_GOT_IP or (_mtime() == join["mtime"] and (
                    not _if[AP_IF]["active"] or _if[AP_IF]["channel"] == join["ch"])):
                return join["code"]
        elif key == "rssi" and self._n == STA_IF:  # the joined network's signal, as esp32 and cyw43 give it
            join = self._s["join"]
            if join is None or join["code"] != STAT_GOT_IP:
                raise OSError("STA is not connected")
            return join["rssi"]
        return _sim("status", self, key)

    def isconnected(self):
        return self._n == STA_IF and self.status() == STAT_GOT_IP

    def active(self, *on):
        return _sim("active", self, on) if on and bool(on[0]) != self._s["active"] else self._s["active"]

    def config(self, *args, **kw):
        s = self._s
        if args:  # read often (the AP's channel, at a try's end): no module loaded for it
            key = "ssid" if args[0] == "essid" else args[0]
            if key == "hostname":
                return _host["hostname"]
            if key not in s or key in ("key", "join"):  # esp32 never reads a key back
                raise ValueError("unknown config param")
            return s[key]
        _sim("configure", self, kw)

    def connect(self, ssid, key=None, *, bssid=None):
        _sim("connect", self, ssid, key)

    def disconnect(self):
        self._s["join"] = None

    def scan(self):
        return _sim("scan", self)

    def ifconfig(self):
        up = self._s["active"] if self._n == AP_IF else self.isconnected()
        ip = _host["ip"]
        return (ip, "255.255.255.0", ip, ip) if up else ("0.0.0.0",) * 4

    def ipconfig(self, key):
        if key != "addr4":
            raise ValueError("unknown config param")
        return self.ifconfig()[:2]


_wlans = []
for _i in (STA_IF, AP_IF):
    _wlans.append(object.__new__(WLAN))
    _wlans[_i].__init__(_i)
