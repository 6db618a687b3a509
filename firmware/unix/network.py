# The board's network module for the MicroPython unix port (never goes onto
# a board): the subset of network.WLAN that wifiprov uses, with the esp32
# port's constants and status codes. The radio itself runs beside this
# process, in the simulator's launcher (tools/simradio.py), as a Pico W's
# CYW43 is a chip beside its CPU: each call is one JSON line to it over a
# pipe and one back. On a board this module is C and costs the heap nothing;
# here only these thin methods do, and a call's few short strings.
import json
import os
from binascii import hexlify, unhexlify

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

_wire = []  # the radio's pipes: [requests, answers], opened at the first call
_seq = [0]


def _call(name, n, args=(), kw={}):
    """One call to the radio: its result, or the OSError or ValueError the
    radio gives, with the radio's console lines ("sim: AP up: ...") printed
    first. Each answer carries its request's number: a call cut off by a
    full heap or Ctrl-C leaves its answer behind, and the next skips it."""
    if not _wire:
        fds = os.getenv("WIFIPROV_RADIO")
        if not fds:
            raise OSError("no simulated radio: run the firmware with tools/sim.py")
        fds = fds.split()
        _wire.append(open("/dev/fd/" + fds[0], "w"))
        _wire.append(open("/dev/fd/" + fds[1], "r"))
    _seq[0] += 1
    seq = _seq[0]
    _wire[0].write(json.dumps([seq, name, n, [{"b": hexlify(a).decode()} if isinstance(a, bytes) else a
                                              for a in args], kw]))
    _wire[0].write("\n")
    while True:
        line = _wire[1].readline()
        if not line:
            raise OSError("the simulated radio is gone (its launcher ended)")
        try:
            answer = json.loads(line)
        except ValueError:
            continue  # the rest of a line an earlier call left half read
        if answer[0] == seq:
            break
    if answer[2]:
        print(answer[2])
    error = answer[3]
    if error:
        raise (OSError if error[0] == "OSError" else ValueError)(error[1])
    return answer[1]


def country(*code):
    return _call("country", STA_IF, code)


def hostname(*name):
    return _call("hostname", STA_IF, name)


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

    def status(self, key=None):
        return _call("status", self._n, (key,))

    def isconnected(self):
        return _call("isconnected", self._n)

    def active(self, *on):
        return _call("active", self._n, on)

    def config(self, *args, **kw):
        return _call("config", self._n, args, kw)

    def connect(self, ssid, key=None, *, bssid=None):
        _call("connect", self._n, (ssid, key))

    def disconnect(self):
        _call("disconnect", self._n)

    def scan(self):
        # (ssid, bssid, channel, rssi, security, hidden), as esp32 gives them
        return [(unhexlify(e[0]["b"]), unhexlify(e[1]["b"]), e[2], e[3], e[4], e[5])
                for e in _call("scan", self._n)]

    def ifconfig(self):
        return tuple(_call("ifconfig", self._n))

    def ipconfig(self, key):
        return tuple(_call("ipconfig", self._n, (key,)))


_wlans = [object.__new__(WLAN), object.__new__(WLAN)]
_wlans[STA_IF]._n = STA_IF
_wlans[AP_IF]._n = AP_IF
