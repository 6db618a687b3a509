# Runs under MicroPython: when provisioning opens, wifiprov.portal imports
# its servers' code; right after it closed (an AP's new settings reopen it
# at once) the old servers' clients may still hold the heap. A MemoryError
# there is met with one more try; a second one is raised, and what the
# failed tries loaded is not kept. The heap's failure is played by a stand-in
# for wifiprov.http whose every lookup raises MemoryError.
import sys
import asyncio

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
from wifiprov import portal
from wifiprov.core import loaded


class FullHeap:
    """wifiprov.http as a full heap makes it: each lookup fails, `times` times."""

    def __init__(self, times):
        self.times = times

    def __getattr__(self, name):
        if self.times:
            self.times -= 1
            if not self.times:
                del sys.modules["wifiprov.http"]  # the next import is the real one
            raise MemoryError("memory allocation failed")
        raise AttributeError(name)


async def main():
    sys.modules["wifiprov.http"] = FullHeap(1)
    before = [name for name in loaded() if name != "wifiprov.http"]
    classes = await portal._server_classes(before)
    print("once:", [c.__name__ for c in classes])
    portal.release([name for name in loaded() if name not in before])

    sys.modules["wifiprov.http"] = FullHeap(99)
    before = loaded()
    try:
        await portal._server_classes(before)
        print("twice: no error")
    except MemoryError:
        print("twice: MemoryError")
    print("left loaded:", [name for name in loaded() if name not in before])


asyncio.run(main())
