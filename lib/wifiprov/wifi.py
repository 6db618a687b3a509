# The Wi-Fi service: the only module that talks to network.WLAN. It brings the
# access point up and down, keeps the station link up (attempts, back-off,
# reconnect after a drop), scans, and reports what happens as events.
import sys
import time
import asyncio
from micropython import const

from .core import job, until
from .settings import ATTEMPT_TIMEOUT_MS, BACKOFF_MS, NTP_HOST, RETRY_MAX_MS

# Names no other module imports are constants (const), not globals: a
# resident module's every global is a slot of its table, held for good.
_CONNECTED = const("CONNECTED")
_DISCONNECTED = const("DISCONNECTED")
DHCP_DONE = "DHCP_DONE"
SNTP_UP = "SNTP_UP"
AUTO_CONNECT_FAIL = "AUTO_CONNECT_FAIL"

# Station states shown by `wifiprov status`.
_IDLE = const("idle")
_CONNECTING = const("connecting")
UP = "connected"
_FAILED = const("failed")

_ATTEMPTS = const(5)  # docs/config.md: after 5 failed attempts, AUTO_CONNECT_FAIL
_POLL_MS = const(200)  # status() is looked at this often while joining (a yield, not a spin)
_LINK_CHECK_MS = const(1000)  # a live link is checked for a drop this often

