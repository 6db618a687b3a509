# The firmware's main task (docs/internals.md, docs/config.md): config, the Wi-Fi and provisioning
# services and the console, all in one asyncio loop. main.py calls run().
import sys
import asyncio
import machine
import network

from . import on_demand, settings, settle, console
from .wifi import Wifi
from .service import Provisioning


@on_demand
def boot():
    """The boot work (wifiprov.startup, dropped after): the banner, the
    config from flash or the first-boot defaults, the services made."""
    from . import startup

    uid = "".join("%02x" % b for b in machine.unique_id())
    path = settings.FLASH_ROOT + "/wifiprov.json"
    startup.banner(uid)
    config, save_error = startup.load(path, uid)
    if hasattr(network, "hostname"):
        network.hostname("wifiprov-" + uid[-4:])
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(path, wifi, config, machine.reset)
    service.save_error = save_error
    service.tls = startup.certificate(settings.FLASH_ROOT)
    startup.show_config(service)
    return service


async def main():
    settle()  # what app imported stays; what a job imports is dropped after it
    service = boot()
    asyncio.create_task(service.wifi.run())
    asyncio.create_task(console.run(service, getattr(sys.stdin, "buffer", sys.stdin), settings.CONSOLE_ECHO))
    await service.start()
    while True:  # the tasks above run for ever; this only keeps the loop alive
        await asyncio.sleep(3600)


def run():
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        # Ctrl-C on the console: MicroPython's own REPL follows (mpremote
        # needs it); a soft reset (Ctrl-D) boots wifiprov again.
        print("wifiprov: stopped by Ctrl-C; press Ctrl-D (soft reset) to start it again")
