# The provisioning service: the one place that decides. Every transport hands
# it a parsed request (submit); it validates (config), persists (store),
# fires events, and tells the Wi-Fi service what to do. It also turns the
# provisioning AP and its servers on and off (wifiprov.portal does the work;
# docs/config.md; seed SYS_WINCS_PROV_*), and has a network tried before its
# config is saved (wifiprov.trial). This module stays loaded: it holds the
# state and what runs all the time. The work of a request is in modules
# loaded for it: the apply (wifiprov.provision), what comes next
# (wifiprov.outcome), the try (wifiprov.trial).
import sys
import time
import asyncio
from micropython import const

from .core import call_back, job, job_async, readable, say, trying, until
from .settings import AP_GRACE_MS, BIND, GRACE_MS, HTTP_PORT, PROV_WINDOW_S, STATUS_PAGE
from .wifi import AUTO_CONNECT_FAIL, DHCP_DONE, SNTP_UP, UP

# Constants, not globals: no other module imports them, and a global is a
# slot of this resident module's table, held for good.
_PROV_COMPLETE = const("PROV_COMPLETE")
_PROV_FAILURE = const("PROV_FAILURE")
_APP_SETTINGS = const("APP_SETTINGS")  # the app's own settings changed (docs/app.md)
_REACT_TRIES = const(10)  # an action that meets a full heap runs again a second later, up to this many times
_TRY_NOT_RUN = const("the try could not start (the board's console says why); nothing was saved; try again")


def describe(event, data):
    """One console line for an event; passwords never appear in it."""
    import json  # found in sys.modules (startup.register_builtins): a name less in this module's table

    parts = ["EVENT", event]
    for key in sorted(data):
        if key == "passphrase":
            continue
        value = data[key]
        parts.append("%s=%s" % (key, json.dumps(value) if isinstance(value, (str, list)) else value))
    return " ".join(parts)


async def serve_status(service, sock):
    """The status page's accept loop, on the listening socket that
    wifiprov.status_server.start opened. It is here, in a module that stays
    loaded anyway, and not in one of the page's own: that module and its
    table would be held for as long as the page listens (0.2 KB). One
    request at a time, 5 s for the whole of it (a slow client is dropped);
    the others wait in the socket's backlog."""
    while True:
        await readable(sock)
        await _visit(service, sock)


async def _visit(service, sock):
    """One request, in a frame of its own that ends with it. A frame keeps
    what its deepest expression last held until something overwrites it:
    in the loop's own frame, which lives on, the finished job and the
    client's stream stayed there after the page's answer, and held the
    page's modules and asyncio's streams, all dropped, until the next
    visit (1 KB on a 32-bit board, 2 KB as .mpy on 64-bit)."""
    client = None
    try:
        client, _ = sock.accept()
        client.setblocking(False)
        await asyncio.wait_for_ms(job_async("status_page", "serve", service, asyncio.StreamWriter(client)), 5000)
    except asyncio.CancelledError:
        raise
    except MemoryError:
        try:  # a constant: when the heap is short, there is no room to build an answer
            # wifiprov.http's _NO_MEMORY, written again: importing it from
            # there would make a cycle (service -> portal -> http), and one
            # more global here or in core would grow a table held for good.
            client.send(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\nRefresh: 2\r\n"
                        b"Content-Type: text/plain\r\nContent-Length: 59\r\n\r\n"
                        b"out of memory: the board could not answer this; try again.\n")
        except Exception:
            pass
    except Exception:  # a client gone or too slow: that request only
        pass
    finally:
        if client is not None:
            client.close()


