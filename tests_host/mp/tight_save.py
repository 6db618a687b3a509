# Runs under MicroPython: store.save() on a heap cut up as a long
# provisioning leaves it, argv[2] saying how:
#   region N  one free region of N bytes, the rest filled;
#   holes N   free room only in holes of N bytes between held blocks, for a
#             config whose file (the app's settings) is larger than a hole,
#             and several times the file free in all.
# Prints what the heap was made ("holes": whether the file is larger than a
# hole, whether the free room is over 4 files), "saved" or "MemoryError",
# then whether the loader reads the file back as the config.
import gc
import sys

from wifiprov import store, strict_json, utf8  # noqa: F401 (held: their code is not what is measured)

path = sys.argv[1] + "/wifiprov.json"
how, room = sys.argv[2], int(sys.argv[3])
config = {"mode": 0, "save_config": 1, "countrycode": "GEN",
          "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "correct horse battery", "ch": 0, "auto": 1},
          "AP": {"SSID": "wifiprov-1A2B", "auth": 4, "PWD": "k7f3m9q2x8vd", "ch": 1, "ssidv": 1}}
if how == "holes":
    config["app"] = {"broker": "mqtt.example.org", "topic": "home/garden/greenhouse/soil-moisture/north-bed",
                     "note": "the pump runs at dawn and at dusk, never when the tank is below a quarter",
                     "owner": "greenhouse controller, second floor, south window"}


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


if how == "holes":
    size = sum(len(piece) for piece in store.serialize(config))
    print("file larger than a hole:", size > room)
    held = cut_up(room)
    print("free room over 4 files:", gc.mem_free() > 4 * size)
else:
    held = fill(room)
try:
    store.save(path, config)
    print("saved")
except MemoryError:
    print("MemoryError")
held = None
gc.collect()
print(store.load(path, print)[0] == config)
