# Runs under MicroPython: which files the boot takes without the config's
# rules. A file this release wrote, unchanged, skips them; one stamped by
# another release, or changed since it was written, gets the whole check.
# Each case prints the jobs the load ran (core.job, which store calls,
# observed, not replaced) and what it loaded.
import json
import sys

from jobs import observe
from wifiprov import core, store, validation

root = sys.argv[1]
path = root + "/wifiprov.json"
ran = observe(core)
sta = {"ch": 0, "auto": 1, "auth": 4, "SSID": "HomeNet", "PWD": "correct horse"}
ap = {"ch": 6, "ssidv": 0, "auth": 3, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}
message = {"mode": 0, "countrycode": "EMEA", "STA": sta, "AP": ap}
config = validation.validate(message, {})
reports = []


def case(label):
    del ran[:], reports[:]
    loaded, source = store.load(path, reports.append)
    same = loaded == validation.validate(loaded, {}, True) if loaded else None
    print(label, ",".join(ran) or "-", source and source[len(root):], same, loaded == config, reports)


def rewrite(edit):
    """The live file as edit(document) makes it, with its checksum made right."""
    with open(path) as f:
        doc = json.load(f)
    edit(doc)
    del doc["crc"]
    doc["crc"] = "%08x" % store._crc(doc)
    with open(path, "w") as f:
        f.write(json.dumps(doc))


store.save(path, config)
case("written")
rewrite(lambda doc: doc.update(by="wifiprov 0.0.1"))
case("other release")
rewrite(lambda doc: doc.pop("by"))
case("no stamp")
rewrite(lambda doc: doc["STA"].update(ch=99))
case("stamp gone, bad field")
store.erase(path)
store.save(path, config)
with open(path) as f:
    text = f.read()
with open(path, "w") as f:
    f.write(text.replace("HomeNet", "HomeNed"))
case("edited")
# Stamped by this release, nested deeper than a written file ever is: the
# built-in reader's stack or the checksum's recursion gives out, and the
# strict reading refuses it, as it did before the stamp.
store.erase(path)
with open(path, "w") as f:
    f.write('{"by": "wifiprov %s", "version": 1, "crc": "0", "x": %s%s}' % (core.__version__, "[" * 1900, "]" * 1900))
case("deep")

# Written files damaged at random (a byte changed, dropped or added; the
# seed is fixed): none may stop the load, and whatever loads passes the
# rules unchanged.
import random

random.seed(23)
store.erase(path)
store.save(path, config)
with open(path, "rb") as f:
    good = f.read()
tally = {"stamp": 0, "rules": 0, "skipped": 0}
for _ in range(300):
    data = good
    for _ in range(1 + random.getrandbits(2)):
        at = random.getrandbits(12) % len(data)
        how = random.getrandbits(2)
        byte = bytes([random.getrandbits(8)])
        if how == 0:
            data = data[:at] + data[at + 1:]
        elif how == 1:
            data = data[:at] + byte + data[at:]
        else:
            data = data[:at] + byte + data[at + 1:]
    with open(path, "wb") as f:
        f.write(data)
    del ran[:]
    loaded = store.load(path, lambda text: None)[0]
    if loaded is None:
        tally["skipped"] += 1
        continue
    tally["rules" if "validation" in ran else "stamp"] += 1
    assert loaded == validation.validate(loaded, {}, True), data
print("damaged stamp=%d rules=%d skipped=%d" % (tally["stamp"], tally["rules"], tally["skipped"]))
