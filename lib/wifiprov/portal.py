# The provisioning AP and its servers, opened and closed (docs/config.md; the
# seed's SYS_WINCS_PROV_ENABLE and _DISABLE). Loaded for the call, dropped
# after: the servers' code it imports is held while provisioning is open, so
# that a board in station mode keeps only the Wi-Fi supervisor, the
# provisioning service and the console.
import gc
import sys
import asyncio
from micropython import const

from .core import cache_jobs, hold, job, loaded, release, say, since
from .settings import BIND, DNS_PORT, HTTP_PORT, HTTPS_PORT, REQUEST_CACHE, TCP_PORT

# sys.modules holds up to 26 modules at once in a provisioning flow (with
# asyncio's; make bench). Past 23 its table grows to 29 slots: a block of
# 232 bytes beside the old 184, asked for at the flow's busiest moment (a
# form's POST), where a heap cut up by the page had none. It is grown when
# provisioning opens, while the heap is still whole, with keys that no
# module has, taken out again at once.
_MODULES_AT_ONCE = const(24)
_SPARE_KEYS = const(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"))
# A connection's buffer, of either server: http_conn.BUFFER, tcp.MAX_MESSAGE
# (a spare of another size is never lent).
_BUFFER = const(1024)
# What a phone's provisioning loads, in its order: a request, the form
# page, the form's POST that joins a network, the join page (_intern_ahead).
_REQUEST_MODULES = const(("http_read", "web", "web_page", "template", "web_form", "provision", "config", "rules",
                          "validation", "outcome", "trial", "trial_end", "web_join"))


async def open(service):
    """AP up, then its servers, then the READY line. A radio that cannot
    bring the AP up (wifi.radio_trouble has said why) leaves provisioning
    closed: no servers, and no READY line, since nothing could reach them."""
    if not service.enabled:
        service.status_page(False)  # its port is the provisioning HTTP server's
        spare = _reserve()
        try:
            address = job("radio", "start_ap", service.wifi, service.config["AP"], service.config["countrycode"])
        except OSError:
            say("provisioning: no access point, so no provisioning over Wi-Fi; the console still "
                "provisions (wifiprov help)")
            service.status_page(True)
            return
        host = BIND or address
        before = loaded()
        try:
            servers = await _servers(service, before)
        except MemoryError:
            # The caller's next try (service.react's, a second later) finds
            # the heap as it was. Left held, the servers' code filled the
            # heap each try met (a fallback AP that never opened).
            _abandon(service, before)
            raise
        if servers is None:
            _abandon(service, before)
            say("provisioning: out of memory: its servers could not load, so the AP is down again; "
                "wifiprov enable (or BOOT held 3 s) tries again")
            return
        if spare is not None:
            from .listen import reserve

            reserve(spare)
        service.servers = servers
        for server in servers:
            try:
                try:
                    await server.start(host)
                except MemoryError:  # clients of the servers just closed may still hold the heap
                    gc.collect()
                    await asyncio.sleep_ms(100)
                    await server.start(host)
            except Exception as e:  # one broken server must not stop the others
                say("%s server did not start: %r" % (server.name, e))
        service.enabled = True
        cache_jobs(REQUEST_CACHE)  # on a heap with room to spare, requests load their code once
        ap = service.config["AP"]
        say('provisioning: AP "%s" is up at %s' % (ap["SSID"], host))
        # Each time it opens (first boot, fallback, `wifiprov enable`): the
        # console is trusted (whoever holds it can read the flash), and
        # this is how the user learns the key to join.
        say("AP passphrase: %s" % (ap["PWD"] or "(open network)"))
    say(service.ready_line())


def _reserve():
    """The servers' connection buffer (wifiprov.listen's spare), made
    before anything else of the opening, or None when the heap has no
    room for it even now. Made when the first server listened, it met a
    heap the AP's start and the servers' own objects had cut up: in about
    1 run in 15 of the 32-bit frozen whole flow at 26 KB there was no 1 KB
    piece left, in 10 KB free, and every request was refused ("out of
    memory") for good, since no connection could find one either."""
    gc.collect()  # (frozen, a job does not collect: the heap's holes are found as they are)
    try:
        return bytearray(_BUFFER)
    except MemoryError:
        return None  # the servers listen all the same: a connection makes its own


def _abandon(service, before):
    """An opening given up past the AP leaves nothing behind: the code it
    loaded (since `before`, a loaded()) is dropped and the AP is down."""
    release(service._server_modules)
    service._server_modules = ()
    release(since(before))
    job("radio", "stop_ap", service.wifi)
    service.status_page(True)


async def _servers(service, before):
    """The servers' code loaded and held (service._server_modules), and
    the servers made, not started: [TCP, HTTP, (HTTPS,) DNS]; None when
    their code could not load, tried twice. `before` is loaded() as the
    opening began."""
    _grow_modules_table()
    _intern_ahead()
    # Right after provisioning closed (`wifiprov disable`, then enable;
    # an AP's new settings keep the code loaded: reopen), the closed
    # servers' clients may still be unwinding and hold the heap: a
    # MemoryError is met with what loaded dropped (the classes bound
    # too: each holds its module's code), and one more try once they
    # have run.
    for tries in (1, 2):
        try:
            from .tcp import TcpServer
            from .http import HttpServer
            from .dns import DnsServer

            break
        except MemoryError:
            TcpServer = HttpServer = None
            release(since(before))
            if tries == 2:
                return None
            await asyncio.sleep_ms(100)
            gc.collect()
            before = loaded()  # what other tasks' jobs loaded meanwhile is theirs
    service._server_modules = hold(before)
    servers = [TcpServer(service, TCP_PORT), HttpServer(service, HTTP_PORT)]
    if service.tls:
        servers.append(HttpServer(service, HTTPS_PORT, service.tls))
    servers.append(DnsServer(DNS_PORT))
    return servers


def _intern_ahead():
    """Load and drop the modules a phone's provisioning loads, for their
    names: past 620 names MicroPython's table of names grows by one block
    for 640 more (7,040 bytes on 64-bit, 4.5 KB on a 32-bit board), and a
    name stays interned for good. Asked for in the middle of a request,
    that block met a heap the page had cut up, and the request failed
    ("allocating 640 bytes": the count is of names, the block is 11 times
    that); asked for here, the heap is still whole. On a port with fewer
    names it is never asked for, and this costs the names the phone's
    requests would intern anyway (a session that only ever uses TCP or the
    console interns the pages' names too). Frozen into the firmware (no
    file), the package's names are in flash with its code: there this would
    only move what the requests load to another place in the heap (the
    32-bit frozen whole flow then needed 26 KB, not 24)."""
    try:
        __import__("os").stat(__file__)  # (as wifiprov.core tells files from frozen)
    except OSError:
        return
    for name in _REQUEST_MODULES:  # one at a time, as the requests load them
        before = loaded()
        try:
            __import__("wifiprov." + name)
        except Exception:  # (MemoryError, or a module left out of the firmware): the POST pays then
            break
        finally:
            release(since(before))


def _grow_modules_table():
    modules = sys.modules
    try:
        for key in _SPARE_KEYS:
            if len(modules) >= _MODULES_AT_ONCE:
                break
            modules[key] = None
    finally:
        for key in _SPARE_KEYS:
            modules.pop(key, None)


async def close(service):
    """Servers down, then the AP; the servers' code is dropped."""
    for server in service.servers:
        try:
            await server.stop()
        except Exception as e:
            sys.print_exception(e)
    service.servers = []
    # A server's tasks were cancelled, and a cancelled task ends only when
    # it next runs: until then its frame holds its server, and the server
    # its module's code. One pass of the loop lets them end, so that the
    # code is garbage when release() collects, not still held when an
    # enable right after imports it again: both copies at once cut the
    # heap up (18 KB more in use on the simulator, and the free space in
    # pieces of at most 1.6 KB at a 104K heap).
    await asyncio.sleep_ms(0)
    cache_jobs(False)  # what requests loaded goes when this job ends
    try:
        job("leftovers", "drop")
    except MemoryError:  # they stay until the next close or status page: the closing goes on
        pass
    release(service._server_modules)
    service._server_modules = ()
    job("radio", "stop_ap", service.wifi)
    was = service.enabled
    service.enabled = False
    service.fallback = False
    if was:
        say("provisioning: AP and servers are down")
    service.status_page(True)


async def reopen(service):
    """The AP and its servers close and open again (the AP's new settings).
    The servers' code stays loaded between: dropped and imported again at
    once, it would be scattered over the holes the closing left, and the
    heap would stay cut up while provisioning is open (found at a 112K
    test heap: 33 KB free, no block of it over 576 bytes, and the console
    could not load)."""
    held = service._server_modules
    service._server_modules = ()  # close drops none of it
    await close(service)
    try:
        await open(service)
    finally:  # (whatever open met, the held code is the servers' or is dropped)
        if service.enabled:
            service._server_modules = held + service._server_modules  # (open's: none, the code was loaded)
        else:
            release(held)


async def close_fallback(service):
    """The station joined again while the fallback AP was open: it closes."""
    await close(service)
    say("station: joined again; fallback AP closed")
    say(service.ready_line(True))
