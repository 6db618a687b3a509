# Runs under MicroPython: the number of names in the table of globals of
# each module named after the first argument (those a web request or a
# provisioning message loads and drops; docs/internals.md, RAM).
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
for name in sys.argv[2:]:
    module = __import__("wifiprov." + name, None, None, ("x",))
    print(name, len(module.__dict__))
