# What every wifiprov module shares, and the one module they all import:
# it imports nothing of the package's (only the leaves text and
# strict_json, for a job), so imports run one way, down to here. It stays
# loaded: the classes in it cross modules that are dropped and loaded
# again (a class made anew by a reload is another class, and isinstance()
# would fail). The version is kept here only; tools read it from this line.
__version__ = "0.1.0"

import asyncio

class ConfigError(ValueError):
    """A user's mistake in a config document; the text names field and rule."""


class HttpError(Exception):
    """A request the web server will not read further: args (status, text)."""


async def until(obj, flag, ms=-1, step_ms=200, clear=False):
    """Wait until obj.<flag> is true, at most ms (-1: no limit): True when
    it is, and then set back to False when `clear` (a wake-up that this
    wait consumes). The flag is looked at every step_ms. wifiprov's waits are flags,
    not asyncio Events: an Event holds 128 bytes for as long as its owner
    lives, and the first one loads asyncio's event module for good (0.7 KB
    frozen); asyncio.wait_for would make a task for each wait and keep
    asyncio's funcs module loaded too. A wait here ends up to step_ms late,
    which no one of them minds (a join, a client's Done, a try's end)."""
    import time  # in sys.modules: one lookup per wait, and a name less in this module's table

    end = time.ticks_add(time.ticks_ms(), ms)
    while not getattr(obj, flag):
        left = time.ticks_diff(end, time.ticks_ms()) if ms >= 0 else step_ms
        if left <= 0:
            return False
        await asyncio.sleep_ms(min(left, step_ms))
    if clear:
        setattr(obj, flag, False)
    return True


def readable(stream):
    """Wait until a socket or the console has bytes to read (await
    readable(sock)). MicroPython's asyncio has no API for a listening
    socket, a datagram socket or a wait without a read: this waits as its
    streams do, on its I/O queue."""
    yield asyncio.core._io_queue.queue_read(stream)


def say(text):
    """Print one console line. The outside text a line may carry (an SSID
    from a message or a scan, a hostname, an app's value) may hold control
    characters: they are shown as \\xNN (wifiprov.text.printable), never
    sent to the owner's terminal, which would act on them (an ESC[6n makes
    it type its answer into the console)."""
    for b in text.encode():
        if b < 0x20 or b == 0x7F or b == 0xC2:  # 0xC2: maybe a C1 control; printable decides
            text = job("text", "printable", text)
            break
    print(text)


# The wifiprov modules that stay loaded: the resident ones (settle) and,
# while provisioning is open, the servers' (hold). Any other module is
# on-demand: imported by a job (job(), job_async()), dropped when the job
# returns.
_kept = set()
_jobs = 0  # on-demand jobs running now
# How jobs load and drop, as bits of one global (the resident table is at
# its size step; and so, no `from micropython import const`, whose name
# would be one more global: MicroPython's compiler knows const() without it):
_FROM_FILES = const(1)  # the package is loaded from files (see below)
_SWEEP = const(2)  # what jobs loaded is to be dropped by the next job that ends alone
_CACHING = const(4)  # what jobs load stays loaded (cache_jobs)
# cache_jobs' free heap, when provisioning opens, for every module a
# request may load (the .mpy ones 80 KB on a 32-bit board, 111 KB on the
# 64-bit unix port; frozen, their tables and functions, 11 KB on 32-bit),
# with the room a request itself needs beside them.
_CACHE_FREE_FILES = const(163840)
_CACHE_FREE_FROZEN = const(49152)

# Loaded from files, a module's code lives in the heap, and a job collects
# before it imports and after it drops what it imported (_start, release).
# Frozen, the code stays in flash and an import allocates little: a collect
# would only cost time (a web request runs about ten jobs), and the
# allocator collects by itself when it needs the room. Frozen into the
# firmware, a module has no file.
try:
    __import__("os").stat(__file__)  # (no `os` among the resident names)
    _flags = _FROM_FILES
except OSError:
    _flags = 0


def loaded():
    import sys

    return [name for name in sys.modules if name.startswith("wifiprov.")]  # (a slice would allocate)


def _start():
    """Before a job: collect at the caller's shallow stack (a collect forced
    deep inside an import leaves alive what stale stack pointers pin, and
    the import then fails on a heap that is mostly garbage), and note what
    is loaded (None while caching: nothing is dropped after it)."""
    global _jobs
    if _flags & _CACHING:
        _jobs += 1
        return None
    if _flags & _FROM_FILES:
        import gc

        gc.collect()
    before = loaded()  # looked up once per module when the job ends (a list: a set would cost its hashing per job)
    _jobs += 1  # (after the list: a MemoryError making it counts no job that never ends)
    return before


def since(before):
    """The modules imported since loaded() returned `before` that do not stay."""
    return [name for name in loaded() if name not in before and name not in _kept]


