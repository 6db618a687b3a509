# wifiprov: Wi-Fi provisioning for MicroPython boards. This module is the
# application's API only (docs/app.md): a maker's program runs beside the
# services, in the same asyncio loop. run() is here; the rest of the API is
# wifiprov.api's, loaded for each lookup (__getattr__). The work is
# wifiprov.app's; what the API sets is kept in wifiprov.core, which the
# services read. Nothing in the package imports this module back.
from . import core
from .core import __version__  # noqa: F401


def run(main=None):
    """Boot, start the Wi-Fi and provisioning services and the console, and
    run main() (an async function; by default the board's app.py's) beside
    them. Never returns, except on Ctrl-C."""
    try:
        import network  # noqa: F401
    except ImportError:  # the firmware of a board without Wi-Fi: the commonest mix-up
        print("wifiprov: this MicroPython has no network module, so no Wi-Fi: flash the firmware for a board "
              "with Wi-Fi (RPI_PICO_W for a Pico W, not RPI_PICO)")
        return
    from . import app

    app.run(main)


def __getattr__(name):
    """wifiprov.enable, .status, .value, ... (docs/app.md): wifiprov.api's
    function, found by a job that loads that module and drops it; the
    function holds the module's code while the caller holds it. Any other
    name is a submodule not imported yet: MicroPython asks a package's
    __getattr__ before it imports one for `from wifiprov import store`."""
    if name in ("connected", "disable", "enable", "field", "set_callback", "set_status_line",
                "set_wifi_callback", "status", "value"):
        return core.job("api", "named", name)
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return __import__("wifiprov." + name, None, None, ("x",))
    except ImportError as e:
        raise AttributeError("wifiprov has no %s (%s)" % (name, e))
