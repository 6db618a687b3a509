# Runs under MicroPython: the boot's load of a good config file on a heap
# too full to read it (an app.py that took most of it at its import). The
# file must stay as it is, byte for byte; the boot goes on with first-boot
# defaults it never saves, and says why. Then, with room again, the same
# file loads. Prints one line per step.
import gc
import os
import sys

from wifiprov import startup, store

root = sys.argv[1]
path = root + "/wifiprov.json"
good = {"mode": 0, "save_config": 1, "countrycode": "GEN",
        "STA": {"ch": 0, "auto": 1, "auth": 4, "SSID": "HomeNet", "PWD": "correct horse"},
        "AP": {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}}
store.save(path, good)
with open(path, "rb") as f:
    before = f.read()
names = sorted(os.listdir(root))

# Fill the heap, then free about 2 KB: room for the message and the defaults,
# none for the modules (as .mpy, in the heap) and the document the load needs.
# The holes too small for a filler are filled too, with the least objects
# (a block each): else what they hold, which differs with the heap's size,
# would be room the load might find. Every filler has a slot in one list,
# made first, so that the list never grows, and letting go of it lets go of
# them all (a chain of them stayed when a stale pointer to its head did).
gc.collect()
filler = [None] * 1024
big = n = last = 0  # every global made now: a new one later grows the globals table
for size in (240, 0):
    try:
        while n < len(filler):
            filler[n] = bytearray(size) if size else (n,)
            n += 1
            big += 1 if size else 0
    except MemoryError:
        pass
last = big - 8  # the last 8 of the 240-byte fillers go (the heap is full: nothing here may allocate)
while big > last:
    big -= 1
    filler[big] = None
gc.collect()
config, problem = startup.load(path, "e6614104a1a2b")
filler = None
gc.collect()
print("booted on:", config["mode"], config["AP"]["SSID"], "STA" in config)
print("problem:", problem)
with open(path, "rb") as f:
    print("file kept:", f.read() == before, sorted(os.listdir(root)) == names)
config, problem = startup.load(path, "e6614104a1a2b")
print("with room:", config["STA"]["SSID"], problem)
