# Runs under MicroPython: store.save() is given documents the next boot's
# loader would refuse (a lone surrogate in an app setting, a bad field);
# none may reach the flash. Prints one line per case, then the file's bytes.
import os
import sys

from wifiprov import store

path = sys.argv[1] + "/wifiprov.json"
good = {"mode": 1, "save_config": 1, "countrycode": "GEN",
        "AP": {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}}
store.save(path, good)
for bad in (dict(good, app={"note": "\ud800"}), dict(good, AP=dict(good["AP"], SSID="\udfff"))):
    try:
        store.save(path, bad)
        print("saved")
    except OSError as e:
        print("refused:", e)
print(sorted(os.listdir(sys.argv[1])))
