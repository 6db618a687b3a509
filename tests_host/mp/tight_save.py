# Runs under MicroPython: store.save() on a heap with one free region of N
# bytes (argv[2]) and the rest filled, as a long provisioning leaves it.
# Prints "saved" or "MemoryError", then the file's bytes as the loader reads them.
import gc
import sys

from wifiprov import store, strict_json  # (held: its code is not what is measured)

path = sys.argv[1] + "/wifiprov.json"
room = int(sys.argv[2])
config = {"mode": 0, "save_config": 1, "countrycode": "GEN",
          "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "correct horse battery", "ch": 0, "auto": 1},
          "AP": {"SSID": "wifiprov-1A2B", "auth": 4, "PWD": "k7f3m9q2x8vd", "ch": 1, "ssidv": 1}}


def fill(room):
    """Hold every free block but one region of `room` bytes."""
    gc.collect()
    region = bytearray(room)  # made first, so that the filling goes around it
    held = [None] * 200
    i = 0
    size = 65536
    while i < len(held) and size >= 16:
        try:
            held[i] = bytearray(size)
            i += 1
        except MemoryError:
            size //= 2
    region = None
    gc.collect()
    return held


held = fill(room)
try:
    store.save(path, config)
    print("saved")
except MemoryError:
    print("MemoryError")
held = None
gc.collect()
print(store.load(path, print)[0] == config)
