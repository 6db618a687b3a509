# Boot-time work (SPEC 5 steps 1-2): load the config, or make and save the
# first-boot defaults, and print the banner. Imported once, unloaded after.
import sys

from . import __version__, unload


def load(path, uid):
    from . import config as cfg, store

    try:
        config, source = store.load(path, print)
        if config is not None and "AP" in config:
            print("config: loaded %s" % source)
            return config
        if config is None:
            config = cfg.defaults(uid)
            print("config: no valid config on flash; first-boot defaults: provisioning AP with a new passphrase")
        else:  # a hand-written STA-only file: the fallback AP needs an AP section
            config["AP"] = cfg.defaults(uid)["AP"]
        try:
            store.save(path, config)  # the passphrase must survive a reboot
        except OSError as e:
            print("config: could not save (%s); it holds until the next reset" % e)
        return config
    finally:
        unload("config")
        unload("store")


def banner(uid):
    impl = sys.implementation
    print("wifiprov %s | MicroPython %s | board: %s | id: %s" % (
        __version__, ".".join(str(n) for n in impl.version[:3]), getattr(impl, "_machine", sys.platform), uid))


def show_config(service):
    from . import cli

    try:
        for line in cli.format_config(service.get()["config"]):
            print("config: " + line)
    finally:
        unload("cli")
    config = service.config
    if config["mode"] == 1:
        # The console is trusted (whoever holds it can read the flash); this
        # is how the user learns the key for the first connection.
        print("AP passphrase: %s" % (config["AP"]["PWD"] or "(open network)"))
