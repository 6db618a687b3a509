# Runs under MicroPython: the Wi-Fi supervisor meets a full heap in a join
# (make test's fuzz pass under load: a MemoryError in sta.connect printed a
# traceback). A full heap is no bug: one line says so, the supervisor tries
# again, and the station joins.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov.core import until
from wifiprov.wifi import Wifi

real = network.WLAN(network.STA_IF)


class FullHeapOnce:
    """The station, whose first connect() finds the heap full."""

    def __init__(self):
        self.full = True

    def connect(self, *args):
        if self.full:
            self.full = False
            raise MemoryError("memory allocation failed, allocating 272 bytes")
        return real.connect(*args)

    def __getattr__(self, name):
        return getattr(real, name)


async def main():
    real.active(True)
    wifi = Wifi(network, FullHeapOnce(), network.WLAN(network.AP_IF))
    wifi.on_event = lambda event, data: print("EVENT", event) if event == "DHCP_DONE" else None
    wifi.connect({"SSID": "HomeNet", "PWD": "correct-horse-42", "auth": 4, "ch": 0, "auto": 1})
    task = asyncio.create_task(wifi.run())
    try:
        await asyncio.wait_for_ms(until(wifi, "ip"), 20000)
        print("joined")
    except asyncio.TimeoutError:
        print("not joined")
    task.cancel()


asyncio.run(main())
