# wifiprov: Wi-Fi provisioning for MicroPython boards. The version is kept
# here only; tools read it from this line.
__version__ = "0.1.0"

# Names of the config's numbers, for messages (config) and listings (cli).
AUTH_NAMES = {1: "open", 2: "WEP", 3: "WPA/WPA2", 4: "WPA2", 5: "WPA2/WPA3", 6: "WPA3"}
MODE_NAMES = ("STA", "AP")


def use(name):
    """Import a submodule for one job; unload(name) when the job is done.
    Collects first, at the caller's shallow stack: a collect forced deep
    inside the import would leave alive what stale stack pointers pin, and
    the import then fails on a heap that is mostly garbage."""
    import gc
    import sys

    gc.collect()
    full = "wifiprov." + name
    __import__(full)
    return sys.modules[full]


def unload(name):
    """Forget a submodule imported for one job (boot, an apply, a console
    command) so the GC can reclaim its code: deployed as .mpy, code lives in
    the heap, and a board's heap is the scarcest thing it has. Names a module
    interned stay, and are reused when it is imported again.

    It collects at once: called where the stack is shallow, the collect
    frees what a collect forced deep inside the next import would not (stale
    pointers on the stack keep old code alive), and the next job has room."""
    import gc
    import sys

    sys.modules.pop("wifiprov." + name, None)
    try:
        delattr(sys.modules["wifiprov"], name)
    except (AttributeError, KeyError):
        pass
    gc.collect()
