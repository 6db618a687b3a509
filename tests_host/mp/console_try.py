# Runs under MicroPython, with the simulator's radio (argv[1], firmware/unix)
# and a flash folder (argv[2]): a network tried from a console line, then
# from an Improv frame. While the line runs, when the config is applied
# (validated), while it is tried, and when it is saved at its end, the
# console reader's code is not in RAM: the reader hands the line over, and
# wifiprov.app has it handled (wifiprov.console_line: the line run), applies
# the config with that dropped too, awaits the try, then the answer is said.
import io
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import asyncio
import network

from wifiprov import app, core, store
from wifiprov.service import Provisioning
from wifiprov.startup import defaults
from wifiprov.wifi import Wifi

path = sys.argv[2] + "/wifiprov.json"


class Typed(io.IOBase):
    """A console whose bytes were typed at once: readable until its end,
    then at its end (the console is gone, and watch_console returns)."""

    def __init__(self, text):
        self.text = text

    def ioctl(self, request, arg):
        return arg & 1 if request == 3 else 0  # MP_STREAM_POLL: always readable (POLLIN)

    def read(self, n):
        out, self.text = self.text[:n], self.text[n:]
        return out


seen = []  # while the try runs: is the console's module loaded?
applied = []  # when the config is applied: are the console's reader, its line's handler, Improv loaded?
job = core.job


def watched_job(module, name, *args):
    if module == "console_line":
        ran.append("wifiprov.console" in sys.modules)
    if (module, name) == ("provision", "apply"):
        applied.append(any(m in sys.modules for m in ("wifiprov.console", "wifiprov.console_line", "wifiprov.improv")))
    return job(module, name, *args)


core.job = watched_job  # (wifiprov.console_line, imported for each line, takes it from core)
app.job = watched_job  # (wifiprov.app applies what it was handed)
ran = []  # when wifiprov.app has a line run or an answer said: is the console's reader loaded?
job_async = app.job_async


async def watched_job_async(module, name, *args):
    if module == "console_line":
        ran.append("wifiprov.console" in sys.modules)
    return await job_async(module, name, *args)


app.job_async = watched_job_async


def improv_frame(ssid, password):
    """Improv's wifi-settings RPC (command 1) as a client sends it."""
    data = bytes((len(ssid),)) + ssid + bytes((len(password),)) + password
    frame = b"IMPROV" + bytes((1, 3, len(data) + 2, 1, len(data))) + data
    return frame + bytes((sum(frame) & 0xFF,)) + b"\n"


async def watch(service):
    while service.attempt is None or service.attempt["state"] == "trying":
        if service.attempt:
            seen.append("wifiprov.console" in sys.modules)
        await asyncio.sleep_ms(5)


async def main():
    store.erase(path)
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(path, wifi, defaults("0123456789ab"))
    service.hostname = "wifiprov-89ab"
    supervisor = asyncio.create_task(wifi.run())
    watcher = asyncio.create_task(watch(service))
    await app.watch_console(service, Typed(b"wifiprov join HomeNet correct-horse-42\n"), False)
    await watcher
    print("console loaded during the try: %s (%d looks)" % (any(seen), len(seen)))
    print("saved:", store.load(path, print)[0]["STA"]["SSID"])
    # Improv, with the wrong password: tried, refused, nothing saved.
    await app.watch_console(service, Typed(improv_frame(b"HomeNet", b"not-the-password")), False)
    supervisor.cancel()
    print("console, its line's handler or Improv loaded at the apply: %s (%d applies)" % (any(applied), len(applied)))
    print("console loaded while what it handed over was handled: %s (%d times)" % (any(ran), len(ran)))
    print("saved:", store.load(path, print)[0]["STA"]["PWD"])


asyncio.run(main())
