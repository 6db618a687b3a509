"""The simulator's radio: what a board's Wi-Fi chip does, run in the host's
Python beside the MicroPython process, which reaches it through
firmware/unix/network.py over a pair of pipes (as a Pico W's CPU reaches
its CYW43 over a bus).

On a board network.WLAN is C and costs the firmware's heap nothing. Run in
the MicroPython process, this model cost the simulated board's heap about
9 KB of Python held for good and 5 KB more at each connect (docs/heap-history.md):
out here it costs the firmware only the thin stub's few hundred bytes.

The model follows the esp32 port's documented behaviour (constants, status
codes, config() rules) and the world file (docs/simulator.md): nearby
networks and connect outcomes come from it, re-read at every scan and
connect, and when it changes under a live link.

The wire: the stub writes one JSON line per call, [seq, method, interface,
args, kwargs] (bytes as {"b": hex}); the radio answers [seq, result, say,
error], where say is the radio's own console lines ("sim: AP up: ...") for
the stub to print, so they land in order with the firmware's output, and
error is [kind, message] for an OSError or ValueError to raise."""
import importlib.util
import json
import os
import signal
import threading
import time

def _board_network():
    """The constants the board's side uses (firmware/unix/network.py): one
    list of interface numbers and status codes for both ends of the wire."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "firmware", "unix", "network.py")
    spec = importlib.util.spec_from_file_location("wifiprov_sim_network", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_net = _board_network()
STA_IF, AP_IF = _net.STA_IF, _net.AP_IF
STAT_IDLE = _net.STAT_IDLE
STAT_CONNECTING = _net.STAT_CONNECTING
STAT_GOT_IP = _net.STAT_GOT_IP
STAT_BEACON_TIMEOUT = _net.STAT_BEACON_TIMEOUT
STAT_NO_AP_FOUND = _net.STAT_NO_AP_FOUND
STAT_WRONG_PASSWORD = _net.STAT_WRONG_PASSWORD
ESP32_AUTHMODE = (0, 0, 1, 4, 3, 7, 6)  # world auth 1..6 -> esp32 authmode (SEC_*)


class RadioError(Exception):
    """An error the board's call raises: kind is "OSError" or "ValueError"."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def shown(ssid):
    """An SSID for the console, its control characters (C0, DEL, C1) as
    \\xNN, as wifiprov shows them: the console is the owner's terminal."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F else c for c in ssid)


def _ms():
    return time.monotonic_ns() // 1000000


class Radio:
    """One board's radio, from power-up: a reset starts a new one."""

    def __init__(self, world, ip="127.0.0.1"):
        self.world_path = str(world)
        self.ip = ip
        self.country = "XX"
        self.hostname = "mpy-unix"
        # As on a board, every WLAN(STA_IF) is a handle on the same interface.
        self.ifs = ({"active": False, "join": None},
                    {"active": False, "ssid": "MPY", "key": "", "channel": 1, "security": 0, "hidden": False})
        self.said = []

    # The world file

    def world(self):
        try:
            with open(self.world_path) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            self.say("sim: world file %s unusable: %s" % (self.world_path, e))
            return {"networks": []}

    def mtime(self):
        try:
            return os.stat(self.world_path).st_mtime_ns
        except OSError:
            return None

    @staticmethod
    def ssid_of(net):
        return bytes.fromhex(net["ssid_hex"]) if "ssid_hex" in net else net["ssid"].encode()

    def network(self, world, ssid):
        for net in world.get("networks", []):
            if self.ssid_of(net) == ssid:
                return net
        return None

    def outcome(self, world, ssid, key):
        net = self.network(world, ssid)
        if net is None:
            return STAT_NO_AP_FOUND
        if net.get("auth", 1) == 1 or net.get("password") == key:
            # "dhcp": false, a network that never gives an address: joining
            # goes on until the firmware gives up.
            return STAT_GOT_IP if net.get("dhcp", True) else STAT_CONNECTING
        return STAT_WRONG_PASSWORD

    # What the console shows

    def say(self, line):
        self.said.append(line)

    def say_ap(self, event):
        ap = self.ifs[AP_IF]
        self.say('sim: AP %s: ssid="%s" channel=%d security=%d hidden=%s' % (
            event, shown(ap["ssid"]), ap["channel"], ap["security"], ap["hidden"]))

    def follow(self):
        """One radio, as on esp32: an AP that is up is on the channel of a
        station that has joined, whatever it was set to (esp32's
        config("channel") is the radio's channel), from the moment it is up."""
        ap, join = self.ifs[AP_IF], self.ifs[STA_IF]["join"]
        if ap["active"] and join and join["code"] == STAT_GOT_IP and ap["channel"] != join["ch"] and \
                _ms() - join["t"] >= join["ms"]:
            ap["channel"] = join["ch"]
            self.say_ap("moved to the station's channel")

    # network.WLAN's methods: (interface, *args, **kwargs) -> result

    def status(self, n, key=None):
        state = self.ifs[n]
        if key == "stations":  # the phones on our AP: the world file's "ap_clients"
            return self.world().get("ap_clients", []) if n == AP_IF and state["active"] else []
        join = state.get("join")
        if key == "rssi" and n == STA_IF:  # the joined network's signal, as esp32 and cyw43 give it
            if join is None or join["code"] != STAT_GOT_IP:
                raise RadioError("OSError", "STA is not connected")
            return join["rssi"]
        if key is not None or n != STA_IF:
            raise RadioError("ValueError", "unknown status param")
        if join is None:
            return STAT_IDLE
        if _ms() - join["t"] < join["ms"]:
            return STAT_CONNECTING
        mtime = self.mtime()
        if join["code"] == STAT_GOT_IP and mtime != join["mtime"]:
            # The world file changed under a live link: is our network still there?
            join["mtime"] = mtime
            code = self.outcome(self.world(), join["ssid"], join["key"])
            join["code"] = STAT_BEACON_TIMEOUT if code == STAT_NO_AP_FOUND else code
        self.follow()
        return join["code"]

    def isconnected(self, n):
        return n == STA_IF and self.status(n) == STAT_GOT_IP

    def active(self, n, *on):
        state = self.ifs[n]
        if on and bool(on[0]) != state["active"]:
            state["active"] = bool(on[0])
            if n == AP_IF:
                self.say_ap("up" if state["active"] else "down")
                self.follow()
            else:
                state["join"] = None
        return state["active"]

    def config(self, n, *args, **kw):
        state = self.ifs[n]
        if args:
            key = "ssid" if args[0] == "essid" else args[0]
            if key == "hostname":
                return self.hostname
            if key not in state or key in ("key", "join"):  # esp32 never reads a key back
                raise RadioError("ValueError", "unknown config param")
            return state[key]
        if not state["active"]:
            raise RadioError("OSError", "Wifi Not Started")  # esp32: configure after active(True)
        new = dict(state)
        for key, value in kw.items():
            key = {"essid": "ssid", "password": "key", "authmode": "security"}.get(key, key)
            if key == "hostname":
                self.hostname = value
            elif key in ("ssid", "key", "channel", "security", "hidden", "reconnects"):
                new[key] = value
            else:
                raise RadioError("ValueError", "unknown config param")
        if n == AP_IF:
            new["ssid"] = new["ssid"].encode()[:32].decode(errors="ignore")  # esp32 silently cuts at 32
            if not 1 <= new["channel"] <= 14:
                raise RadioError("OSError", "Wifi Invalid Arg")
            if new["security"] and len(new["key"]) < 8:
                raise RadioError("OSError", "Wifi Invalid Password")  # ESP-IDF refuses a short WPA key
        state.update(new)
        if n == AP_IF:
            self.say_ap("config")
            self.follow()
        return None

    def connect(self, n, ssid, key=None):
        if n != STA_IF or not self.ifs[n]["active"]:
            raise RadioError("OSError", "STA must be active")
        world = self.world()
        ssid = ssid.encode() if isinstance(ssid, str) else ssid
        net = self.network(world, ssid) or {}
        self.ifs[n]["join"] = {"ssid": ssid, "key": key, "code": self.outcome(world, ssid, key),
                               "mtime": self.mtime(), "t": _ms(), "ms": world.get("connect_ms", 300),
                               "ch": net.get("channel", 1), "rssi": net.get("rssi", -70)}

    def disconnect(self, n):
        self.ifs[n]["join"] = None

    def scan(self, n):
        if n != STA_IF or not self.ifs[n]["active"]:
            raise RadioError("OSError", "STA must be active")
        found = []
        for i, net in enumerate(self.world().get("networks", [])):
            # esp32 reports a hidden network with no name, and cuts a name at NUL
            ssid = b"" if net.get("hidden") else self.ssid_of(net).split(b"\x00")[0]
            found.append((ssid, bytes((2, 0, 0, 0, 0, i)), net.get("channel", 1), net.get("rssi", -70),
                          ESP32_AUTHMODE[net.get("auth", 1)], False))
        return found

    def ifconfig(self, n):
        up = self.ifs[AP_IF]["active"] if n == AP_IF else self.isconnected(n)
        return (self.ip, "255.255.255.0", self.ip, self.ip) if up else ("0.0.0.0",) * 4

    def ipconfig(self, n, key):
        if key != "addr4":
            raise RadioError("ValueError", "unknown config param")
        return self.ifconfig(n)[:2]

    # network's module functions (the interface number is not theirs)

    def set_country(self, n, code=None):
        if code is None:
            return self.country
        self.country = code

    def set_hostname(self, n, name=None):
        if name is None:
            return self.hostname
        self.hostname = name

    CALLS = ("status", "isconnected", "active", "config", "connect", "disconnect", "scan", "ifconfig",
             "ipconfig", "country", "hostname")

    def call(self, request):
        """One request of the wire -> its answer, both as JSON values."""
        seq, name, n, args, kw = request
        self.said = []
        result = error = None
        try:
            if name not in self.CALLS or n not in (STA_IF, AP_IF):
                raise RadioError("ValueError", "no such radio call: %r" % (name,))
            method = getattr(self, {"country": "set_country", "hostname": "set_hostname"}.get(name, name))
            result = _wire(method(n, *[_unwire(a) for a in args], **{k: _unwire(v) for k, v in kw.items()}))
        except RadioError as e:
            error = [e.kind, str(e)]
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
            error = ["ValueError", "bad radio call %s: %s" % (name, e)]  # the stub's mistake, said on the board
        return [seq, result, "\n".join(self.said) or None, error]


