# A reporter: once the board is online it POSTs a reading (here the free heap
# and the uptime; on your board, a sensor) as JSON to a server, every few
# seconds. Where to, and with which token, are settings the user fills in on
# the board's web page, with the Wi-Fi password, or at the console:
#   wifiprov app set server_url http://192.168.1.20:8000/readings
#   make sim APP=examples/reporter.py
#   make deploy PORT=/dev/ttyACM0 APP=examples/reporter.py
import asyncio
import gc
import time
import wifiprov

# Declared when wifiprov imports this file, before it boots: the page, the
# console and the JSON API then know them.
wifiprov.field("server_url", "Server URL for the readings (http://...)")
wifiprov.field("token", "Access token (sent as a Bearer token)", secret=True)
wifiprov.field("every_s", "Seconds between readings", default="60", max_len=5)

settings_changed = asyncio.Event()


def on_event(event, data):
    if event == "APP_SETTINGS":  # applied at once, no restart: report now
        settings_changed.set()


wifiprov.set_callback(on_event)


def reading():
    # uptime_s counts from the board's boot; on the simulator, ticks_ms()
    # starts elsewhere, so it is a large number from the start.
    gc.collect()
    return {"board": wifiprov.status()["ap"]["ssid"], "heap_free": gc.mem_free(), "uptime_s": time.ticks_ms() // 1000}


def send(url, token):
    # requests blocks while it talks to the server: everything else waits,
    # so keep the timeout short (docs/app.md, "Never block").
    import requests

    headers = {"Authorization": "Bearer " + token} if token else {}
    try:
        answer = requests.post(url, json=reading(), headers=headers, timeout=5)
        print("reporter: sent a reading to %s: HTTP %d" % (url, answer.status_code))
        answer.close()
    except (OSError, ValueError) as e:  # no route, refused, timed out, a URL that is not http://
        print("reporter: could not send to %s: %r" % (url, e))


def interval():
    text = wifiprov.value("every_s")
    try:
        return max(1, int(text))
    except ValueError:
        print("reporter: every_s is %r, not a number; using 60" % text)
        return 60


async def main():
    while True:
        await wifiprov.connected()  # waits while the board is offline
        url = wifiprov.value("server_url")
        if url:
            send(url, wifiprov.value("token"))
        else:
            print("reporter: no server URL yet: fill it in on the board's page, or type "
                  "wifiprov app set server_url http://...")
        try:
            await asyncio.wait_for(settings_changed.wait(), interval())
        except asyncio.TimeoutError:
            pass
        settings_changed.clear()
