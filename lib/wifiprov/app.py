# The firmware's main task (docs/internals.md, docs/config.md): config, the Wi-Fi and provisioning
# services and the console, all in one asyncio loop. main.py calls run().
import sys
import asyncio
import machine
import network

from . import settings, settle, unload, use, console
from .wifi import Wifi
from .service import Provisioning
from .tcp import TcpServer
from .http import HttpServer
from .dns import DnsServer


async def main():
    settle()  # what app imported stays; the boot work below is dropped after
    startup = use("startup")

    uid = "".join("%02x" % b for b in machine.unique_id())
    path = settings.FLASH_ROOT + "/wifiprov.json"
    try:
        startup.banner(uid)
        config, save_error = startup.load(path, uid)
        if hasattr(network, "hostname"):
            network.hostname("wifiprov-" + uid[-4:])
        wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
        service = Provisioning(path, wifi, config, machine.reset)
        service.save_error = save_error
        service.add_server(TcpServer(service, settings.TCP_PORT))
        service.add_server(HttpServer(service, settings.HTTP_PORT))
        tls = startup.certificate(settings.FLASH_ROOT)
        if tls:
            service.add_server(HttpServer(service, settings.HTTPS_PORT, tls))
        service.add_server(DnsServer(settings.DNS_PORT))
        startup.show_config(service)
    finally:
        del startup
        unload("startup")
    asyncio.create_task(wifi.run())
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
