# The firmware's main task (docs/internals.md, docs/app.md): config, the
# Wi-Fi and provisioning services, the console and the maker's own program,
# all in one asyncio loop. wifiprov.run() calls run().
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
    wifi = Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF))
    service = Provisioning(path, wifi, config, machine.reset)
    service.hostname = "wifiprov-" + uid[-4:]
    if hasattr(network, "hostname"):  # esp32 and rp2 announce it (DHCP, mDNS)
        network.hostname(service.hostname)
    service.save_error = save_error
    service.tls = startup.certificate(settings.FLASH_ROOT)
    startup.show_config(service)
    return service


def find_app():
    """The board's own program: main() of a module `app` on the filesystem
    (app.py beside main.py, or in lib/), or None. Imported before the config
    is loaded, so that the settings it declares (wifiprov.field) are known.
    A broken app.py is reported, and wifiprov runs without it."""
    try:
        import app
    except ImportError as e:
        if str(e) == "no module named 'app'":
            return None
        return _crashed("importing app.py", e)
    except Exception as e:
        return _crashed("importing app.py", e)
    main = getattr(app, "main", None)
    if main is None:
        print("app: app.py has no main(); define `async def main():` for wifiprov to run it")
    return main


def _crashed(what, e):
    print("app: %s raised; wifiprov keeps running, the app is not restarted:" % what)
    sys.print_exception(e)


async def guard(main):
    """Run the application's main(): its exceptions are its own. They are
    printed; provisioning, the console and the station carry on."""
    try:
        run = main()
        if not hasattr(run, "send"):
            print("app: main() is not an async function (define it with `async def`); it ran once")
            return
        await run
        print("app: main() returned")
    except Exception as e:
        _crashed("app.py's main()", e)


async def main(app=None):
    import wifiprov

    settle()  # what app imported stays; what a job imports is dropped after it
    if app is None:
        app = find_app()
    service = boot()
    wifiprov._service = service
    asyncio.create_task(service.wifi.run())
    asyncio.create_task(console.run(service, getattr(sys.stdin, "buffer", sys.stdin), settings.CONSOLE_ECHO))
    await service.start()
    if app:
        asyncio.create_task(guard(app))
    while True:  # the tasks above run for ever; this only keeps the loop alive
        await asyncio.sleep(3600)


def run(app=None):
    try:
        asyncio.run(main(app))
    except KeyboardInterrupt:
        # Ctrl-C on the console (mpremote sends one too): MicroPython's own
        # REPL follows, so a portal must not stay up with nothing serving it.
        stop()
        print("wifiprov: stopped by Ctrl-C; the AP and its servers are down. "
              "Press Ctrl-D (soft reset) to start it again")


def stop():
    """After Ctrl-C: the provisioning AP down at once, then its servers'
    sockets closed by the tasks that own them (a second Ctrl-C, or a second
    too long, leaves those to the reset). In a new event loop: the old one's
    tasks stay stopped, and the console's must not read the bytes meant for
    MicroPython's REPL (mpremote's raw-REPL request follows its Ctrl-C)."""
    import wifiprov

    service = wifiprov._service
    if service is None:
        return
    try:
        service.wifi.stop_ap()
        if service.enabled:
            asyncio.new_event_loop()  # a cancelled server task joins the new loop to close its socket
            asyncio.run(asyncio.wait_for_ms(service.disable(), 1000))
    except (KeyboardInterrupt, Exception) as e:
        print("wifiprov: stopping: %r" % e)
