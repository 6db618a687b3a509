# Improv Wi-Fi serial (improv-wifi.com, docs/improv.md) on the console: the
# protocol ESP Web Tools and Home Assistant provision boards with over USB.
# The console reader hands over when a line starts with "IMPROV"; this module
# reads the rest of that one frame, answers it, and is dropped after. A
# network sent here is handed to the service like any other request (by
# wifiprov.app, once this module is dropped), tried before it is saved.
import sys
import time
import asyncio
from micropython import const

from .core import __version__, job, trying
from .wifi import UP

_HEADER = const(b"IMPROV")
_VERSION = const(1)
# Frame types
_CURRENT_STATE = const(1)
_ERROR_STATE = const(2)
_RPC = const(3)
_RPC_RESULT = const(4)
# States
_READY = const(2)
_PROVISIONING = const(3)
_PROVISIONED = const(4)
# Errors
_NO_ERROR = const(0)
_INVALID_RPC = const(1)
_UNKNOWN_RPC = const(2)
_UNABLE_TO_CONNECT = const(3)
_BAD_HOSTNAME = const(5)
# A scan this recent is answered again: the client's network list rescans
# every 3 s, and each scan holds the radio (docs/improv.md).
_SCAN_FRESH_MS = const(10000)
# The rest of a frame must follow its "IMPROV" within this: bytes that stop
# arriving mid-frame drop it, and the console reads lines again.
_FRAME_MS = const(1000)


async def frame(service, reader):
    """The console read "IMPROV" at the start of a line: read the rest of
    the frame (version, type, length, data, checksum; at most 265 bytes) and
    answer it. True when the frame was whole and sound; None when it was
    not whole in time (dropped without a word: there is no frame to
    answer); False for a bad one, which gets the invalid-RPC error, and
    whose line's rest the console skips (a frame that lost a byte ate the
    start of the next one, whose rest is no text). A network sent to join,
    or a device name to set: (the config message, the RPC's command), which
    the console's caller applies with this module dropped, and answers once
    applied, or tried (answered)."""
    deadline = time.ticks_add(time.ticks_ms(), _FRAME_MS)  # for the whole frame: a trickle is no frame
    head = await _read(reader, 3, deadline)
    if head is None:
        return None
    version, kind, n = head
    rest = await _read(reader, n + 1, deadline)
    if rest is None:
        return None
    data = rest[:-1]
    if (sum(_HEADER) + sum(head) + sum(data)) & 0xFF != rest[-1] or version != _VERSION:
        _error(_INVALID_RPC)
        return False
    if kind != _RPC:
        return True  # the device's own frame types: nothing for it to answer
    if len(data) < 2 or data[1] != len(data) - 2:
        _error(_INVALID_RPC)
        return True
    _error(_NO_ERROR)  # each command clears the error first (the protocol asks it)
    command, args = data[0], data[2:]
    if command == 1:
        message = _wifi_settings(service, args)
        return (message, 1) if message else True
    elif command == 2:
        _state(service)
    elif command == 3:
        _result(3, (b"wifiprov", __version__, _chip(), service.config["AP"]["SSID"]))
    elif command == 4:
        _scan(service)
    elif command == 5:
        _hostname(service, args)
    elif command == 6:
        message = _device_name(service, args)
        if message:
            return message, 6
    elif command == 7:
        up = service.wifi.state == UP
        # Bit 1: the device has Wi-Fi; bit 0: it is online.
        _result(7, (b"3" if up else b"2",) + ((job("status_server", "board_url", service),) if up else ()))
    else:
        _error(_UNKNOWN_RPC)
    return True


async def _read(reader, n, deadline):
    out = bytearray()
    while len(out) < n:
        left = time.ticks_diff(deadline, time.ticks_ms())
        if left <= 0:
            return None
        try:
            c = await asyncio.wait_for_ms(reader.read(1), left)
        except asyncio.TimeoutError:
            return None
        if not c:
            return None
        out.append(c[0] if isinstance(c, bytes) else ord(c))
    return bytes(out)


def _state(service):
    """The current state; when provisioned, also the device's URL."""
    if trying(service):
        _send(_CURRENT_STATE, bytes((_PROVISIONING,)))
    elif service.config["mode"] == 0 and service.wifi.state == UP:
        _send(_CURRENT_STATE, bytes((_PROVISIONED,)))
        _result(2, (job("status_server", "board_url", service),))
    else:
        _send(_CURRENT_STATE, bytes((_READY,)))


