# The application's API (docs/app.md) but run(): `wifiprov.<name>` finds
# these through the package's __getattr__, which loads this module for the
# lookup (a job) and drops it: an app holds the API's code only while it
# calls it, and a board whose app never does holds none of it. What the API
# sets is kept in wifiprov.core, which the services read.
import asyncio

from . import core


def named(name):
    """The API function `name` (wifiprov.__getattr__)."""
    return globals()[name]


def _running():
    if core.running[0] is None:
        raise RuntimeError("wifiprov is not running: call wifiprov.run() first")
    return core.running[0]


async def connected():
    """Wait until the station has an address: {"ip", "ssid", "hostname"}.
    A network being tried before it is saved counts once the try is over
    (and the config is the new one)."""
    service = _running()
    wifi = service.wifi
    while wifi.ip is None or core.trying(service):  # flags, not Events (wifiprov.core.until says why)
        await asyncio.sleep_ms(100)
    return {"ip": wifi.ip, "ssid": wifi.target["SSID"], "hostname": service.hostname}


async def enable():
    """Open provisioning: the AP and its servers (the seed's SrvCtrl enable)."""
    await _running().enable()


async def disable():
    """Close provisioning: servers and AP down."""
    await _running().disable()


def set_callback(fn):
    """fn(event, data) for PROV_COMPLETE and PROV_FAILURE, with the seed's
    data (docs/app.md). Before or after run()."""
    core.callbacks[0] = fn


def set_wifi_callback(fn):
    """fn(event, data) for CONNECTED, DISCONNECTED, DHCP_DONE, SNTP_UP,
    SCAN_DONE and AUTO_CONNECT_FAIL."""
    core.callbacks[1] = fn


def status():
    """The status answer (as TCP `status` and GET /api/status give it)."""
    return core.job("status_report", "status", _running())


def set_status_line(text):
    """A line of the app's own for the read-only status page on the home
    network (docs/web.md), e.g. "last reading 21.5 C at 12:03"; None: none.
    Shown as text, cut to 200 characters."""
    core.status_line[0] = None if text is None else str(text)[:200]


def field(key, label, default="", secret=False, max_len=64):
    """Declare a setting of the app (docs/app.md), when app.py is imported:
    the web page, TCP, /api/config and the console can then set it, and
    value(key) reads it. A secret one is masked as a password is. The
    checks are wifiprov.appfields', loaded for the call."""
    core.fields.append(core.job("appfields", "field", key, label, default, secret, max_len))


def value(key):
    """A setting's value: the one stored, else the declared default."""
    f = core.declared(key)
    if f is None:
        raise ValueError("wifiprov.value(%r): not declared with wifiprov.field()" % (key,))
    return (_running().config.get("app") or {}).get(key, f[2])

