# Runs under MicroPython: store.save() on a heap whose free room is holes of
# N bytes (argv[2]) between held blocks, as a long provisioning cuts it up,
# for a config whose file is larger than any hole (the app's settings). The
# free room is several times the file. Prints the file's size against the
# hole's, "saved" or "MemoryError", then whether the loader reads it back.
import gc
import sys

from wifiprov import store, utf8  # noqa: F401 (held: their code is not what is measured)

path = sys.argv[1] + "/wifiprov.json"
hole = int(sys.argv[2])
config = {"mode": 0, "save_config": 1, "countrycode": "GEN",
          "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "correct horse battery", "ch": 0, "auto": 1},
          "AP": {"SSID": "wifiprov-1A2B", "auth": 4, "PWD": "k7f3m9q2x8vd", "ch": 1, "ssidv": 1},
          "app": {"broker": "mqtt.example.org", "topic": "home/garden/greenhouse/soil-moisture/north-bed",
                  "note": "the pump runs at dawn and at dusk, never when the tank is below a quarter",
                  "owner": "greenhouse controller, second floor, south window"}}
size = sum(len(piece) for piece in store.serialize(config))


def cut_up(hole):
    """Hold every free block, then let go of every other block of `hole`
    bytes: the free room is holes of about that size, none larger."""
    gc.collect()
    held = [None] * 2000
    rest = [None] * 64  # (made now: there is no room once the heap is full)
    n = 0
    while n < len(held):
        try:
            held[n] = bytearray(hole)
            n += 1
        except MemoryError:
            break
    k = 0
    step = hole
    while step >= 16 and k < len(rest):  # what is left after the last whole hole is held too
        try:
            rest[k] = bytearray(step)
            k += 1
        except MemoryError:
            step //= 2
    i = 0
    while i < n:  # (no range object: the heap is full here)
        held[i] = None
        i += 2
    gc.collect()
    return held, rest


print("file larger than a hole:", size > hole)
kept = cut_up(hole)
print("free room over 4 files:", gc.mem_free() > 4 * size)
try:
    store.save(path, config)
    print("saved")
except MemoryError:
    print("MemoryError")
kept = None
gc.collect()
print(store.load(path, print)[0] == config)
