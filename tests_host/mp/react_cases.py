# Runs under MicroPython, with the simulator's radio (argv[1], firmware/unix)
# and a flash folder (argv[2]): what an applied config does next (an
# action: the AP's new settings, a try, the restart) meets a full heap.
# Found by the fuzzer at a 106-108K heap: the AP's new settings were saved,
# then the import of wifiprov.portal for the reopen failed, a traceback was
# printed, and the AP kept its old settings until the next reset. The
# action runs again a second later; only after ten full heaps in a row is
# it given up, with the traceback. The full heap is played by the job
# runner failing `times` times; the pause is cut to a millisecond.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov import service as service_module
from wifiprov.core import trying
from wifiprov.service import Provisioning
from wifiprov.startup import defaults
from wifiprov.wifi import Wifi

real_job_async, real_sleep_ms = service_module.job_async, asyncio.sleep_ms
calls = []
full = 0  # how many jobs in a row find the heap full


async def job_async(module, name, *args):
    global full
    calls.append(name)
    if full:
        full -= 1
        raise MemoryError("memory allocation failed, allocating 485 bytes")
    return await real_job_async(module, name, *args)


def sleep_ms(ms):
    return real_sleep_ms(1)


service_module.job_async = job_async
asyncio.sleep_ms = sleep_ms


async def case(times):
    global full
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    wifi.connect({"SSID": "HomeNet", "PWD": "correct-horse-42", "auth": 4, "ch": 0, "auto": 1})
    del calls[:]
    full = times
    await service.react(("outcome", "stay_idle"))
    print("full %d times: ran %d times, the station %s" % (
        times, len(calls), "idle" if wifi.target is None else "still joining"))


async def try_case(times):
    """An apply's try (wifiprov.trial, service.act) whose code finds no
    room each time: the try's waiters get its failure, and the next request
    is not told "busy" for ever (found at a 96K heap, a page's try stuck at
    "Connecting" with every later request refused)."""
    global full
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(sys.argv[2] + "/wifiprov.json", wifi, defaults("0123456789ab"))
    service.attempt = {"ssid": "HomeNet", "auth": 4, "state": "trying", "answer": None, "config": None,
                       "app_only": False}  # as wifiprov.provision makes it
    service.busy = True
    del calls[:]
    full = times
    waiter = asyncio.create_task(service.settle({"ok": True, "trying": True}))  # the client's wait
    await service.act(("trial", "run"))
    answer = await waiter
    print("try full %d times: ran %d times, %s, busy %s, still trying %s, the answer: %s" % (
        times, len(calls), service.attempt["state"], service.busy, trying(service) is not None, answer))


asyncio.run(case(0))
asyncio.run(case(2))
asyncio.run(case(10))
asyncio.run(try_case(10))
