# The simulated radio's work, for firmware/unix/network.py (never goes onto a
# board): reading the world file, deciding connect outcomes, scanning,
# checking config() values. Imported per call and dropped after, so the
# simulator's Python costs the firmware's heap as little as possible (on a
# board this is C and costs none of it).
import json
import time
from binascii import unhexlify



def _world(path):
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


def _outcome(world, ssid, key, codes):
    net = _network(world, ssid)
    if net is None:
        return codes[2]
    if net.get("auth", 1) == 1 or net.get("password") == key:
        # "dhcp": false, a network that never gives an address: joining
        # goes on until the firmware gives up.
        return codes[0] if net.get("dhcp", True) else codes[3]
    return codes[1]


def join(path, mtime, ssid, key, codes):
    """codes: (GOT_IP, WRONG_PASSWORD, NO_AP_FOUND, CONNECTING)."""
    world = _world(path)
    ssid = ssid.encode() if isinstance(ssid, str) else ssid
    net = _network(world, ssid) or {}
    return {"ssid": ssid, "key": key, "code": _outcome(world, ssid, key, codes), "mtime": mtime,
            "t": time.ticks_ms(), "ms": world.get("connect_ms", 300), "ch": net.get("channel", 1),
            "rssi": net.get("rssi", -70)}


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


def world_value(path, key, default):
    """One top-level value of the world file: "ap_clients" (the phones
    joined to the board's AP)."""
    return _world(path).get(key, default)


def recheck(path, mtime, join, codes, lost):
    """The world file changed under a live link: is our network still there?"""
    join["mtime"] = mtime
    code = _outcome(_world(path), join["ssid"], join["key"], codes)
    join["code"] = lost if code == codes[2] else code


def scan(path):
    found = []
    for i, net in enumerate(_world(path)["networks"]):
        # esp32 reports a hidden network with no name, and cuts a name at NUL
        ssid = b"" if net.get("hidden") else _ssid(net).split(b"\x00")[0]
        found.append((ssid, bytes((2, 0, 0, 0, 0, i)), net.get("channel", 1), net.get("rssi", -70),
                      (0, 0, 1, 4, 3, 7, 6)[net.get("auth", 1)], False))  # world auth 1..6 -> esp32 authmode
    return found


def configure(state, is_ap, host, kw):
    new = dict(state)
    for key, value in kw.items():
        key = {"essid": "ssid", "password": "key", "authmode": "security"}.get(key, key)
        if key == "hostname":
            host["hostname"] = value
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
