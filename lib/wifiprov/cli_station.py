# The console commands that act on the station or the config: wifiprov
# connect, disconnect, reset, forget. Loaded per line, as wifiprov.cli's
# table says.
from .core import job, trying

# The answers of reset and forget are printed by wifiprov.text.answer as a
# job of its own once the work is done: imported here, text stayed loaded
# under the reset's store and the forget's validation, and a reset right
# after a join (the AP's servers still up) found no room for the store.


def _trying(service, out):
    """A network is being tried before it is saved: the station is busy."""
    if trying(service):
        out('ERROR: busy: the board is trying to join "%s"; wait for that answer' % service.attempt["ssid"])
        return True
    return False


async def do_connect(service, args, out):
    if _trying(service, out):
        return
    sta = service.config.get("STA")
    if not sta:
        out("ERROR: no station network is configured; use wifiprov set 0 ... first")
        return
    service.wifi.connect(sta)
    out('OK: joining "%s"' % sta["SSID"])


async def do_disconnect(service, args, out):
    if _trying(service, out):
        return
    service.wifi.disconnect()
    out("OK: station disconnected; it stays down until wifiprov connect")


async def do_reset(service, args, out):
    if args != ["yes"]:
        out("ERROR: wifiprov reset erases the whole config (your network, the AP passphrase, the app's settings) "
            "and restarts into first-boot provisioning; type: wifiprov reset yes (wifiprov forget drops only the network)")
        return
    result = job("provision", "factory_reset", service)
    job("text", "answer", out, result)


async def do_forget(service, args, out):
    """Drop the station network: AP mode, the station section gone; the AP,
    its passphrase and the app's settings stay. Applied as any request is,
    to the config without its station section."""
    sta = service.config.get("STA")
    if not sta:
        out("ERROR: no station network is configured; nothing to forget")
        return
    result = await service.submit({"mode": 1, "save_config": 1}, {k: v for k, v in service.config.items() if k != "STA"})
    if result["ok"]:
        result["next"] = 'forgot "%s"; %s' % (sta["SSID"], result["next"])
    job("text", "answer", out, result)
