# Runs under MicroPython, with the simulator's radio (argv[1], firmware/unix)
# and a flash folder (argv[2]), at a roomy heap: provisioning opens
# (wifiprov.portal.open) after its AP's start has cut the heap into pieces
# smaller than a connection's buffer.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov import portal
from wifiprov.service import Provisioning
from wifiprov.startup import defaults
from wifiprov.wifi import Wifi

portal.BIND = "127.0.0.1"
portal.TCP_PORT = portal.HTTP_PORT = portal.DNS_PORT = 0  # ports of the system's choosing

async def cut_case():
    """The AP's start leaves the heap in pieces smaller than a connection's
    buffer (on a board at its edge, the AP and the servers' own objects
    cut it up): the buffer was made before, and the servers have it. (Made
    when the first server listened, it found no room, and no connection
    could find its own: every request was refused for good.) The servers'
    code is loaded first, so that only the opening's own objects are made
    in the cut heap (the names a POST interns are left to it: interned
    ahead when they fit, portal._intern_ahead)."""
    import gc
    from wifiprov import dns, http, http_conn, listen, radio, tcp  # noqa: F401 (loaded before the cut)

    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    service.hostname = "wifiprov-89ab"
    pieces = [None] * 256
    crumbs = [None]
    start_ap = radio.start_ap

    def cutting(*args):
        address = start_ap(*args)
        gc.collect()
        made = 0
        try:
            for made in range(len(pieces)):  # pieces of 900 bytes, one after the other, until none fits
                pieces[made] = bytearray(900)
        except MemoryError:
            pass
        try:
            while True:  # then what is left, in the smallest objects, each holding the last
                crumbs[0] = (crumbs[0],)
        except MemoryError:
            pass
        for i in range(1, made - 1, 2):  # every other piece freed: holes of 900 bytes and a few
            pieces[i] = None
        gc.collect()
        try:
            bytearray(http_conn.BUFFER)
            print("cut: a 1 KB piece is left")
        except MemoryError:
            pass
        return address

    radio.start_ap = cutting
    await portal.open(service)
    spare = listen._spare
    print("cut: provisioning %s, servers listening: %d, their buffer: %s" % (
        "open" if service.enabled else "closed", listen._listening, spare and len(spare)))
    try:  # (a spare of another size than a server's buffer would never be lent)
        print("  lent to a connection:", listen.lend(http_conn.BUFFER) is spare, tcp.MAX_MESSAGE == http_conn.BUFFER)
    except MemoryError:
        print("  lent to a connection: no room for one")
    pieces = crumbs = None
    radio.start_ap = start_ap
    await portal.close(service)


asyncio.run(cut_case())
