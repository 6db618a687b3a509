# wifiprov: Wi-Fi provisioning for MicroPython boards. The version is kept
# here only; tools read it from this line.
__version__ = "0.1.0"

import asyncio

# Names of the config's numbers, for messages (config) and listings (cli).
AUTH_NAMES = {1: "open", 2: "WEP", 3: "WPA/WPA2", 4: "WPA2", 5: "WPA2/WPA3", 6: "WPA3"}
MODE_NAMES = ("STA", "AP")


class ConfigError(ValueError):
    """A user's mistake in a config document; the text names field and rule."""


def check_int(value, name, lo, hi, what):
    """value as an integer in lo..hi, or ConfigError naming the field. Here,
    not in config or rules, because both validation phases need it."""
    # bool is an int in Python; a JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("%s: must be an integer %s, not %s" % (name, what, kind_of(value)))
    if not lo <= value <= hi:
        raise ConfigError("%s: must be %s" % (name, what))
    return value


def kind_of(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return "a list or object"
    return "a number with a fraction" if isinstance(value, float) else "a number"


# On-demand modules in use now -> how many jobs use each: one unloads it only
# when it is the last (two web requests may share one module).
_users = {}


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
    _users[name] = _users.get(name, 0) + 1
    return sys.modules[full]


def call(name, function, *args):
    """Run one function of an on-demand module: import it (see use), call
    it, and unload it again, also when the call raises. Jobs nested inside
    the call load and unload their own modules the same way."""
    module = use(name)
    try:
        return getattr(module, function)(*args)
    finally:
        del module  # our reference too, or the collect in unload keeps it
        unload(name)


async def acall(name, function, *args):
    """call() for a coroutine function: the module stays loaded until it
    returns, and while other jobs use it."""
    module = use(name)
    try:
        return await getattr(module, function)(*args)
    finally:
        del module
        unload(name)


def unload(name):
    """Forget a submodule imported for one job (boot, an apply, a console
    command) once no job uses it, so the GC can reclaim its code: deployed
    as .mpy, code lives in the heap, and a board's heap is the scarcest
    thing it has. Names a module interned stay, and are reused when it is
    imported again.

    It collects at once: called where the stack is shallow, the collect
    frees what a collect forced deep inside the next import would not (stale
    pointers on the stack keep old code alive), and the next job has room."""
    import gc
    import sys

    left = _users.pop(name, 1) - 1
    if left > 0:
        _users[name] = left
        return
    package = sys.modules["wifiprov"]
    for full in list(sys.modules):
        # The module, and what it imported for itself that no job uses now.
        short = full[9:]
        if full[:9] == "wifiprov." and (short == name or _resident and full not in _resident and short not in _users):
            del sys.modules[full]
            try:
                delattr(package, short)
            except AttributeError:
                pass
    gc.collect()


async def close_listener(server, tasks):
    """Stop a server's listening socket, then end its connections' tasks
    (each handler closes its own socket as it ends)."""
    server.close()
    await server.wait_closed()
    for task in tasks:
        task.cancel()


def make_room(connections, cap):
    """A server at its cap of connections drops the one best dropped, so
    that clients that trickle bytes and reconnect cannot keep a real one
    out: each connection object says whether it may be dropped now
    (droppable()) and whether it is a better one to drop than another
    (drop_before(other)). False when none may go: the new one is refused."""
    if len(connections) < cap:
        return True
    victim = None
    for c in connections:
        if c.droppable() and (victim is None or c.drop_before(victim)):
            victim = c
    if victim is None:
        return False
    connections.remove(victim)
    victim.task.cancel()
    return True


async def linger(stream, buf, ms=300):
    """Before closing on a client that may still be sending: take its input
    for a moment (at most 16 buffers). Closing a socket with unread input
    resets the connection, and the client would lose the answer it was just
    sent (an error that says why it is closed)."""
    import time

    end = time.ticks_add(time.ticks_ms(), ms)
    taken = 0
    while taken < 16 * len(buf):
        left = time.ticks_diff(end, time.ticks_ms())
        if left <= 0:
            return
        try:
            n = await asyncio.wait_for_ms(stream.readinto(buf), left)
        except (asyncio.TimeoutError, OSError):
            return
        if n == 0:
            return
        taken += n or 0


_resident = None  # the modules that stay: settle() lists them


def settle():
    """Called once, before any job: the modules imported now (the resident
    ones app imports) stay; a module imported later, by a job or by what a
    job imported, is dropped with the job (see unload)."""
    import sys

    global _resident
    _resident = tuple(full for full in sys.modules if full[:9] == "wifiprov.")
