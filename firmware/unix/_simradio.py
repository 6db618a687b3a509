# The simulated radio's work, for firmware/unix/network.py (never goes onto a
# board): every network.WLAN call but the ones a supervisor polls (reading
# the world file, deciding connect outcomes, scanning, checking config()
# values, telling the console what the AP does). Imported per call and
# dropped after, so the simulator's Python costs the firmware's heap as
# little as possible (on a board this is C and costs none of it).
import json
import time
import network as _net
from binascii import unhexlify


def _world():
    """The world file (WIFIPROV_WORLD), read again at each call."""
    path = _net._host["world"]
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("sim: world file %s unusable: %r" % (path, e))
        return {"networks": []}


def _ssid(net):
    return unhexlify(net["ssid_hex"]) if "ssid_hex" in net else net["ssid"].encode()


def _network(world, ssid):
    for net in world["networks"]:
        if _ssid(net) == ssid:
            return net
    return None


def _outcome(world, ssid, key):
    net = _network(world, ssid)
    if net is None:
        return _net.STAT_NO_AP_FOUND
    if net.get("auth", 1) == 1 or net.get("password") == key:
        # "dhcp": false, a network that never gives an address: joining
        # goes on until the firmware gives up.
        return _net.STAT_GOT_IP if net.get("dhcp", True) else _net.STAT_CONNECTING
    return _net.STAT_WRONG_PASSWORD


def shown(ssid):
    """An SSID for the console, its control characters (C0, DEL, C1) as
    \\xNN as wifiprov shows them: the console is the owner's terminal. As
    bytes: iterating a str would intern each character for good."""
    raw = ssid.encode()
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == 0xC2 and i + 1 < len(raw) and raw[i + 1] <= 0x9F:
            out.extend(b"\\x%02x" % raw[i + 1])
            i += 2
            continue
        if b < 0x20 or b == 0x7F:
            out.extend(b"\\x%02x" % b)
        else:
            out.append(b)
        i += 1
    return out.decode()


def _configure(state, is_ap, kw):
    new = dict(state)
    for key, value in kw.items():
        key = {"essid": "ssid", "password": "key", "authmode": "security"}.get(key, key)
        if key == "hostname":
            _net._host["hostname"] = value
        elif key in ("ssid", "key", "channel", "security", "hidden", "reconnects"):
            new[key] = value
        else:
            raise ValueError("unknown config param")
    if is_ap:
        new["ssid"] = new["ssid"].encode()[:32].decode()  # esp32 silently cuts at 32
        if not 1 <= new["channel"] <= 14:
            raise OSError("Wifi Invalid Arg")
        if new["security"] and len(new["key"]) < 8:
            raise OSError("Wifi Invalid Password")  # ESP-IDF refuses a short WPA key
    state.update(new)


def _say(wlan, event):
    s = wlan._s
    print('sim: AP %s: ssid="%s" channel=%d security=%d hidden=%s' % (
        event, shown(s["ssid"]), s["channel"], s["security"], s["hidden"]))


def active(wlan, on):
    s = wlan._s
    s["active"] = bool(on[0])
    if wlan._n == _net.AP_IF:
        _say(wlan, "up" if s["active"] else "down")
        _follow()
    else:
        s["join"] = None
    return s["active"]


def configure(wlan, kw):
    s = wlan._s
    if not s["active"]:
        raise OSError("Wifi Not Started")  # esp32: configure after active(True)
    _configure(s, wlan._n == _net.AP_IF, kw)
    if wlan._n == _net.AP_IF:
        _say(wlan, "config")
        _follow()


def _follow():
    """One radio, as on esp32: an AP that is up is on the channel of a
    station that has joined, whatever it was set to (esp32's
    config("channel") is the radio's channel), from the moment it is up."""
    ap = _net._if[_net.AP_IF]
    join = _net._if[_net.STA_IF]["join"]
    if ap["active"] and join and join["code"] == _net.STAT_GOT_IP and ap["channel"] != join["ch"] and \
            time.ticks_diff(time.ticks_ms(), join["t"]) >= join["ms"]:
        ap["channel"] = join["ch"]
        _say(_net.WLAN(_net.AP_IF), "moved to the station's channel")


def connect(wlan, ssid, key):
    if wlan._n != _net.STA_IF or not wlan._s["active"]:
        raise OSError("STA must be active")
    world = _world()
    ssid = ssid.encode() if isinstance(ssid, str) else ssid
    net = _network(world, ssid) or {}
    wlan._s["join"] = {"ssid": ssid, "key": key, "code": _outcome(world, ssid, key), "mtime": _net._mtime(),
                       "t": time.ticks_ms(), "ms": world.get("connect_ms", 300), "ch": net.get("channel", 1),
                       "rssi": net.get("rssi", -70)}


def status(wlan, key):
    """What network.WLAN.status does not answer itself: the phones on the
    AP, a key it does not know, and a live link whose world file changed or
    whose channel the AP has not followed yet."""
    join = wlan._s.get("join")
    if key == "stations":  # the phones on our AP: the world file's "ap_clients"
        return _world().get("ap_clients", []) if wlan._n == _net.AP_IF and wlan._s["active"] else []
    if key or wlan._n != _net.STA_IF:
        raise ValueError("unknown status param")
    mtime = _net._mtime()
    if mtime != join["mtime"]:
        # The world file changed under a live link: is our network still there?
        join["mtime"] = mtime
        code = _outcome(_world(), join["ssid"], join["key"])
        join["code"] = _net.STAT_BEACON_TIMEOUT if code == _net.STAT_NO_AP_FOUND else code
    _follow()
    return join["code"]


def scan(wlan):
    if wlan._n != _net.STA_IF or not wlan._s["active"]:
        raise OSError("STA must be active")
    found = []
    for i, net in enumerate(_world()["networks"]):
        # esp32 reports a hidden network with no name, and cuts a name at NUL
        ssid = b"" if net.get("hidden") else _ssid(net).split(b"\x00")[0]
        found.append((ssid, bytes((2, 0, 0, 0, 0, i)), net.get("channel", 1), net.get("rssi", -70),
                      (0, 0, 1, 4, 3, 7, 6)[net.get("auth", 1)], False))  # world auth 1..6 -> esp32 authmode
    return found
