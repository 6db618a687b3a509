# The boot (a job): wifiprov.startup's two parts, the config read from the
# flash between them, then the services. Neither the boot's module nor the
# services' code is in RAM while the config is checked, and the boot's
# module is dropped before the services are made: together, each pair was
# the boot's peak.
from .core import job, loaded, settle


def services(app):
    """The Wi-Fi and provisioning services, from the config on the flash
    or the first-boot defaults; their modules stay loaded for good. Then
    the boot flow (docs/config.md): the station joins, unless auto-connect
    is off (wifiprov.startup has said which), or, in AP mode, wifiprov.app
    opens provisioning. (the provisioning service, the maker's app)"""
    root, uid, app = job("startup", "begin", app)
    path = root + "/wifiprov.json"
    config, save_error, tls = job("startup", "configure", root, uid, read(path))
    before = loaded()  # (this module is among them: it is dropped after the job)
    import network
    from .service import Provisioning
    from .wifi import Wifi

    settle(before)
    service = Provisioning(path, Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF)), config)
    service.name_board()  # before the station first joins: DHCP and mDNS carry the name
    service.save_error = save_error
    service.tls = tls
    if config["mode"] == 0 and config["STA"]["auto"]:
        service.wifi.connect(config["STA"])
    return service, app


def read(path):
    """What wifiprov.store.load found on the flash: (config, source), (None,
    None) when no file there is usable, or None when the heap had no room
    to read it (wifiprov.startup.boot_config says so, and boots on
    first-boot defaults)."""
    try:
        return job("store", "load", path, print)
    except MemoryError:
        return None
