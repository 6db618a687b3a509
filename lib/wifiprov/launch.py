# The services, made at boot (a job): wifiprov.startup has read the config
# and is dropped by then. Its module beside the services' code was one of
# the boot's two highest moments (the other is the config's check, inside
# startup's job).
from .core import loaded, say, settle


def services(boot):
    """The Wi-Fi and provisioning services, for what wifiprov.startup.boot
    returned; their modules stay loaded for good. Then the station's part
    of the boot flow (docs/config.md): in STA mode it starts joining, unless
    auto-connect is off (wifiprov.app opens provisioning in AP mode).
    Returns (the provisioning service, the maker's app)."""
    before = loaded()  # (this module is among them: it is dropped after the job)
    import network
    from .service import Provisioning
    from .wifi import Wifi

    settle(before)
    path, config, save_error, tls, app = boot
    service = Provisioning(path, Wifi(network, network.WLAN(network.STA_IF), network.WLAN(network.AP_IF)), config)
    service.name_board()  # before the station first joins: DHCP and mDNS carry the name
    service.save_error = save_error
    service.tls = tls
    if config["mode"] == 0:
        sta = config["STA"]
        if sta["auto"]:
            say('station: joining "%s"' % sta["SSID"])
            service.wifi.connect(sta)
        else:
            say('station: auto-connect is off; type "wifiprov connect" to join "%s"' % sta["SSID"])
    return service, app
