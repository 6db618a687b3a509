# Access point, scan, clock: the radio work done rarely (at enable, on a
# scan, when a join succeeds), kept out of the resident Wi-Fi supervisor. Imported for one job,
# dropped after. Port differences live here (esp32 vs rp2/cyw43).
#
# Loaded where the heap is tightest, so its table of globals stays within
# 17 slots (docs/internals.md, RAM; held by tests_host/test_load.py): names
# one function uses are imported or written in it.

# Our auth numbers -> the port's security constants, best first. esp32 has
# all of them; rp2 (cyw43) has no WPA2-only, so 4 falls back to WPA/WPA2.
_SECURITY = const((
    (1, ("SEC_OPEN", "AUTH_OPEN")),
    (3, ("SEC_WPA_WPA2", "AUTH_WPA_WPA2_PSK")),
    (4, ("SEC_WPA2", "AUTH_WPA2_PSK", "SEC_WPA_WPA2")),
    (5, ("SEC_WPA2_WPA3", "AUTH_WPA2_WPA3_PSK")),
    (6, ("SEC_WPA3", "AUTH_WPA3_PSK")),
))
# rp2's scan gives security as cyw43's bits instead: 1 privacy (any
# encryption), 2 a WPA element, 4 an RSN element (WPA2 or WPA3: a scan
# cannot tell them apart, and WPA3 networks show as WPA2).
_CYW43_PRIVACY = const(1)
_CYW43_WPA = const(2)
_CYW43_RSN = const(4)
_MAX_SCAN = const(24)  # networks kept from one scan: each costs RAM in every answer


def _constant(net, wlan, names):
    for name in names:
        value = getattr(wlan, name, getattr(net, name, None))
        if value is not None:
            return value
    return None


def start_ap(wifi, section, country):
    """The AP up (or restarted) with an AP section of the config: its
    address. OSError when the radio cannot (it is reported as radio
    trouble first)."""
    try:
        return _start_ap(wifi, section, country)
    except OSError as e:
        wifi.radio_trouble(e)
        raise


def stop_ap(wifi):
    """The AP down. The last scan goes with it: it was kept for the page's
    Connect, and kept on it would hold RAM the app could use."""
    wifi.last_scan = None
    if wifi.ap.active():
        wifi.ap.active(False)


def scan(wifi, fresh_ms=0):
    """The networks in range (_scan's list), SCAN_DONE told. fresh_ms: a
    scan as recent as that is answered again instead of a new one (a scan
    blocks the radio and the event loop for about 2 s on esp32; ESP Web
    Tools asks every 3 s)."""
    import time

    last = wifi.last_scan
    if last and time.ticks_diff(time.ticks_ms(), last[0]) < fresh_ms:
        return last[1]
    try:
        found = _scan(wifi.net, wifi.sta)
    except OSError as e:
        wifi.radio_trouble(e)
        return []
    wifi.last_scan = (time.ticks_ms(), found)
    wifi.on_event("SCAN_DONE", {"count": len(found)})  # the event's name, as wifiprov.wifi lists them
    return found


def _start_ap(wifi, section, country):
    net, ap = wifi.net, wifi.ap
    if hasattr(net, "country"):
        try:
            # The config's country code -> its ISO code; XX: worldwide.
            iso = "XX"
            for ours, code in (("USA", "US"), ("EMEA", "EU"), ("JPN", "JP")):
                if country == ours:
                    iso = code
            net.country(iso)
        except (ValueError, OSError) as e:
            print("wifi: country %s not applied: %s" % (country, e))
    for auth, names in _SECURITY:
        if auth == section["auth"]:
            break
    else:  # (validation lets no other through)
        raise ValueError("AP auth %s: not a security an AP can use" % section["auth"])
    options = {"ssid": section["SSID"], "channel": section["ch"], "security": _constant(net, ap, names)}
    if section["PWD"]:
        options["key"] = section["PWD"]
    if not section["ssidv"]:
        options["hidden"] = True
    if ap.active():
        ap.active(False)  # rp2 takes new settings only on a down/up cycle
    try:
        _config(ap, options)  # rp2: configure first, then activate
        ap.active(True)
    except OSError:
        ap.active(True)  # esp32: the interface must be active to be configured
        _config(ap, options)
    # A radio that did not start (rp2: "Failed to start CYW43") still says
    # active, but its AP never gets an address: nothing would reach it.
    address = wifi.address(ap)
    if address == "0.0.0.0":
        ap.active(False)
        raise OSError("the access point got no address")
    return address


def _config(ap, options):
    try:
        ap.config(**options)
    except ValueError:
        if not options.pop("hidden", None):
            raise
        # rp2 cannot hide its SSID: broadcast rather than not start at all.
        print("wifi: this port cannot hide the AP SSID; it is broadcast")
        ap.config(**options)


def cyw43_auth(bits):
    """Our auth number for an rp2 scan's security bits."""
    if bits & _CYW43_RSN:
        return 3 if bits & _CYW43_WPA else 4
    if bits & _CYW43_WPA:
        return 3
    return 2 if bits & _CYW43_PRIVACY else 1


def _scan(net, sta):
    """Nearby networks, strongest first, one entry per SSID:
    [(ssid bytes, channel, rssi, auth number or 0 when unknown)]."""
    if not sta.active():
        sta.active(True)
    import sys

    kinds = {}
    # A scan result's security value -> our auth number.
    for name, auth in (("SEC_OPEN", 1), ("SEC_WEP", 2), ("SEC_WPA", 3), ("SEC_WPA2", 4),
                       ("SEC_WPA_WPA2", 3), ("SEC_WPA2_WPA3", 5), ("SEC_WPA3", 6)):
        value = _constant(net, sta, (name,))
        if value is not None and value not in kinds:
            kinds[value] = auth
    auth = cyw43_auth if sys.platform == "rp2" else (lambda value: kinds.get(value, 0))
    best = {}
    for entry in sta.scan():
        ssid = entry[0]
        if ssid and (ssid not in best or entry[3] > best[ssid][2]):  # hidden ones have no name
            best[ssid] = (ssid, entry[2], entry[3], auth(entry[4]))
    return sorted(best.values(), key=lambda n: -n[2])[:_MAX_SCAN]


def set_clock(host):
    """Set the clock from host (None: it is kept by other means); return
    the UTC time as text when the clock is known to be right, else None."""
    import time

    if host:
        try:
            import ntptime  # frozen into the esp32 and rp2 firmware

            ntptime.host = host
            ntptime.settime()  # blocks for up to 1 s, once per link-up
        except Exception as e:  # no time server is not our failure
            print("wifi: clock not set from %s: %s" % (host, e))
            return None
    now = time.gmtime()
    if now[0] < 2024:  # an unset clock starts in 2000 or 1970
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % now[:6]


# How recent a scan may be for a typed network's security (the page's own
# scan, a minute or more before Connect), else a new one.
_SCAN_FRESH_MS = const(600000)


def security_of(ssid, password, wifi):
    """The security to join a typed network with, as Connect and `wifiprov
    join` do (docs/web.md): without a password, open; with one, what the
    scan (scan(), which answers a recent one again) saw for that name,
    else WPA2/WPA3. Only a network the scan saw open stays open with a
    password, which validation then refuses as needless."""
    if not password:
        return 1
    ssid = ssid.encode()
    auth = 5  # WPA2/WPA3: a name the scan did not see (a hidden network)
    for net in scan(wifi, _SCAN_FRESH_MS):
        if net[0] == ssid and net[3] in (1, 3, 4, 5, 6):
            auth = net[3]
    return auth
