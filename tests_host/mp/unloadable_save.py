# Runs under MicroPython: store.save() is given documents the next boot's
# loader would refuse (a lone surrogate in an app setting, a bad field);
# none may reach the flash. Prints one line per case, then the file's bytes.
# And which jobs a save runs (core.job, which store calls, observed, not
# replaced): a file
# this release writes is checked as the next boot reads it, without the
# strict reader's module; a live file written by hand (no stamp) is read
# strictly, as the boot would, to tell whether it becomes the backup.
import os
import sys

from jobs import observe
from wifiprov import core, store

path = sys.argv[1] + "/wifiprov.json"
ran = observe(core)
good = {"mode": 1, "save_config": 1, "countrycode": "GEN",
        "AP": {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}}
with open(path, "w") as f:  # written by hand: no stamp, no checksum
    f.write('{"mode": 1, "AP": {"SSID": "by-hand", "PWD": "k7f3m9q2x8vd"}}')
for config in (dict(good, countrycode="EMEA"), good):
    del ran[:]
    store.save(path, config)
    print("saved, jobs:", ",".join(ran), sorted(os.listdir(sys.argv[1])))
os.remove(path + ".bak")
for bad in (dict(good, app={"note": "\ud800"}), dict(good, AP=dict(good["AP"], SSID="\udfff"))):
    try:
        store.save(path, bad)
        print("saved")
    except OSError as e:
        print("refused:", e)
print(sorted(os.listdir(sys.argv[1])))