def _wire(value):
    if isinstance(value, bytes):
        return {"b": value.hex()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _unwire(value):
    if isinstance(value, dict) and set(value) == {"b"}:
        return bytes.fromhex(value["b"])
    return value


_PROCESS_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)


def quiet_thread():
    """The calling helper thread takes none of the process's signals: they
    are its main thread's (tools/sim.py stops on them, then blocks them
    there). One taken by a helper once Python has put the default handlers
    back as it exits would kill the launcher (a stream of SIGTERMs: -15,
    not 143). For the radio's thread, and tools/sim.py's own."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _PROCESS_SIGNALS)


class Wire:
    """A radio for one MicroPython process, served on a thread until the
    process ends: give it env and pass_fds when starting the process, then
    call started()."""

    def __init__(self, world, ip="127.0.0.1"):
        self.radio = Radio(world, ip)
        requests, self._their_requests = os.pipe()
        self._their_answers, answers = os.pipe()
        self.pass_fds = (self._their_requests, self._their_answers)
        self.env = {"WIFIPROV_RADIO": "%d %d" % self.pass_fds}
        self._thread = threading.Thread(target=self._serve, args=(requests, answers), daemon=True)
        self._thread.start()

    def started(self):
        """The process has its ends: close ours of them, so that the radio
        sees the end of its requests when the process ends."""
        for fd in self.pass_fds:
            os.close(fd)
        self.pass_fds = ()

    def _serve(self, requests, answers):
        quiet_thread()
        with os.fdopen(requests, "rb") as inbox, os.fdopen(answers, "wb", buffering=0) as outbox:
            for line in inbox:
                try:
                    answer = self.radio.call(json.loads(line))
                except (ValueError, TypeError):
                    continue  # not a request (a stub cut off mid-line): the stub's seq skips it
                try:
                    outbox.write(json.dumps(answer).encode() + b"\n")
                except OSError:
                    return  # the process is gone
