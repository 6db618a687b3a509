# What the radio is doing now: the AP's channel, how many phones are on it,
# the station's signal. Asked often, and where the heap is short: by every
# status answer, by the provisioning window once a second, at a try's end,
# and by the status page right after provisioning closed. So it is apart
# from wifiprov.radio, whose other work (the AP up and down, the scan, the
# clock) is rare and several times larger. Imported for one job, dropped
# after.


def channel(wifi):
    """The channel the AP is on now: with one radio (esp32, rp2), the
    station's once it has joined, whatever the AP was set to."""
    try:
        return wifi.ap.config("channel")
    except (ValueError, OSError):
        return None


def clients(wifi):
    """How many phones are on the AP."""
    if not wifi.ap.active():
        return 0
    try:
        return len(wifi.ap.status("stations"))
    except (ValueError, OSError):
        return 0


def now(wifi):
    """(phones on the AP, its channel now), for the status answer."""
    return clients(wifi), channel(wifi)


def signal(sta):
    """The station's signal in dBm, or None (a port or a moment without one)."""
    try:
        return sta.status("rssi")
    except (OSError, ValueError, TypeError):
        return None
