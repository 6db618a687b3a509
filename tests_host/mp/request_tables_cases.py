# Runs under MicroPython: the number of globals of each module a web request
# or a provisioning message loads and drops. A module's table of globals grows in steps (12, 17, 23
# slots; 8 bytes a slot on a 32-bit board), each step a block of its own,
# made while the join page is polled and a network's try has cut the heap up.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
for name in ("http_read", "web", "web_form", "web_page", "web_join", "web_render", "radio", "rules"):
    module = __import__("wifiprov." + name, None, None, ("x",))
    print(name, len(module.__dict__))