class Wifi:
    """Handed the network module and its two WLAN interfaces; on_event(name,
    data) is told CONNECTED, DISCONNECTED, DHCP_DONE, SNTP_UP, SCAN_DONE and
    AUTO_CONNECT_FAIL."""

    def __init__(self, net, sta, ap, on_event=None):
        self.net = net
        self.sta = sta
        self.ap = ap
        self.on_event = on_event
        self.target = None  # the STA section to keep connected, or None
        self.state = _IDLE
        self.reason = None
        self.attempts = 0  # failed attempts since the link was last up
        self.ip = None
        # connect() or disconnect() ran: the supervisor looks again. Its
        # waits end early on it and set it back (until(..., clear=True)).
        self._woken = False
        # A join tried once (connect(..., once=True), the provisioning
        # service's check before saving): `settled` is true once it ends,
        # joined (state UP) or not (the reason is kept). The station has an
        # address (the link is up) while `ip` is not None.
        self.once = False
        self.settled = False
        self.last_scan = None  # (ticks, networks) of the last scan (wifiprov.radio.scan)
        # Why the radio does not work (it did not start, or refuses what
        # it is asked), or None: shown by `wifiprov status`.
        self.radio_error = None
        self._got_ip = getattr(net, "STAT_GOT_IP", 3)
        self._connecting = (getattr(net, "STAT_CONNECTING", 1), getattr(net, "STAT_IDLE", 0))
        if sys.platform == "rp2":  # CYW43_LINK_NOIP: joined, the address (DHCP) still to come
            self._connecting += (2,)

    # ---- the radio's trouble (the access point and the scan are wifiprov.radio's) ----

    def radio_trouble(self, error):
        """The radio failed at what it was asked: said once on the console,
        plainly, and kept for `wifiprov status`. The board goes on: its
        console and REPL work without a radio, and the station keeps trying."""
        first = self.radio_error is None
        what = error.args[0] if error.args else None
        self.radio_error = "the radio is not working (%s)" % (what if isinstance(what, str) else "error %s" % what)
        if first:
            print("wifi: %s: no Wi-Fi for now; the console and the REPL keep working. "
                  "Power the board off and on; if this stays, its radio has failed" % self.radio_error)

    @staticmethod
    def address(wlan):
        """An interface's IPv4 address (ipconfig where the port has it)."""
        if hasattr(wlan, "ipconfig"):
            try:
                return wlan.ipconfig("addr4")[0]
            except (ValueError, OSError, TypeError):
                pass
        return wlan.ifconfig()[0]

    # ---- station ----

    def connect(self, sta_cfg, once=False):
        """Keep the station joined to sta_cfg's network from now on; once:
        try a single attempt (up to ATTEMPT_TIMEOUT_MS), and on a failure
        stop there instead of retrying. A station on a network leaves it,
        and says so, as a dropped link does (then CONNECTED, on whichever)."""
        if self.state == UP:
            self.on_event(_DISCONNECTED, {"ssid": self.target["SSID"], "reason": "connect requested"})
        self.target = sta_cfg
        self.once = once
        self.settled = False
        self.attempts = 0
        self.reason = None
        self.state = _CONNECTING
        self.ip = None
        self._woken = True

    def disconnect(self):
        """Leave the network and stop trying until the next connect()."""
        self.target = None
        was_up = self.state == UP
        self.state = _IDLE
        self.reason = None
        self.attempts = 0
        self.ip = None
        self.settled = True
        if self.sta.active():
            try:
                self.sta.disconnect()
            except OSError:
                pass
        self._woken = True
        if was_up:
            self.on_event(_DISCONNECTED, {"reason": "disconnect requested"})

    async def run(self):
        """The supervisor task: joins, watches the link, retries for ever."""
        while True:
            try:
                if self.target is None:
                    await until(self, "_woken", clear=True)
                elif self.state == UP:  # the link is looked at once a second, here: a frame less held while it lasts
                    if not await until(self, "_woken", _LINK_CHECK_MS, _POLL_MS, True) and not self.sta.isconnected():
                        self.state = _CONNECTING
                        self.reason = "link lost"
                        self.ip = None
                        self.on_event(_DISCONNECTED, {"ssid": self.target["SSID"], "reason": "link lost"})
                else:
                    await self._join()
            except asyncio.CancelledError:
                raise
            except MemoryError:  # a full heap (the servers' clients hold it) is no bug: the next try may find room
                try:
                    print("station: out of memory; trying again in a second")
                except MemoryError:
                    pass
                await asyncio.sleep_ms(1000)
            except Exception as e:  # the supervisor must survive anything
                sys.print_exception(e)
                await asyncio.sleep_ms(1000)

    async def _join(self):
        target = self.target
        self._woken = False
        delay = BACKOFF_MS
        if not self.sta.active():
            self.sta.active(True)
        try:
            self.sta.config(reconnects=1)  # esp32: report a failure instead of retrying for ever
        except (ValueError, TypeError, OSError):
            pass
        while self.target is target:
            self.state = _CONNECTING
            reason = await self._attempt(target)
            if self.target is not target:
                return
            if reason is None:
                self._link_up(target)
                return
            self.attempts += 1
            self.reason = reason
            if self.once:  # a join being tried: no retry; the station is left idle
                self.state = _FAILED
                self.target = None
                self.settled = True
                return
            if self.attempts == _ATTEMPTS:
                self.state = _FAILED
                self.on_event(AUTO_CONNECT_FAIL, {"ssid": target["SSID"], "reason": self.reason_text(),
                                                  "attempts": _ATTEMPTS})
            elif self.attempts > _ATTEMPTS:
                self.state = _FAILED
            if await until(self, "_woken", delay, _POLL_MS, True):
                return  # new orders: the main loop looks again
            delay = min(delay * 2, RETRY_MAX_MS)

    def reason_text(self):
        """Why the station is not up, in words; None when it is."""
        if not isinstance(self.reason, int):
            return self.reason
        return job("status_report", "reason", self.net, self.reason)

    async def _attempt(self, target):
        """One try at joining: None when the link is up, else why not (the
        port's status code, or text); codes become text only when shown."""
        sta = self.sta
        try:
            sta.disconnect()  # esp32 refuses connect() while a join is in progress
        except OSError:
            pass
        try:
            if target["PWD"]:
                sta.connect(target["SSID"], target["PWD"])
            else:
                sta.connect(target["SSID"])
        except OSError as e:  # a radio that did not start refuses every join
            self.radio_trouble(e)
            return self.radio_error
        started = time.ticks_ms()
        while time.ticks_diff(time.ticks_ms(), started) < ATTEMPT_TIMEOUT_MS:
            if await until(self, "_woken", _POLL_MS, _POLL_MS, True) and self.target is not target:
                return "cancelled"
            code = sta.status()
            if code == self._got_ip:
                return None
            if code not in self._connecting:
                sta.disconnect()
                return code
        sta.disconnect()
        return "timed out after %d s" % (ATTEMPT_TIMEOUT_MS // 1000)

    def _link_up(self, target):
        self.state = UP
        self.reason = None
        self.attempts = 0
        self.ip = self.address(self.sta)
        self.once = False  # joined: from now on the link is kept as any other
        self.settled = True
        self.on_event(_CONNECTED, {"ssid": target["SSID"]})
        self.on_event(DHCP_DONE, {"ip": self.ip})
        asyncio.create_task(self._set_clock())

    async def _set_clock(self):
        await asyncio.sleep_ms(0)  # let the link-up events be handled first
        utc = job("radio", "set_clock", NTP_HOST)  # the UTC time, or None
        if utc:
            self.on_event(SNTP_UP, {"utc": utc})
