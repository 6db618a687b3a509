# The console help text (wifiprovhelp), in its own module: it is printed
# rarely and costs RAM only while it is.
USAGE = """Usage:
wifiprov join <ssid> [password]   join a network as the phone page's Connect does: tried first,
                      saved once joined; its security is what the scan saw (open without a password)
wifiprov set <bootmode> <save> <countrycode> <channel> <auto|ssidv> <auth> <ssid> [password]
  bootmode    0 STA (join a network), 1 AP (be an access point)
  save        1 save to flash, 0 use until the next reset only
  countrycode GEN, USA, EMEA, JPN, CUST1, CUST2 (channels: GEN/EMEA/CUST 1-13, USA 1-11, JPN 1-14)
  channel     STA: 0 any, or one channel; AP: 1..13 (by country)
  auto|ssidv  STA: 1 connect at boot, 0 wait for "wifiprov connect"; AP: 1 visible SSID, 0 hidden
  auth        1 open, 3 WPA/WPA2, 4 WPA2, 5 WPA2/WPA3, 6 WPA3 (2, WEP, is refused)
  ssid        1..32 bytes; quote it when it has spaces or commas: "My Home, 2G"
  password    empty for open; else 8..63 printable characters (64 hex digits for STA; WPA3 up to 128)
  A station network is joined first and saved only once joined (up to 20 s);
  wifiprov set --no-verify ... saves it without trying (a network out of range now)
wifiprov get          the configuration, passwords masked
wifiprov app          the settings of your app (app.py), with their labels
wifiprov app set <key> <value>   set one of them; quote a value with spaces
wifiprov scan         nearby networks: SSID, signal, channel, security
wifiprov status       mode, station state and reason, IP, AP clients, heap
wifiprov connect      join the configured network
wifiprov disconnect   leave it and stay off until "wifiprov connect"
wifiprov enable       provisioning AP and servers on
wifiprov disable      provisioning AP and servers off
wifiprov ap           the AP's name and passphrase, and a QR code a phone joins with
wifiprov forget       drop the station network: back to AP mode, the AP passphrase kept
wifiprov reset yes    factory reset: erase the config and restart into provisioning
Examples:
  wifiprov join "My Home" "my secret pass"
  wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "my secret pass"
  wifiprov set 1 1 "GEN" 1 1 3 "DEMO_SOFTAP" "password\""""


def show(out):
    """The text, a line at a time: split whole, its lines would take as
    much heap again as the text."""
    start = 0
    while start < len(USAGE):
        end = USAGE.find("\n", start)
        if end < 0:
            end = len(USAGE)
        out(USAGE[start:end])
        start = end + 1
