# Runs under MicroPython as the simulated board's program (tools/sim.py
# --main), for tools/bench.py: the firmware as main.py runs it, plus one
# task that measures the heap. HEAPPROBE in the environment says what:
#   peak   the largest heap in use, sampled all through the run (a collect,
#          then gc.mem_alloc(), at every turn of the scheduler); prints
#          "HEAPPROBE peak <bytes> <the package's modules loaded>" each time
#          it grows, with the qstr pool's figures (micropython.qstr_info():
#          names interned, never freed)
#   held   what stays in use once the station joined and the provisioning
#          servers are down: "HEAPPROBE held <bytes>"
#   empty  what an empty program and the simulator's shims hold, the
#          baseline that `held` is compared with: "HEAPPROBE empty <bytes>"
#   floor  the code a board cannot do without once joined, imported and
#          nothing made: asyncio, the main task with the console's watch and
#          Ctrl-C (wifiprov.app, with core and recovery), the link watcher
#          (wifiprov.wifi) and the app API (wifiprov.api): "HEAPPROBE floor"
#   resident  the floor and the rest of what stays loaded once joined (the
#          provisioning service, the status page's server): "HEAPPROBE
#          resident <bytes>". As .mpy, code is in the heap: these two say
#          how far below `held` any design can go.
#   code   the package's modules named in HEAPPROBE_MODULES (those a peak
#          line listed), imported and nothing made: "HEAPPROBE code <bytes>".
#          With the names interned up to that peak, the least a flow's
#          busiest moment can take at this loading grain.
import gc
import os
import sys
import micropython

# MicroPython puts this script's folder first on the path, and tools/ has a
# wifiprov.py (the laptop client) that would shadow the package.
sys.path = [p for p in sys.path if not p.endswith("tools")]

import machine  # noqa: F401  the simulator's shims, held in every mode
import network

MODE = os.getenv("HEAPPROBE") or "peak"


def in_use():
    gc.collect()
    return gc.mem_alloc()


if MODE == "empty":
    print("HEAPPROBE empty %d" % in_use())
elif MODE in ("floor", "resident"):
    import asyncio  # noqa: F401
    import wifiprov.app
    import wifiprov.api  # noqa: F401
    import wifiprov.wifi  # noqa: F401

    if MODE == "resident":
        import wifiprov.service  # noqa: F401
        import wifiprov.status_server  # noqa: F401
    wifiprov.core.release(["wifiprov.settings"])  # as the boot does (core.settle): its names stay
    micropython.qstr_info()  # first: the HEAPPROBE line is the last the bench waits for
    print("HEAPPROBE %s %d" % (MODE, in_use()))
elif MODE == "code":
    import asyncio  # noqa: F401
    import wifiprov.core

    wanted = os.getenv("HEAPPROBE_MODULES").split()
    for name in wanted:
        __import__(name)
    # What an import brought beside them was not loaded at the peak.
    wifiprov.core.release([name for name in sys.modules if name.startswith("wifiprov.") and name not in wanted])
    micropython.qstr_info()
    print("HEAPPROBE code %d" % in_use())
else:
    import asyncio
    import wifiprov.app

    async def peak():
        top = 0
        turns = 0
        while True:
            used = in_use()
            turns += 1
            if used > top:
                top = used
                # which of the package's modules are loaded: the code at the peak
                print("HEAPPROBE peak %d %s" % (top, " ".join(name for name in sys.modules if name.startswith("wifiprov"))))
            if used == top or not turns % 100:  # the pool only grows: now and then is enough
                micropython.qstr_info()
            await asyncio.sleep_ms(2)

    async def held():
        sta = network.WLAN(network.STA_IF)
        ap = network.WLAN(network.AP_IF)
        while not sta.isconnected() or ap.active():
            await asyncio.sleep_ms(50)
        await asyncio.sleep_ms(1500)  # the join's events and jobs are over
        micropython.qstr_info()  # the names interned on the way, held for good (before the line the bench waits for)
        print("HEAPPROBE held %d" % in_use())

    async def both():
        asyncio.create_task(peak() if MODE == "peak" else held())
        await wifiprov.app.main()

    try:
        asyncio.run(both())
    except KeyboardInterrupt:
        pass
