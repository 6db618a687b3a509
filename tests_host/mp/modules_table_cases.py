# Runs under MicroPython: when provisioning opens, wifiprov.portal grows the
# table of loaded modules (sys.modules) with keys no module has, and takes
# them out again at once: no key is left behind, nothing loaded is lost, and
# imports go on as before.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
from wifiprov import portal

before = sorted(sys.modules)
portal._grow_modules_table()
after = sorted(sys.modules)
print("the same modules after:", before == after)
# portal's spare keys are the 16 hex digits (a private constant: no attribute)
print("spare keys left:", [key for key in "0123456789abcdef" if key in sys.modules])
import wifiprov.text  # noqa: E402,F401  (an import after it)

print("an import after it:", "wifiprov.text" in sys.modules)
# A table that is already that big is left as it is.
for key in ("x%d" % i for i in range(30)):
    sys.modules[key] = None
crowded = len(sys.modules)
portal._grow_modules_table()
print("a crowded table keeps its modules:", crowded == len(sys.modules))
