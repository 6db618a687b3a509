# Runs under MicroPython, with the simulator's radio (argv[1], firmware/unix)
# and a flash folder (argv[2]): a network tried before it is saved joins,
# and the heap runs out right after the save: in the radio's module (the
# AP's channel, for a line of news), or in the report of where the board
# went. The join must stand: the answer says joined (not "nothing was
# saved"), the new config is the active one and on the flash, and the
# station stays on the new network instead of going back to the old one.
import os
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov import store, trial, trial_end
from wifiprov.service import Provisioning
from wifiprov.startup import defaults
from wifiprov.wifi import Wifi

path = sys.argv[2] + "/wifiprov.json"
real_job, real_say = trial_end.job, trial_end.say  # the try's end: the save, the report
full = None  # where the heap is full: "radio" or "report"


store_tries = 0


def job(module, name, *args):
    global store_tries
    if full == "radio" and module == "radio":
        raise MemoryError("memory allocation failed, allocating 184 bytes")
    if module == "store":
        store_tries += 1
        if full == "store" or (full == "store once" and store_tries == 1):
            raise MemoryError("memory allocation failed, allocating 259 bytes")
    return real_job(module, name, *args)


def say(text):
    if full == "report" and text.startswith("station: joined"):
        raise MemoryError("memory allocation failed, allocating 112 bytes")
    real_say(text)


trial_end.job, trial_end.say = job, say


async def case(where):
    global full, store_tries
    full = where
    store_tries = 0
    store.erase(path)
    old = defaults("0123456789ab")
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    wifi.disconnect()
    service = Provisioning(path, wifi, old)
    service.hostname = "wifiprov-89ab"
    supervisor = asyncio.create_task(wifi.run())
    new = dict(old, mode=0, STA={"SSID": "HomeNet", "PWD": "correct-horse-42", "auth": 4, "ch": 0, "auto": 1})
    service.attempt = {"ssid": "HomeNet", "auth": 4, "state": "trying", "answer": None,
                       "config": new, "app_only": False}
    await asyncio.wait_for_ms(trial.run(service), 20000)
    answer = service.attempt["answer"]
    print("full heap in the %s:" % where, service.attempt["state"], answer["ok"], "error" not in answer,
          answer.get("url"))
    print("  active config is the new one:", service.config is new)
    print("  station stays on it:", wifi.target is new["STA"], wifi.state)
    if full.startswith("store"):
        print("  the save tried %d times; the answer: saved %s, %s" % (
            store_tries, answer["saved"], answer["next"].split("; ")[1][:9]))
    saved = store.load(path, print)[0]  # None: no file
    print("  saved:", saved["STA"]["SSID"] if saved else "nothing")
    supervisor.cancel()


asyncio.run(case("radio"))
asyncio.run(case("report"))
# A full heap at the save: tried again after a pause (a page being polled
# frees its share), and given up only after six tries, the join standing.
asyncio.run(case("store once"))
asyncio.run(case("store"))
