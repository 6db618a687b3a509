# The console commands that show: wifiprov get, scan, status. Loaded per
# line, as wifiprov.cli's table says.
from .checks import MODE_NAMES, auth_name
from .core import job


async def do_get(service, args, out):
    for line in job("report", "config_lines", service.config):
        out(line)


async def do_scan(service, args, out):
    networks = job("radio", "scan", service.wifi)  # before the answer's module loads
    from .report import show_ssid

    if not networks and service.wifi.radio_error:
        out("ERROR: no scan: %s" % service.wifi.radio_error)
        return
    out("%d networks" % len(networks))
    for ssid, channel, rssi, auth in networks:
        out("%-34s rssi=%d ch=%d security=%s" % (show_ssid(ssid), rssi, channel, auth_name(auth)))


async def do_status(service, args, out):
    from .status_report import status

    s = status(service)
    sta = s["sta"]
    out("mode: %d (%s)%s" % (s["mode"], MODE_NAMES[s["mode"]],
                             ", fallback AP open (the station could not join)" if s["fallback"] else ""))
    state = sta["state"]
    if sta["ssid"]:
        state += ' "%s"' % sta["ssid"]
    if sta["reason"]:
        state += ": %s" % sta["reason"]
    if sta["attempts"]:
        state += " (%d failed attempts; retrying)" % sta["attempts"]
    out("station: %s" % state)
    tried = s["attempt"]  # a network tried before saving: why the station is idle after it
    if tried and "reason" in tried and sta["state"] == "idle":
        out('last try: "%s": %s' % (tried["ssid"], tried["reason"]))
    out("ip: %s" % (sta["ip"] or "-"))
    ap = s["ap"]
    out("access point: %s" % ('up "%s" ch %d, %d clients' % (ap["ssid"], ap["channel"], ap["clients"])
                             if ap["up"] else "down"))
    out("provisioning: %s" % ("enabled" if s["provisioning"] else "disabled"))
    if s["radio"]:
        out("radio: %s" % s["radio"])
    if s["save_error"]:
        out("config: NOT saved to flash: %s; a reset loses it" % s["save_error"])
    elif not s["saved"]:
        out("config: applied until the next reset (save_config 0)")
    else:
        out("config: saved on flash")
    out("heap: %d bytes used, %d free" % (s["heap"]["alloc"], s["heap"]["free"]))
