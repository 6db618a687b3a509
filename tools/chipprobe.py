# The heap probe on the emulated chip (tools/chipbench.py deploys it as the
# board's app.py; it never goes onto a real board): a maker's program beside
# wifiprov's services that measures what is in use, gc.mem_alloc() after a
# collect, every 50 ms. It prints
#   HEAPPROBE peak <bytes>          each time the largest figure so far grows
#   HEAPPROBE rest <ap|sta> <bytes>  once the AP is up (ap), or the station is
#                                    joined with the AP down (sta), and has
#                                    stayed so for 2 s
import gc
import time
import asyncio
import network

_SAMPLE_MS = 50
_SETTLED_MS = 2000


def in_use():
    gc.collect()
    return gc.mem_alloc()


async def main():
    sta = network.WLAN(network.STA_IF)
    ap = network.WLAN(network.AP_IF)
    top = 0
    state, since, told = None, time.ticks_ms(), None
    while True:
        used = in_use()
        if used > top:
            top = used
            print("HEAPPROBE peak %d" % top)
        now = "ap" if ap.active() else ("sta" if sta.isconnected() else None)
        if now != state:
            state, since = now, time.ticks_ms()
        elif state and told != state and time.ticks_diff(time.ticks_ms(), since) >= _SETTLED_MS:
            told = state
            print("HEAPPROBE rest %s %d" % (state, used))
        await asyncio.sleep_ms(_SAMPLE_MS)
