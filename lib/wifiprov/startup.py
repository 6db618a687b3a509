# Boot-time work (docs/config.md, boot): load the config, or make and save the
# first-boot defaults, and print the banner. Imported once, dropped after.
import os
import sys
from micropython import const

from .core import __version__, job, release

# 32 symbols, so one random byte & 31 picks one without bias; no 0/o, 1/l
# to misread when typing the passphrase from a console into a phone.
_PASS_ALPHABET = const(b"abcdefghijkmnpqrstuvwxyz23456789")
_AP_PASSPHRASE_LEN = const(12)  # 60 bits from os.urandom


def random_passphrase(n=_AP_PASSPHRASE_LEN):
    # As bytes: chr() would intern each symbol as a name that is never freed.
    return bytes(_PASS_ALPHABET[b & 31] for b in os.urandom(n)).decode()


def defaults(uid_hex):
    """The first-boot config: a visible WPA2 AP with a per-device SSID and a
    fresh random passphrase; no station network."""
    return {
        "mode": 1,  # AP
        "save_config": 1,
        "countrycode": "GEN",
        "AP": {
            "ch": 1,
            "ssidv": 1,
            "auth": 4,
            "SSID": "wifiprov-" + uid_hex[-4:].upper(),
            "PWD": random_passphrase(),
        },
    }


def load(path, uid):
    """(the config to boot with, None or why it is not on the flash)."""
    try:
        config, source = job("store", "load", path, print)
    except MemoryError:
        # The heap is too full to read the file (an app.py that took most of
        # it at its import): it is kept as it is, for a boot with more room,
        # and this one runs on first-boot defaults that are never saved.
        problem = "not enough memory to read %s at boot; it is kept as it is" % path
        print("config: %s; this boot uses first-boot defaults, not saved" % problem)
        return defaults(uid), problem
    if config is not None and "AP" in config:
        print("config: loaded %s" % source)
        if source == path:
            return config, None
        # From the temporary file or the backup: written back as the live
        # file, so the next boot does not stumble over the bad one again.
    elif config is None:
        config = defaults(uid)
        print("config: no valid config on flash; first-boot defaults: provisioning AP with a new passphrase")
    else:  # a hand-written STA-only file: the fallback AP needs an AP section
        config["AP"] = defaults(uid)["AP"]
    try:
        job("store", "save", path, config)  # the passphrase must survive a reboot
    except OSError as e:
        # Boot goes on: provisioning works, and a later apply may save.
        problem = "could not save %s (%s)" % (path, e)
        print("config: %s; this configuration may be lost at the next reset" % problem)
        return config, problem
    return config, None


def banner(uid):
    # (text as a job of its own: imported here, it would stay through the
    # config's load, the boot's peak)
    print("wifiprov %s | MicroPython %s | board: %s | id: %s" % (
        __version__, job("text", "micropython_version"), getattr(sys.implementation, "_machine", sys.platform), uid))


def certificate(root):
    """(certificate, key) paths for HTTPS when both DER files are on the
    flash (tools/mkcert.py makes them), else None. Prints the certificate's
    SHA-256 fingerprint: a user compares it with what the browser shows."""
    cert, key = root + "/cert.der", root + "/key.der"
    try:
        os.stat(key)
        with open(cert, "rb") as f:
            digest = _sha256(f)
    except OSError:
        print("https: off (no cert.der and key.der on the flash; make them with tools/mkcert.py)")
        return None
    print("https: certificate SHA-256 %s" % ":".join("%02X" % b for b in digest))
    return cert, key


def _sha256(f):
    import hashlib

    h = hashlib.sha256()
    while True:
        chunk = f.read(256)
        if not chunk:
            return h.digest()
        h.update(chunk)


def show_config(config):
    # (report as a job of its own: imported here, it and text would stay
    # loaded until this module is dropped)
    for line in job("report", "config_lines", config):
        print("config: " + line)


def find_app():
    """The board's own program: main() of a module `app` on the filesystem
    (app.py beside main.py, or in lib/), or None. A broken app.py is
    reported, and wifiprov runs without it."""
    import sys

    try:
        import app
    except Exception as e:  # ImportError, SyntaxError, or what its own code raised
        if str(e) != "no module named 'app'":
            print("app: importing app.py raised; wifiprov keeps running, the app is not restarted:")
            sys.print_exception(e)
        return None
    main = getattr(app, "main", None)
    if main is None:
        print("app: app.py has no main(); define `async def main():` for wifiprov to run it")
    return main


def register_builtins(names=("json", "os", "time")):
    """Put these built-in modules in sys.modules. MicroPython looks for a
    file of an extensible built-in's name (json.py, os.mpy, ...) in every
    folder of sys.path at each import of it, and only then takes the
    built-in, which it never records: a page's module that imports json
    stats the flash each time (6 lookups on the simulator). Each is
    imported once here, as an import finds it (a file of that name first),
    and found at once from then on. Only the ones that modules loaded per
    request or per job import: sys.modules grows a size with a fourth."""
    for name in names:
        sys.modules[name] = __import__(name)


def boot(app):
    """The boot work (this module is dropped after it): the banner, the
    maker's app (`app`, else app.py's main(), imported first: the settings
    it declares must be known before the config is read), the config from
    flash or the first-boot defaults, and HTTPS's certificate.
    wifiprov.launch makes the services from what it returns: (config path,
    config, None or why it is not on the flash, the HTTPS certificate's
    paths or None, app)."""
    # Here, not at the top: tools/deploy.py imports this module on a laptop
    # to check a config, and needs nothing of the board's.
    import machine
    from .settings import FLASH_ROOT

    release(["wifiprov.settings"])  # read: it need not stay through the config's load, the boot's peak

    if app is None:
        app = find_app()
    register_builtins()
    uid = "".join("%02x" % b for b in machine.unique_id())
    path = FLASH_ROOT + "/wifiprov.json"
    banner(uid)
    config, save_error = load(path, uid)
    show_config(config)
    return path, config, save_error, certificate(FLASH_ROOT), app
