# Runs under MicroPython: reads cases (JSON lines: {"msg", "current"}) from the
# file named in argv[1], runs the firmware's one validation function on each,
# and prints one JSON line per case: {"ok": new config} or {"error": text}.
import sys
import json
from wifiprov import validation
from wifiprov.core import ConfigError

with open(sys.argv[1]) as f:
    for line in f:
        case = json.loads(line)
        try:
            print(json.dumps({"ok": validation.validate(case["msg"], case["current"])}))
        except ConfigError as e:
            print(json.dumps({"error": str(e)}))
