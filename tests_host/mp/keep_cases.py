# Runs under MicroPython: the long-lived tasks outlive what goes wrong in
# them, each by itself (wifiprov.app.watch_console, wifiprov.recovery's
# button watch; the Wi-Fi supervisor has its own test): a bug is said and
# the task goes on, a full heap is waited out, and Ctrl-C still ends it.
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import machine
import wifiprov.app as app
import wifiprov.recovery as recovery

stream = sys.stdin.buffer  # at its end (no input): always readable
feeds = []


async def feed_badly(module, name, *args):
    """In place of the console's job: a bug, a full heap twice (said once),
    then the console is gone (the job's False)."""
    feeds.append(args[1][:])  # what the console kept, as it was handed over
    if len(feeds) == 1:
        args[1].append("half a line")
        raise ValueError("a bug")
    if len(feeds) in (2, 3):
        raise MemoryError
    return False


app.job_async = feed_badly
asyncio.run(app.watch_console(None, stream, False))
print("console: %d feeds, each handed an empty state: %s" % (len(feeds), all(f == [] for f in feeds)))


async def frame_without_room(module, name, *args):
    """In place of the console's job: it hands over an Improv frame's
    network (RPC 1), then the console is gone."""
    kept = args[1]
    if kept:
        return False
    kept.extend([None] * 12)
    kept[11] = ({"mode": 0, "STA": {"SSID": "HomeNet"}}, 1)
    return True


job = app.job


def no_room(module, name, *args):
    """In place of the jobs: no room for the modules that apply the
    network and say its answer; Improv's, which answers the client, loads."""
    if module == "improv":
        return job(module, name, *args)
    raise MemoryError


class Service:
    """What the console's caller asks of the service here."""

    def refuse(self, error):
        return {"ok": False, "error": error}


app.job_async = frame_without_room
app.job = no_room
asyncio.run(app.watch_console(Service(), stream, False))
app.job = job


async def interrupted(module, name, *args):
    raise KeyboardInterrupt


app.job_async = interrupted
try:
    asyncio.run(app.watch_console(None, stream, False))
    print("Ctrl-C was swallowed")
except KeyboardInterrupt:
    print("Ctrl-C ends it")

reads = []


class FlakyPin:
    """The BOOT pin, whose first read fails (the simulator's machine.Pin
    stands aside for it)."""
    IN = PULL_UP = 0

    def __init__(self, *args):
        pass

    def value(self):
        reads.append(1)
        if len(reads) == 1:
            raise OSError(5)
        return 1  # not held


machine.Pin = FlakyPin
recovery.BUTTON_PIN = 0


async def watch_a_while():
    task = asyncio.create_task(recovery.watch_button(None))
    while len(reads) < 3:
        await asyncio.sleep_ms(50)
    task.cancel()


asyncio.run(watch_a_while())
print("button: watched again after its pin failed")