def _wifi_settings(service, args):
    """ssid_len, ssid, pass_len, pass: the config message that joins the
    network, applied as every transport's request is (so it is tried before
    it is saved); None once answered (a frame not understood)."""
    if not args or args[0] + 1 >= len(args) or args[0] + 2 + args[args[0] + 1] != len(args):
        return _error(_INVALID_RPC)
    end = 1 + args[0]
    try:
        ssid, password = args[1:end].decode(), args[end + 1 :].decode()
    except UnicodeError:
        return _error(_INVALID_RPC)
    # Improv does not say the network's security: none without a password;
    # with one, WPA2, or WPA3 for a passphrase too long for WPA2 (64
    # characters are a raw WPA2 key only when they are all hex digits).
    auth = 4
    if not password:
        auth = 1
    elif len(password) > 63:
        try:
            int(password, 16)
            auth = 4 if len(password) == 64 else 6
        except ValueError:
            auth = 6
    _send(_CURRENT_STATE, bytes((_PROVISIONING,)))
    return {"mode": 0, "save_config": 1, "STA": {"SSID": ssid, "PWD": password, "auth": auth, "ch": 0, "auto": 1}}


def answered(service, command, result):
    """The end of the config an RPC made (frame): the network sent to join
    (1): the URL, or the error; the device name (6): the name now, or the
    error."""
    if command == 6:
        if not result["ok"]:
            print("improv: %s" % result["error"])
            return _error(_INVALID_RPC)
        return _result(6, (service.config["AP"]["SSID"],))
    if result["ok"]:
        _send(_CURRENT_STATE, bytes((_PROVISIONED,)))
        _result(1, (result.get("url") or job("status_server", "board_url", service),))
    else:
        print("improv: %s" % result["error"])  # for the person at the console; the client ignores text
        _error(_UNABLE_TO_CONNECT)
        _send(_CURRENT_STATE, bytes((_READY,)))


def _hostname(service, args):
    """Get, or set until the next restart (the saved name follows the
    device name, the AP's SSID; docs/improv.md). A name is one RFC 1123
    label of at most 32 characters (esp32's limit), kept in lower case as
    mDNS compares it; the station announces it from its next join on."""
    if args:
        name = args.lower()
        if not _label(name):
            return _error(_BAD_HOSTNAME)
        name = name.decode()
        try:
            if hasattr(service.wifi.net, "hostname"):
                service.wifi.net.hostname(name)
        except (ValueError, OSError):
            return _error(_BAD_HOSTNAME)
        service.hostname = name
    _result(5, (service.hostname or "",))


def _label(label):
    """1..32 of letters, digits and hyphens, no hyphen at an end."""
    if not 0 < len(label) <= 32 or label[0] == 0x2D or label[-1] == 0x2D:
        return False
    for b in label:
        if not (0x30 <= b <= 0x39 or 0x61 <= b <= 0x7A or b == 0x2D):
            return False
    return True


def _device_name(service, args):
    """The device name is the board's AP name: asked, it is answered; set,
    the config message that renames the AP (None once answered), applied as
    a network sent to join is, with this module dropped (frame): it is
    saved, and the host name follows it."""
    if not args:
        return _result(6, (service.config["AP"]["SSID"],))
    try:
        name = args.decode()
    except UnicodeError:
        return _error(_INVALID_RPC)
    # Its passphrase stays (a config that renames a network asks for its password anew).
    # verify 0: the station's network is not the one changed, and must not be tried anew.
    return {"mode": service.config["mode"], "verify": 0, "AP": {"SSID": name, "PWD": service.config["AP"]["PWD"]}}


def _scan(service):
    """One result per network (name, RSSI, secured), then an empty one."""
    seen = []
    try:
        found = job("radio", "scan", service.wifi, _SCAN_FRESH_MS)  # before the answer's module loads
        found = job("report", "networks", found)["networks"]
    except OSError as e:  # the radio busy (esp32 while the station joins): an empty list, not silence
        print("improv: the scan failed: %r" % e)
        found = ()
    for net in found:
        ssid = net["ssid"]
        if not ssid or ssid in seen:  # hidden, not text, or seen on another channel
            continue
        seen.append(ssid)
        # Our auth number: 1 open; any other, 0 (unknown) too, asks for a password.
        _result(4, (ssid, str(net["rssi"]), b"NO" if net["auth"] == 1 else b"YES"))
    _result(4, ())


def _chip():
    """The chip family in Improv's names (ESP32, ESP32-C3, ..., RP2040);
    elsewhere (the simulator: the unix port), the platform's name."""
    machine = getattr(sys.implementation, "_machine", "")
    for name in ("ESP32-C3", "ESP32-C6", "ESP32-S2", "ESP32-S3", "ESP32-H2", "RP2040", "RP2350", "ESP32"):
        if name.replace("-", "") in machine:
            return name
    return sys.platform


def _result(command, strings):
    body = bytearray()
    for s in strings:
        if isinstance(s, str):
            s = s.encode()
        body.append(len(s))
        body += s
    _send(_RPC_RESULT, bytes((command, len(body))) + body)


def _error(code):
    _send(_ERROR_STATE, bytes((code,)))


def _send(kind, data):
    """One frame on a line of its own: a newline first, in case a prompt or
    a half line is on the console, and one after, as the clients expect."""
    frame = _HEADER + bytes((_VERSION, kind, len(data))) + data
    out = getattr(sys.stdout, "buffer", sys.stdout)
    out.write(b"\n" + frame + bytes((sum(frame) & 0xFF,)) + b"\n")
