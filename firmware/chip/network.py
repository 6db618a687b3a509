# A stand-in for the Pico W's radio on the emulated chip (tools/chip.py; the
# RPI_PICO firmware has no radio), for trying wifiprov without a board and
# for the tests. It never goes onto a board and is never part of the
# deployed package. It is the subset of the rp2 port's network module
# (MicroPython's extmod/network_cyw43.c) that wifiprov uses, with the same
# constants, link status codes and rules, so wifiprov takes its rp2 paths:
# configure the AP before activating it, scans with cyw43's security bits,
# CYW43_LINK_NOIP while an address is awaited.
#
# The networks around the chip are the JSON file /chipworld.json on its
# flash, as the simulator's world file: {"networks": [{"ssid", "password",
# "auth" (1 open .. 6 WPA3), "channel", "rssi", "hidden"}], "connect_ms"}.
# A join's outcome follows it: unknown SSID -> STAT_NO_AP_FOUND, wrong
# password -> STAT_WRONG_PASSWORD, else joined with an address.
import time

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0  # CYW43_LINK_DOWN
STAT_CONNECTING = 1  # CYW43_LINK_JOIN
STAT_CONNECT_FAIL = -1
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3
STAT_GOT_IP = 3
_LINK_NOIP = 2

_WORLD = "/chipworld.json"
_AP_ADDRESS = "192.168.4.1"  # the rp2 port's AP address
_STA_ADDRESS = "192.168.1.57"  # never used for traffic: the chip's sockets are inert
_host = {"country": "XX", "hostname": "PicoW"}
_if = ({"active": False, "join": None},
       {"active": False, "ssid": "PICO1234", "key": "picoW123", "channel": 1, "security": 0x00400004})


def _world():
    import json

    try:
        with open(_WORLD) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("chip: world file %s unusable: %r" % (_WORLD, e))
        return {"networks": []}


def _find(world, ssid):
    for net in world["networks"]:
        if net["ssid"].encode() == ssid:
            return net
    return None


def country(code=None):
    if code is None:
        return _host["country"]
    if len(code) != 2:
        raise ValueError
    _host["country"] = code


def hostname(name=None):
    if name is None:
        return _host["hostname"]
    if len(name) > 32:
        raise ValueError("hostname too long")
    _host["hostname"] = name


class WLAN:
    IF_STA = STA_IF
    IF_AP = AP_IF
    SEC_OPEN = 0
    SEC_WPA_WPA2 = 0x00400006  # CYW43_AUTH_WPA2_MIXED_PSK
    SEC_WPA3 = 0x01000004
    SEC_WPA2_WPA3 = 0x01400004
    PM_NONE = 16
    PM_PERFORMANCE = 0xA11142
    PM_POWERSAVE = 17

    def __init__(self, i=STA_IF):
        self._n = STA_IF if i == STA_IF else AP_IF
        self._s = _if[self._n]

    def active(self, *on):
        if not on:
            return self._s["active"]
        if not on[0] and self._n == STA_IF:
            self._s["join"] = None
        self._s["active"] = bool(on[0])
        return None

    def config(self, *args, **kw):
        s = self._s
        if args:
            if kw or len(args) != 1:
                raise TypeError("must query one param")
            key = args[0]
            if key in ("ssid", "essid"):
                return s.get("ssid", "") if self._n == AP_IF else (s["join"] or {}).get("ssid", "")
            if key == "hostname":
                return _host["hostname"]
            if key == "mac":
                return b"\x28\xcd\xc1\x00\x00" + bytes((self._n,))
            if key in ("channel", "security") and self._n == AP_IF:
                return s[key]
            if key in ("pm", "txpower", "antenna"):
                return 0
            raise ValueError("unknown config param")
        for key, value in kw.items():
            if key in ("ssid", "essid"):
                s["ssid"] = value
            elif key in ("key", "password"):
                s["key"] = value
            elif key in ("channel", "security"):
                s[key] = value
            elif key == "hostname":
                hostname(value)
            elif key not in ("pm", "txpower", "antenna", "trace"):
                raise ValueError("unknown config param")

    def connect(self, ssid, key=None, *, security=-1, bssid=None, channel=0):
        if self._n != STA_IF:
            raise OSError(1)
        ssid = ssid.encode() if isinstance(ssid, str) else bytes(ssid)
        world = _world()
        net = _find(world, ssid)
        if net is None:
            code = STAT_NO_AP_FOUND
        elif net.get("auth", 1) == 1 or net.get("password") == key:
            code = STAT_GOT_IP
        else:
            code = STAT_WRONG_PASSWORD
        self._s["join"] = {"ssid": ssid.decode(), "code": code, "t": time.ticks_ms(),
                           "ms": world.get("connect_ms", 300), "rssi": (net or {}).get("rssi", -70)}

    def disconnect(self):
        self._s["join"] = None

    def status(self, param=None):
        if param == "rssi":
            if self._n != STA_IF:
                raise ValueError("STA required")
            return (self._s["join"] or {}).get("rssi", 0)
        if param == "stations":
            if self._n != AP_IF:
                raise ValueError("AP required")
            return []
        if param is not None:
            raise ValueError("unknown status param")
        if self._n == AP_IF:
            return 3 if self._s["active"] else 0
        join = self._s["join"]
        if join is None:
            return STAT_IDLE
        waited = time.ticks_diff(time.ticks_ms(), join["t"])
        if waited < join["ms"]:
            return STAT_CONNECTING
        if join["code"] == STAT_GOT_IP and waited < 2 * join["ms"]:
            return _LINK_NOIP  # joined; DHCP still to answer
        return join["code"]

    def isconnected(self):
        return self._n == STA_IF and self.status() == STAT_GOT_IP

    def scan(self):
        if self._n != STA_IF:
            raise OSError(1)
        found = []
        for i, net in enumerate(_world()["networks"]):
            # cyw43's security bits: 1 privacy, 2 a WPA element, 4 an RSN element
            bits = (0, 0, 1, 7, 5, 5, 5)[net.get("auth", 1)]
            ssid = b"" if net.get("hidden") else net["ssid"].encode()
            found.append((ssid, bytes((0x2C, 0, 0, 0, 0, i)), net.get("channel", 1), net.get("rssi", -70), bits, 1))
        return found

    def ifconfig(self):
        up = self._s["active"] if self._n == AP_IF else self.isconnected()
        if not up:
            return ("0.0.0.0",) * 4
        ip = _AP_ADDRESS if self._n == AP_IF else _STA_ADDRESS
        return (ip, "255.255.255.0", ip, ip)

    def ipconfig(self, key):
        if key != "addr4":
            raise ValueError("unexpected key")
        return self.ifconfig()[:2]
