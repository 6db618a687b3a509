# A status logger: every N seconds it prints one line on what the board's
# Wi-Fi is doing, and it says so at once when the network goes away.
#   make sim APP=examples/status_logger.py
#   make deploy PORT=/dev/ttyACM0 APP=examples/status_logger.py
import asyncio
import wifiprov

EVERY_S = 10


def on_wifi(event, data):
    # Called by wifiprov's Wi-Fi service: keep it short, never block here.
    if event == "DISCONNECTED":
        print("logger: off the network: %s" % data.get("reason"))
    elif event == "AUTO_CONNECT_FAIL":
        print("logger: could not join %s; the provisioning AP is open" % data.get("ssid"))


wifiprov.set_wifi_callback(on_wifi)


async def main():
    info = await wifiprov.connected()  # the logger starts once the board is online
    print("logger: online: %s on %s, hostname %s" % (info["ip"], info["ssid"], info["hostname"]))
    while True:
        s = wifiprov.status()
        sta = s["sta"]
        print("logger: station %s%s, heap free %d" % (
            sta["state"], " (%s)" % sta["reason"] if sta["reason"] else "", s["heap"]["free"]))
        await asyncio.sleep(EVERY_S)  # never time.sleep(): it would stop wifiprov too
