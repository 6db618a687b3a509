# Runs under MicroPython: wifiprov.app.keep, the supervisor of the long-lived
# tasks (the Wi-Fi supervisor, the console, the button watch), given a task
# that dies twice and then ends, and one that is interrupted (Ctrl-C).
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
from wifiprov.app import keep

runs = []


async def dies_twice():
    runs.append(1)
    if len(runs) == 1:
        raise OSError(5)
    if len(runs) == 2:
        raise ValueError("a bug")
    return "ended"


async def interrupted():
    raise KeyboardInterrupt


print("result:", asyncio.run(keep("test task", dies_twice)), "after", len(runs), "runs")
try:
    asyncio.run(keep("test task", interrupted))
    print("Ctrl-C was swallowed")
except KeyboardInterrupt:
    print("Ctrl-C ends it")