def _end(before):
    """After a job: drop what was imported since it began, except what
    stays. A job running at the same time may still use such a module: it
    holds it by its own reference, and imports it again if it asks anew.
    The job has done its work by now (a save, say): a full heap must not
    turn it into a failure, so a MemoryError here is met with a collect (the
    job's own garbage is free now) and one more try; and if even that
    fails, the modules are not kept for good (they would hold the heap, and
    every later request would meet a full one): the next job to end with
    no other running drops every module that does not stay. So does it
    once caching has ended (cache_jobs)."""
    global _jobs, _flags
    _jobs -= 1
    if _flags & _CACHING:
        return
    import gc

    for _ in range(3):
        try:
            if _flags & _SWEEP and not _jobs:
                _flags &= ~_SWEEP
                before = ()
            if before is not None:  # (None: begun while caching; its modules wait for the sweep)
                release(since(before))
            return
        except MemoryError:
            gc.collect()
    _flags |= _SWEEP


def cache_jobs(on=None):
    """While provisioning is open (wifiprov.portal turns it on and off): on a
    heap with room for every module a request may load, what a job loads
    stays loaded, and a job neither imports nor collects, so a page is
    served as fast as by a server that holds its code (its code is read
    from flash once, not at each request). Off, or at a job's MemoryError,
    all of it is dropped by the next job that ends with no other running.
    With no argument: is it on? (A module that stays loaded then keeps
    what it made, as wifiprov.web_render a page's split.)"""
    global _flags
    if on is None:
        return _flags & _CACHING
    if on:
        import gc

        if gc.mem_free() >= (_CACHE_FREE_FILES if _flags & _FROM_FILES else _CACHE_FREE_FROZEN):
            _flags |= _CACHING
    elif _flags & _CACHING:
        _flags = (_flags & ~_CACHING) | _SWEEP


def job(module, name, *args):
    """wifiprov.<module>.<name>(*args), as a job: the module, and what it
    imports, is loaded for the call and dropped when it returns or raises.
    The call names the module it loads: that is the loading grain, and no
    resident function stands in for the one called (a function, a closure
    and a dict slot each, held for good)."""
    before = _start()
    try:
        return getattr(__import__("wifiprov." + module, None, None, (name,)), name)(*args)
    except MemoryError:
        cache_jobs(False)  # the heap had less room than it seemed
        raise
    finally:
        _end(before)


async def job_async(module, name, *args):
    """job() for a coroutine function: its module stays until it returns."""
    before = _start()
    try:
        return await getattr(__import__("wifiprov." + module, None, None, (name,)), name)(*args)
    except MemoryError:
        cache_jobs(False)
        raise
    finally:
        _end(before)


def settle(before=()):
    """The modules imported since `before` (a loaded(); by default all of
    them) stay for good: the resident ones (wifiprov.app's imports, before
    any job; the services', made by wifiprov.launch's job). But wifiprov.settings:
    each module copied the settings it reads when it was imported (from
    .settings import ...), so the module itself is loaded again only by a
    job that imports it, and held with the servers while provisioning is
    open. (Not hold(): at the boot's first moment, what is loaded is kept
    as loaded() lists it, with no second list made from it: the heap is
    cut up least there.)"""
    _kept.update(since(before) if before else loaded())
    release(["wifiprov.settings"])


def hold(before):
    """The modules imported since `before` (a loaded()) stay until
    release(): the servers' code, while provisioning is open."""
    new = since(before)
    _kept.update(new)
    return new


def release(names):
    """Forget modules so the GC can reclaim their code: deployed as .mpy,
    code lives in the heap, the scarcest thing a board has. Names a module
    interned stay, and are reused when it is imported again."""
    import gc
    import sys

    package = sys.modules["wifiprov"]
    for full in names:
        _kept.discard(full)
        sys.modules.pop(full, None)
        try:
            delattr(package, full[9:])  # an import made it an attribute too
        except (AttributeError, KeyError):
            # Not one: an import that met a full heap after the module was
            # listed (MicroPython's delattr of a module raises KeyError).
            pass
    if _flags & _FROM_FILES:
        gc.collect()


# ---- what the application declared and set (wifiprov's API, docs/app.md,
# writes these; the services read them)

running = [None]  # the provisioning service, once wifiprov.run() has booted
callbacks = [None, None]  # set_callback's, set_wifi_callback's: fn(event, data)
status_line = [None]  # set_status_line's: the app's line on the status page
# The app's own settings (wifiprov.appfields): (key, label, default, secret,
# max_len) in the order declared, which is the order they are shown in.
fields = []


def declared(key):
    """A setting's declaration (key, label, default, secret, max_len), or None."""
    for f in fields:
        if f[0] == key:
            return f
    return None


def trying(service):
    """The provisioning service's join attempt (service.attempt), while its
    network is being tried before the config is saved; else None."""
    attempt = service.attempt
    return attempt if attempt and attempt["state"] == "trying" else None


def call_back(which, event, data):
    """Tell the application: its callback's exception is printed, never
    raised into the service that reported the event."""
    fn = callbacks[which]
    if fn:
        try:
            fn(event, data)
        except Exception as e:
            import sys

            print("app: the %s callback raised; wifiprov carries on:" % event)
            sys.print_exception(e)
