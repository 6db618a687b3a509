# Runs under MicroPython, with the simulator's radio (argv[1], firmware/unix)
# and a flash folder (argv[2]): provisioning opens (wifiprov.portal.open)
# when the heap has no room for its servers' code. Right after it closed (an
# AP's new settings reopen it at once), the old servers' clients may still
# hold the heap: one MemoryError there is met with one more try, and the
# servers start; a second takes the AP down again and says so, leaving
# nothing the tries loaded. The full heap is played by a stand-in for
# wifiprov.http whose every lookup fails.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov import core, portal
from wifiprov.core import loaded
from wifiprov.service import Provisioning
from wifiprov.startup import defaults
from wifiprov.wifi import Wifi

portal.BIND = "127.0.0.1"
portal.TCP_PORT = portal.HTTP_PORT = portal.DNS_PORT = 0  # ports of the system's choosing
said = []
real_say = portal.say


def say(text):
    said.append(text)
    real_say(text)


portal.say = say


class FullHeap:
    """wifiprov.http as a full heap makes it: each lookup fails, `times` times."""

    def __init__(self, times):
        self.times = times

    def __getattr__(self, name):
        if self.times:
            self.times -= 1
            if not self.times:
                del sys.modules["wifiprov.http"]  # the next import is the real one
            raise MemoryError("memory allocation failed, allocating 368 bytes")
        raise AttributeError(name)


async def case(times):
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    service.hostname = "wifiprov-89ab"
    sys.modules["wifiprov.http"] = FullHeap(times)
    before = loaded()
    del said[:]
    await portal.open(service)
    print("full %d times: provisioning %s, AP %s, servers %s" % (
        times, "open" if service.enabled else "closed", "up" if wifi.ap.active() else "down",
        [server.name for server in service.servers]))
    print("  said:", [line.split(":")[0] + ": " + line.split(": ")[1] for line in said if "out of memory" in line])
    if service.enabled:
        await portal.close(service)
    sys.modules.pop("wifiprov.http", None)
    core.release([name for name in loaded() if name not in before and name != "wifiprov.http"])
    print("  left loaded:", [name for name in loaded() if name not in before])


asyncio.run(case(1))
asyncio.run(case(2))


async def reopen_case():
    """New AP settings reopen provisioning: its servers' code stays loaded
    (the same modules, held), and closing drops all of it."""
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    service.hostname = "wifiprov-89ab"
    before = loaded()
    await portal.open(service)
    opened = {name: sys.modules[name] for name in loaded() if name not in before}
    await portal.reopen(service)
    print("reopened: provisioning %s, AP %s, servers %s" % (
        "open" if service.enabled else "closed", "up" if wifi.ap.active() else "down",
        [server.name for server in service.servers]))
    print("  the same code, held:", all(sys.modules.get(name) is module for name, module in opened.items()),
          sorted(service._server_modules) == sorted(opened))
    await portal.close(service)
    print("  left loaded:", [name for name in loaded() if name not in before])


asyncio.run(reopen_case())


async def made_case():
    """The servers' code loaded, then a full heap as a server is made: the
    opening leaves nothing behind (its code dropped, the AP down) and the
    MemoryError goes on to its caller (service.react tries again a second
    later), whose next try opens provisioning."""
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    service.hostname = "wifiprov-89ab"
    before = loaded()

    def full_heap(*args):
        raise MemoryError("memory allocation failed, allocating 64 bytes")

    from wifiprov import dns

    made, dns.DnsServer = dns.DnsServer, full_heap
    try:
        await portal.open(service)
        print("made: no MemoryError")
    except MemoryError:
        print("made: MemoryError to the caller")
    dns.DnsServer = made
    print("  provisioning %s, AP %s, servers %s" % (
        "open" if service.enabled else "closed", "up" if wifi.ap.active() else "down",
        [server.name for server in service.servers]))
    print("  left loaded:", [name for name in loaded() if name not in before and name != "wifiprov.dns"])
    await portal.open(service)
    print("  again: provisioning %s, servers %s" % ("open" if service.enabled else "closed",
                                                   [server.name for server in service.servers]))
    await portal.close(service)
    print("  left loaded:", [name for name in loaded() if name not in before and name != "wifiprov.dns"])


asyncio.run(made_case())