class Provisioning:
    """enable() / disable() as in the seed's SYS_WINCS_PROV_SrvCtrl (the
    application's callbacks are wifiprov.set_callback's); submit(message)
    for every transport."""

    def __init__(self, config_path, wifi, config):
        self.config_path = config_path
        self.wifi = wifi
        self.config = config  # the active config; save_config=0 keeps it in RAM only
        self.save_error = None  # why the active config is not on the flash, when saving it failed
        self.enabled = False  # the provisioning AP and its servers are up
        self.fallback = False  # ... because the station could not join
        self.tls = None  # (certificate, key) paths for HTTPS, or None
        self.servers = []  # while enabled: objects with .name, .port, async start(host), async stop()
        self._server_modules = ()  # their code, imported by enable(), dropped by disable()
        self.hostname = None  # the board's name on the network (network.hostname)
        self.busy = False  # an apply's action is pending: refuse a second one
        # The join attempt: a config whose network is tried before it is
        # saved (wifiprov.trial), the last one. {"ssid", "auth", "state":
        # trying|joined|failed, "answer"}; its answer is None until it ends;
        # while it is tried, also "config" and "app_only" (what to apply).
        self.attempt = None
        self.finished = False  # the client said `finish` (or pressed Done): the AP may close
        self.window = None  # while wifiprov.window counts down on the open AP: when it (re)started, in ticks
        self.status_server = None  # while the read-only status page listens: (its socket, its task)
        # When the board booted, by the clock (time.time()): the status
        # page's uptime. Ticks wrap after days; the clock does not, but it
        # jumps when NTP first sets it, so it is moved along then.
        self.booted = time.time()
        self._booted_ticks = time.ticks_ms()
        wifi.on_event = self.on_wifi_event

    # ---- the seed's control API ----

    async def enable(self, again=False):
        """Provisioning AP up, then its servers, then the READY line
        (wifiprov.portal, loaded for the call). again: an open one closes
        and opens again (the AP's new settings), the servers' code kept
        loaded between. (A parameter, not a method of its own: that held
        48 bytes more for good, frozen.)"""
        if again:
            return await job_async("portal", "reopen", self)
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
        listening = self.status_server
        if not up:
            if listening:  # stopped at once: the port is free for the provisioning servers
                self.status_server = None
                listening[1].cancel()  # (status_server.start's pair)
                listening[0].close()
            return
        if self.enabled or not self.wifi.ip or listening:
            return
        try:
            self.status_server = job("status_server", "start", self, BIND or "0.0.0.0", HTTP_PORT, serve_status)
        except OSError as e:
            say("status page: not started (%r)" % e)
            return
        say("status page: %s shows how the board is doing" % job("status_server", "board_url", self))

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

    # ---- requests from the transports ----

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
            self.fire(_APP_SETTINGS, {"changed": keys})
        if not app_only:  # a request about Wi-Fi, whatever it changed
            self.fire(_PROV_COMPLETE, event_data(new))

    async def submit(self, msg, base=None):
        """The hand-off of a transport that waits for the outcome: the apply
        (wifiprov.provision.apply(service, msg, base), a job), then its final
        answer (settle). (The console does the two apart: wifiprov.app
        awaits the end of a try, so that the console's code is not held
        through it.)"""
        return await self.settle(job("provision", "apply", self, msg, base))

    async def settle(self, answer):
        """A request's final answer: `answer` itself, or, when it started a
        join to be tried first, the answer of that try once it ended."""
        if not answer.get("trying"):
            return answer
        attempt = self.attempt  # this try's, whatever starts after it
        await ended(attempt)
        return attempt["answer"]

    async def react(self, action):
        """A (module, function) pair run as a job with the service: an
        apply's action (act), a reaction to the link in a task of its own
        (the Wi-Fi supervisor that reported the event goes on), or the
        boot's provisioning AP (wifiprov.app, ("portal", "open")). Its
        failure is printed, not lost. A full heap is no failure of the
        action: the clients of the request just answered may still hold
        it, and a config already saved must still be carried out (an AP's
        new settings, a try whose client waits for its end). The action
        runs again a second later, up to _REACT_TRIES times; each action
        can run again after a MemoryError (wifiprov.outcome's, the try's,
        the window's, the portal's open). At boot that is an app whose
        import took the heap: the console and the button run meanwhile."""
        for left in range(_REACT_TRIES, 0, -1):
            try:
                return await job_async(action[0], action[1], self)
            except MemoryError as e:
                if left == 1:
                    return sys.print_exception(e)  # given up: no pause after the last
                if left == _REACT_TRIES:
                    try:
                        print("provisioning: out of memory for %s.%s; trying again each second" % action)
                    except MemoryError:
                        pass
                await asyncio.sleep_ms(1000)
            except Exception as e:
                return sys.print_exception(e)

    async def act(self, action):
        """An apply's (or a reset's) action, a moment after its answer: one
        of wifiprov.outcome's (module, function) pairs, run as a job with
        the service (as react runs one). New requests wait until it ran
        (busy)."""
        try:
            await asyncio.sleep_ms(GRACE_MS)
            await self.react(action)
        finally:
            self.busy = False
        attempt = trying(self)
        if attempt:
            # A try is still on once its act has ended (acts run one at a
            # time, and only a try's makes an attempt): it never ran (its
            # code found no room at any of react's tries, or did not load).
            # Its waiters (the client, the page, a request told "busy") get
            # a failure, not a wait for ever. Its end is its own, not
            # wifiprov.trial's: that module is what could not load.
            # The answer first: a failed try's reason is read from it.
            while attempt["answer"] is None:
                try:
                    attempt["answer"] = self.refuse(_TRY_NOT_RUN)  # PROV_FAILURE
                except MemoryError:
                    await asyncio.sleep_ms(1000)
            attempt["state"] = "failed"

    # ---- what an applied config does next (wifiprov.outcome chooses) ----

    async def close_after(self):
        """After a network was joined: the AP closes once the client is done
        (`finish`, Done) or after AP_GRACE_MS. A task of the service's own, so
        that no on-demand module stays in RAM while it waits."""
        self.finished = False
        while True:
            if await until(self, "finished", AP_GRACE_MS):
                await asyncio.sleep_ms(GRACE_MS)  # the answer to `finish` leaves first
            if not trying(self):
                break
            # Another network is being tried: its end decides. Joined, its
            # own close_after takes over; not joined, the station is back on
            # this one, and the AP gets a grace again (the phone reads why).
            attempt = self.attempt
            await ended(attempt)
            if attempt["state"] != "failed":
                return
            self.finished = False
        if not self.enabled or self.config["mode"] != 0:
            return  # closed already, or a new request came meanwhile
        if self.window is not None:  # BOOT held meanwhile: the window it opened decides
            say("provisioning: the BOOT button opened it again, so it stays open until no one has joined "
                "it for %d s" % PROV_WINDOW_S)
            return
        if self.wifi.state == UP:
            await self.disable()
            say('provisioning: closed; the board stays on "%s" at %s' % (self.config["STA"]["SSID"], self.wifi.ip))
        else:  # the link went down meanwhile: the AP stays as a fallback does
            self.fallback = True
            await job_async("window", "open_for_a_while", self)

    def refuse(self, reason):
        """Answer a request that cannot be applied, with PROV_FAILURE."""
        self.fire(_PROV_FAILURE, {"reason": reason})
        return {"ok": False, "error": reason}

    def fire(self, event, data):
        try:
            say(describe(event, data))
        except MemoryError:  # the event's console line is lost, not the request it reports
            pass
        call_back(0, event, data)

    # ---- reactions to the Wi-Fi service ----

    def on_wifi_event(self, event, data):
        say(describe(event, data))
        if event == AUTO_CONNECT_FAIL and not self.enabled:
            # docs/config.md: open the provisioning AP, keep retrying in the background.
            say("station: not joined; opening the provisioning AP and retrying in the background")
            self.fallback = True
            asyncio.create_task(self.react(("window", "open_for_a_while")))
        elif event == SNTP_UP and self._booted_ticks is not None:
            self.booted = time.time() - time.ticks_diff(time.ticks_ms(), self._booted_ticks) // 1000
            self._booted_ticks = None  # later link-ups only correct a clock that is already right
        elif event == DHCP_DONE and trying(self):
            pass  # the join being tried: wifiprov.trial says what comes of it
        elif event == DHCP_DONE:
            if self.fallback:
                asyncio.create_task(self.react(("portal", "close_fallback")))
            else:
                say(self.ready_line(True))
                self.status_page(True)
        call_back(1, event, data)


async def ended(attempt):
    """Wait until a try of a network has its answer (its end)."""
    while attempt["answer"] is None:
        await asyncio.sleep_ms(100)


def event_data(config):
    """PROV_COMPLETE's data (the seed's SYS_WINCS_WIFI_PARAM_t)."""
    sec = config["STA"] if config["mode"] == 0 else config["AP"]
    return {"mode": config["mode"], "ssid": sec["SSID"], "passphrase": sec["PWD"], "security": sec["auth"],
            "autoconnect": sec.get("auto", 0), "channel": sec["ch"]}

