# The provisioning service: the one place that decides. Every transport hands
# it a parsed request; it validates (config), persists (store), fires events,
# and tells the Wi-Fi service what to do. It also turns the provisioning AP
# and its servers on and off (wifiprov.portal does the work; docs/config.md;
# seed SYS_WINCS_PROV_*), and has a network tried before its config is saved
# (wifiprov.trial).
import json
import sys
import time
import asyncio
from micropython import const

from .core import call_back, job, job_async, say, until
from .settings import BIND, GRACE_MS, HTTP_PORT, PROV_WINDOW_S, STATUS_PAGE
from .wifi import AUTO_CONNECT_FAIL, DHCP_DONE, SNTP_UP, UP

PROV_COMPLETE = "PROV_COMPLETE"
PROV_FAILURE = "PROV_FAILURE"
APP_SETTINGS = "APP_SETTINGS"  # the app's own settings changed (docs/app.md)

_MODE_AP = const(1)


def describe(event, data):
    """One console line for an event; passwords never appear in it."""
    parts = ["EVENT", event]
    for key in sorted(data):
        if key == "passphrase":
            continue
        value = data[key]
        parts.append("%s=%s" % (key, json.dumps(value) if isinstance(value, (str, list)) else value))
    return " ".join(parts)


class Provisioning:
    """enable() / disable() as in the seed's SYS_WINCS_PROV_SrvCtrl (the
    application's callbacks are wifiprov.set_callback's); apply(message)
    for every transport."""

    def __init__(self, config_path, wifi, config, reset, log=say):
        self.config_path = config_path
        self.wifi = wifi
        self.config = config  # the active config; save_config=0 keeps it in RAM only
        self.save_error = None  # why the active config is not on the flash, when saving it failed
        self.reset = reset  # machine.reset, handed in
        self.log = log
        self.enabled = False  # the provisioning AP and its servers are up
        self.fallback = False  # ... because the station could not join
        self.tls = None  # (certificate, key) paths for HTTPS, or None
        self.servers = []  # while enabled: objects with .name, .port, async start(host), async stop()
        self._server_modules = ()  # their code, imported by enable(), dropped by disable()
        self.hostname = None  # the board's name on the network (network.hostname)
        self._busy = False  # an apply's action is pending: refuse a second one
        self.trying = None  # (config, app_only) while its network is being tried before saving
        self.attempt = None  # the last such try: {"ssid", "state": trying|joined|failed, "answer"}
        self.tried = None  # an Event, set when that try ends
        self.finished = asyncio.Event()  # the client said `finish` (or pressed Done): the AP may close
        self.window = None  # while wifiprov.window counts down on the open AP: when it (re)started, in ticks
        self.status_server = None  # the read-only status page's (wifiprov.status_server), once it ran
        # When the board booted, by the clock (time.time()): the status
        # page's uptime. Ticks wrap after days; the clock does not, but it
        # jumps when NTP first sets it, so it is moved along then.
        self.booted = time.time()
        self._booted_ticks = time.ticks_ms()
        wifi.on_event = self.on_wifi_event

    # ---- the seed's control API ----

    async def enable(self):
        """Provisioning AP up, then its servers, then the READY line
        (wifiprov.portal, loaded for the call)."""
        await job_async("portal", "open", self)

    async def disable(self):
        """Servers down, then the AP; the servers' code is dropped."""
        await job_async("portal", "close", self)

    def status_page(self, up):
        """The read-only status page on the home network (settings.STATUS_PAGE,
        docs/web.md): it listens while the station has an address and
        provisioning is closed (the provisioning servers take its port)."""
        if not STATUS_PAGE:
            return
        if not up:
            if self.status_server:
                self.status_server.stop()
            return
        if self.enabled or not self.wifi.ip:
            return
        if self.status_server is None:
            from .status_server import StatusServer

            self.status_server = StatusServer(self)
        try:
            if self.status_server.start(BIND or "0.0.0.0", HTTP_PORT):
                port = HTTP_PORT
                self.log("status page: http://%s.local%s/ shows how the board is doing"
                         % (self.hostname, "" if port == 80 else ":%d" % port))
        except OSError as e:
            self.log("status page: not started (%r)" % e)

    def save(self, config):
        """Write a config to the flash (OSError when it cannot)."""
        return job("store", "save", self.config_path, config)

    def name_board(self):
        """The board's name on the network, from its AP's SSID
        (wifiprov-93f1): esp32 and rp2 announce it (DHCP, mDNS) from the
        station's next join on."""
        self.hostname = job("text", "host_name", self.config["AP"]["SSID"])
        if hasattr(self.wifi.net, "hostname"):
            self.wifi.net.hostname(self.hostname)

    def ready_line(self, station=False):
        """READY mode=ap ... while provisioning is open, else (or for the
        station, which may join while an AP is still up) READY mode=sta."""
        if self.enabled and not station:
            ports = {s.name: s.port for s in self.servers if s.port}
            return "READY mode=ap " + " ".join(
                "%s=%s" % (name, ports.get(name, "-")) for name in ("tcp", "http", "https", "dns")
            )
        return "READY mode=sta ip=%s" % self.wifi.ip

    async def start(self):
        """The boot flow (docs/config.md), once the config is loaded."""
        c = self.config
        if c["mode"] == _MODE_AP:
            await self.enable()
            return
        sta = c["STA"]
        if sta["auto"]:
            self.log('station: joining "%s"' % sta["SSID"])
            self.wifi.connect(sta)
        else:
            self.log('station: auto-connect is off; type "wifiprov connect" to join "%s"' % sta["SSID"])

    # ---- requests from the transports ----

    def apply(self, msg, base=None):
        """Every transport's config message comes here: validate, persist,
        fire the event, answer; act a moment later. Returns the answer:
        {"ok": True, ...} or {"ok": False, "error": ...}. Validating and
        saving are wifiprov.provision's, imported for the request. `base`:
        the config the message changes, when not the active one (forget).
        A message that joins a network is tried first (docs/config.md,
        verify before saving): the answer then has "trying", nothing is
        saved yet, and settle(answer) waits for the outcome."""
        if self._busy:
            return self._refuse_busy()
        current = self.config if base is None else base
        app_only = only_app(msg)
        if app_only and "mode" not in msg:
            msg = dict(msg, mode=current["mode"])  # the app's settings alone keep the mode
        try:
            new, answer, action = job("provision", "run", current, msg, self.enabled, self.wifi.state == UP,
                                         self.config_path, Provisioning, app_only)
        except MemoryError:  # a full heap refuses the request, it does not end the caller
            return self.refuse("out of memory; try again")
        if not answer["ok"]:
            return self.refuse(answer["error"])
        if answer.get("trying"):
            sta = new["STA"]
            try:  # all made before any is kept: a full heap must not leave half a try behind
                attempt = {"ssid": sta["SSID"], "auth": sta["auth"], "state": "trying", "answer": None}
                tried = asyncio.Event()
                task = self._act(action)
            except MemoryError:
                return self.refuse("out of memory; try again")
            self.trying, self.attempt, self.tried = (new, app_only), attempt, tried
            self._busy = True
            asyncio.create_task(task)
            return answer
        self.applied(new, app_only)
        if action:
            self._busy = True
            asyncio.create_task(self._act(action))
        return answer

    def applied(self, new, app_only):
        """A config accepted (and saved when asked): it is the active one;
        the events say so."""
        old, self.config = self.config, new
        if new["save_config"]:
            self.save_error = None  # saved (or the flash held it already)
        if new["AP"]["SSID"] != old["AP"]["SSID"]:
            self.name_board()
        was, now = old.get("app") or {}, new.get("app") or {}
        keys = sorted(key for key in now if was.get(key) != now[key])  # the app settings it changed
        if keys:
            self.fire(APP_SETTINGS, {"changed": keys})
        if not app_only:  # a request about Wi-Fi, whatever it changed
            self.fire(PROV_COMPLETE, event_data(new))

    async def submit(self, msg, base=None, interim=None):
        """The hand-off of a transport that waits for the outcome: apply(msg,
        base), then its final answer (settle). interim(answer) is told first
        when a network is being tried (the console says so meanwhile)."""
        answer = self.apply(msg, base)
        if interim and answer.get("trying"):
            interim(answer)
        return await self.settle(answer)

    async def settle(self, answer):
        """A request's final answer: `answer` itself, or, when it started a
        join to be tried first, the answer of that try once it ended."""
        if not answer.get("trying"):
            return answer
        attempt, tried = self.attempt, self.tried  # this try's, whatever starts after it
        await tried.wait()
        return attempt["answer"]

    async def _later(self, action, delay_ms=GRACE_MS):
        """Run an action as its own task; its failure is printed, not lost."""
        try:
            await asyncio.sleep_ms(delay_ms)
            await action()
        except Exception as e:
            sys.print_exception(e)

    async def _act(self, action):
        """An apply's (or a reset's) action, one of the methods below (as
        Provisioning.restart, ...): new requests wait until it ran."""
        try:
            await asyncio.sleep_ms(GRACE_MS)
            await action(self)
        except Exception as e:
            sys.print_exception(e)
        finally:
            self._busy = False

    # ---- what an applied config does next (wifiprov.outcome chooses) ----

    async def restart(self):
        """A reset: the saved config boots."""
        self.log("restarting to apply the new configuration")
        self.reset()

    async def to_sta(self):
        """The station joins (the AP closes first if it is up)."""
        if self.enabled:
            await self.disable()
        self.wifi.connect(self.config["STA"])

    async def stay_idle(self):
        """The station disconnects and waits for `wifiprov connect`."""
        self.wifi.disconnect()

    async def try_join(self):
        """The station tries the network of the config being applied, the
        AP left up; the config is saved and active only if it joins
        (wifiprov.trial, loaded for the try). Whatever goes wrong, the try
        ends with an answer: a client waits for it."""
        back = self.wifi.target  # what the station was doing
        try:
            await job_async("trial", "run", self, back)
        except MemoryError:
            pass  # nothing was saved; the answer below says so, as PROV_FAILURE does
        except Exception as e:  # a bug: nothing was saved either
            sys.print_exception(e)
        finally:
            if self.attempt["answer"] is None:  # the try broke off before its answer
                self.trying = None
                if back is not None:
                    self.wifi.connect(back)
                else:
                    self.wifi.disconnect()
                self.attempt["state"] = "failed"
                self.attempt["answer"] = _BROKE
                try:
                    self.fire(PROV_FAILURE, {"reason": _BROKE["error"]})
                except Exception:
                    pass
            self.tried.set()  # the try's answer is there: settle() returns it

    async def close_after(self, ms):
        """After a network was joined: the AP closes once the client is done
        (`finish`, Done) or after `ms`. A task of the service's own, so
        that no on-demand module stays in RAM while it waits."""
        self.finished.clear()
        while True:
            if await until(self.finished, ms):
                await asyncio.sleep_ms(GRACE_MS)  # the answer to `finish` leaves first
            if not self.trying:
                break
            # Another network is being tried: its end decides. Joined, its
            # own close_after takes over; not joined, the station is back on
            # this one, and the AP gets a grace again (the phone reads why).
            attempt = self.attempt
            await self.tried.wait()
            if attempt["state"] != "failed":
                return
            self.finished.clear()
        if not self.enabled or self.config["mode"] != 0:
            return  # closed already, or a new request came meanwhile
        if self.window is not None:  # BOOT held meanwhile: the window it opened decides
            self.log("provisioning: the BOOT button opened it again, so it stays open until no one has joined "
                     "it for %d s" % PROV_WINDOW_S)
            return
        if self.wifi.state == UP:
            await self.disable()
            self.log('provisioning: closed; the board stays on "%s" at %s' % (self.config["STA"]["SSID"],
                                                                           self.wifi.ip))
        else:  # the link went down meanwhile: the AP stays as a fallback does
            self.fallback = True
            await self._open_fallback()

    async def to_ap(self):
        """The provisioning AP restarts with its new settings."""
        self.wifi.disconnect()
        if self.enabled:
            await self.disable()
        await self.enable()

    def refuse(self, reason):
        """Answer a request that cannot be applied, with PROV_FAILURE."""
        self.fire(PROV_FAILURE, {"reason": reason})
        return {"ok": False, "error": reason}

    def fire(self, event, data):
        try:
            self.log(describe(event, data))
        except MemoryError:  # the event's console line is lost, not the request it reports
            pass
        call_back(0, event, data)

    def _refuse_busy(self):
        return self.refuse('busy: the board is trying to join "%s"; wait for that answer' % self.attempt["ssid"]
                           if self.trying else
                           "busy: the previous configuration is still being applied; try again in a few seconds")

    def factory_reset(self):
        """Erase the config and restart into first-boot provisioning. Not
        while a network is tried: the try would save it after the erase."""
        if self.trying:
            return self._refuse_busy()
        try:
            job("store", "erase", self.config_path)
        except OSError as e:
            return {"ok": False, "error": "could not erase the config: %s" % e}
        self._busy = True
        asyncio.create_task(self._act(Provisioning.restart))
        return {"ok": True, "next": "config erased; restarting into first-boot provisioning"}

    # ---- reactions to the Wi-Fi service ----

    def on_wifi_event(self, event, data):
        self.log(describe(event, data))
        if event == AUTO_CONNECT_FAIL and not self.enabled:
            # docs/config.md: open the provisioning AP, keep retrying in the background.
            self.log("station: could not join; opening the provisioning AP and retrying in the background")
            self.fallback = True
            asyncio.create_task(self._later(self._open_fallback, 0))
        elif event == SNTP_UP and self._booted_ticks is not None:
            self.booted = time.time() - time.ticks_diff(time.ticks_ms(), self._booted_ticks) // 1000
            self._booted_ticks = None  # later link-ups only correct a clock that is already right
        elif event == DHCP_DONE and self.trying:
            pass  # the join being tried: wifiprov.trial says what comes of it
        elif event == DHCP_DONE:
            if self.fallback:
                asyncio.create_task(self._later(self._close_fallback, 0))
            else:
                self.log(self.ready_line(True))
                self.status_page(True)
        call_back(1, event, data)

    async def _open_fallback(self):
        from .window import open_for_a_while

        await open_for_a_while(self)

    async def _close_fallback(self):
        await self.disable()
        self.log("station: joined again; fallback AP closed")
        self.log(self.ready_line(True))


def only_app(msg):
    """Does a message set nothing but the app's settings (docs/app.md)?"""
    return isinstance(msg, dict) and "app" in msg and len(msg) == 1 + ("save_config" in msg)


def event_data(config):
    """PROV_COMPLETE's data (the seed's SYS_WINCS_WIFI_PARAM_t)."""
    sec = config["STA"] if config["mode"] == 0 else config["AP"]
    return {"mode": config["mode"], "ssid": sec["SSID"], "passphrase": sec["PWD"], "security": sec["auth"],
            "autoconnect": sec.get("auto", 0), "channel": sec["ch"]}


# A try that broke off (a full heap): made in advance, as there may be no room then.
_BROKE = {"ok": False, "error": "the try could not finish (out of memory); nothing was saved; try again"}
