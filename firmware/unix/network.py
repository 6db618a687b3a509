# Simulated radio for the MicroPython unix port (never goes onto a board):
# the subset of network.WLAN that wifiprov uses, with the esp32 port's
# constants, status codes and config() rules. Nearby networks and connect
# outcomes come from the world file, re-read on every scan and connect, and
# when it changes under a live link (so a test can take a network away).
# Kept small: on the host this code shares the firmware's heap, where on a
# board the network module is C.
import os
import json
import time
from binascii import unhexlify

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

_WORLD = os.getenv("WIFIPROV_WORLD") or "firmware/unix/world.json"
_IP = os.getenv("WIFIPROV_BIND") or "127.0.0.1"
_AUTHMODE = (0, 0, 1, 4, 3, 7, 6)  # world auth 1..6 (the config's numbers) -> esp32 authmode
_host = {"country": "XX", "hostname": "mpy-unix"}
# Interface state lives here, not in the objects: as on a board, every
# WLAN(STA_IF) is a handle on the same radio.
_if = ({"active": False, "join": None}, {"active": False, "ssid": "MPY", "key": "", "channel": 1,
                                         "security": 0, "hidden": False})


def country(code=None):
    if code is None:
        return _host["country"]
    _host["country"] = code


def hostname(name=None):
    if name is None:
        return _host["hostname"]
    _host["hostname"] = name


def _networks():
    try:
        with open(_WORLD) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("sim: world file %s unusable: %r" % (_WORLD, e))
        return {"networks": []}


def _mtime():
    try:
        return os.stat(_WORLD)[8]
    except OSError:
        return None


def _ssid(net):
    return unhexlify(net["ssid_hex"]) if "ssid_hex" in net else net["ssid"].encode()


def _outcome(world, ssid, key):
    for net in world["networks"]:
        if _ssid(net) == ssid:
            if net.get("auth", 1) == 1 or net.get("password") == key:
                return STAT_GOT_IP
            return STAT_WRONG_PASSWORD
    return STAT_NO_AP_FOUND


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

    def __init__(self, interface=STA_IF):
        self._n = interface
        self._s = _if[interface]

    def active(self, *on):
        s = self._s
        if on and bool(on[0]) != s["active"]:
            s["active"] = bool(on[0])
            if self._n == AP_IF:
                self._say("up" if s["active"] else "down")
            else:
                s["join"] = None
        return s["active"]

    def _say(self, what):
        s = self._s
        print('sim: AP %s: ssid="%s" channel=%d security=%d hidden=%s' % (
            what, s["ssid"], s["channel"], s["security"], s["hidden"]))

    def config(self, *args, **kw):
        s = self._s
        if args:
            key = {"essid": "ssid"}.get(args[0], args[0])
            if key == "hostname":
                return _host["hostname"]
            if key not in s or key in ("key", "join"):  # esp32 never reads a key back
                raise ValueError("unknown config param")
            return s[key]
        if not s["active"]:
            raise OSError("Wifi Not Started")  # esp32: configure after active(True)
        new = dict(s)
        for key, value in kw.items():
            key = {"essid": "ssid", "password": "key", "authmode": "security"}.get(key, key)
            if key == "hostname":
                _host["hostname"] = value
            elif key in ("ssid", "key", "channel", "security", "hidden") or key == "reconnects":
                new[key] = value
            else:
                raise ValueError("unknown config param")
        if self._n == AP_IF:
            new["ssid"] = new["ssid"].encode()[:32].decode()  # esp32 silently cuts at 32
            if not 1 <= new["channel"] <= 14:
                raise OSError("Wifi Invalid Arg")
            if new["security"] and len(new["key"]) < 8:
                raise OSError("Wifi Invalid Password")  # ESP-IDF refuses a short WPA key
        s.update(new)
        if self._n == AP_IF:
            self._say("config")

    def connect(self, ssid, key=None, *, bssid=None):
        if self._n != STA_IF or not self._s["active"]:
            raise OSError("STA must be active")
        world = _networks()
        ssid = ssid.encode() if isinstance(ssid, str) else ssid
        self._s["join"] = {"ssid": ssid, "key": key, "code": _outcome(world, ssid, key), "mtime": _mtime(),
                           "t": time.ticks_ms(), "ms": world.get("connect_ms", 300)}

    def disconnect(self):
        self._s["join"] = None

    def status(self, param=None):
        if param == "stations":
            return []  # no simulated phone ever joins our AP
        if param or self._n != STA_IF:
            raise ValueError("unknown status param")
        join = self._s["join"]
        if join is None:
            return STAT_IDLE
        if time.ticks_diff(time.ticks_ms(), join["t"]) < join["ms"]:
            return STAT_CONNECTING
        if join["code"] == STAT_GOT_IP and join["mtime"] != _mtime():
            # The world changed under a live link: is our network still there?
            join["mtime"] = _mtime()
            code = _outcome(_networks(), join["ssid"], join["key"])
            join["code"] = STAT_BEACON_TIMEOUT if code == STAT_NO_AP_FOUND else code
        return join["code"]

    def isconnected(self):
        return self._n == STA_IF and self.status() == STAT_GOT_IP

    def scan(self):
        if self._n != STA_IF or not self._s["active"]:
            raise OSError("STA must be active")
        found = []
        for i, net in enumerate(_networks()["networks"]):
            # esp32 reports a hidden network with no name, and cuts a name at NUL
            ssid = b"" if net.get("hidden") else _ssid(net).split(b"\x00")[0]
            found.append((ssid, bytes((2, 0, 0, 0, 0, i)), net.get("channel", 1), net.get("rssi", -70),
                          _AUTHMODE[net.get("auth", 1)], False))
        return found

    def ifconfig(self):
        up = self._s["active"] if self._n == AP_IF else self.isconnected()
        return (_IP, "255.255.255.0", _IP, _IP) if up else ("0.0.0.0",) * 4

    def ipconfig(self, key):
        if key != "addr4":
            raise ValueError("unknown config param")
        return self.ifconfig()[:2]
