# The console's `wifiprov ap`: the AP's name and passphrase, and its QR
# code. In a module of its own, since the code's encoder (wifiprov.qr) is
# the largest thing a console command loads; wifiprov.recovery shows the
# same when BOOT opens provisioning. Loaded per line, as wifiprov.cli's
# table says.
from .core import job
from .text import printable


async def do_ap(service, args, out):
    """The AP's name and passphrase in clear, and a QR code a phone's camera
    joins with (the console is the trusted channel)."""
    from .qr import encode, lines, wifi_text

    ap = service.config["AP"]
    secured = ap["auth"] != 1
    # With one radio the open AP is on the station's channel, whatever it was set to.
    now = job("radio_now", "channel", service.wifi) if service.enabled else None
    channel = "channel %d" % ap["ch"] if now in (None, ap["ch"]) else \
        "channel %d (set to %d; the AP follows the station's)" % (now, ap["ch"])
    out("AP: \"%s\", %s, %s%s" % (printable(ap["SSID"]), "passphrase: " + ap["PWD"] if secured else
                                "open (no passphrase)", channel, "" if ap["ssidv"] else ", hidden"))
    size, grid = encode(wifi_text(ap["SSID"], ap["PWD"], secured, not ap["ssidv"]).encode())
    for line in lines(size, grid):
        out(line)
    if service.enabled:
        out("Point a phone's camera at the code to join the AP.")
    else:
        out("The AP is closed now: wifiprov enable, or BOOT held 3 s, opens it; then a phone's camera joins "
            "with the code.")
