# Runs under MicroPython: while provisioning is open on a heap with room to
# spare, what jobs load stays loaded (wifiprov.core.cache_jobs); turned off,
# or at a job's MemoryError, it is all dropped by the next job that ends with
# no other running. On a smaller heap, caching does not start.
import sys

from wifiprov import core


def loaded(name):
    return "wifiprov." + name in sys.modules


core.cache_jobs(True)
print("caching:", bool(core.cache_jobs()))
if core.cache_jobs():
    core.job("text", "hex_of", b"\x01")
    print("kept after its job:", loaded("text"))
    core.cache_jobs(False)
    print("off, before the next job ends:", loaded("text"))
    core.job("checks", "kind_of", 1)
    print("after the next job:", loaded("text"), loaded("checks"))

    # A job's MemoryError ends caching: the heap had less room than it seemed.
    core.cache_jobs(True)
    core.job("text", "hex_of", b"\x01")
    try:
        core.job("checks", "check_int", "no such call")  # noqa (raises before it runs: wrong arguments)
    except TypeError:
        pass
    print("a TypeError leaves it on:", bool(core.cache_jobs()), loaded("text"))

    def full(*args):
        raise MemoryError("memory allocation failed, allocating 512 bytes")

    import wifiprov.text as text

    text.hex_of = full
    try:
        core.job("text", "hex_of", b"\x01")
    except MemoryError:
        pass
    print("a MemoryError ends it:", bool(core.cache_jobs()), loaded("text"), loaded("checks"))
