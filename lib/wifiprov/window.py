# The provisioning window (docs/config.md, recovery without a console): a
# provisioning AP opened while a network is saved (the fallback after
# AUTO_CONNECT_FAIL, or the BOOT button) closes again after a time with no
# client on it, while the station keeps trying. Loaded while such an AP is
# open.
import time
import asyncio
from micropython import const

from .core import job, say, trying
from .settings import PROV_WINDOW_S

_POLL_MS = const(1000)  # the AP's clients are counted this often


async def open_for_a_while(service):
    """Open provisioning. With a network saved, only for the window
    (PROV_WINDOW_S), counted anew at each opening (the button
    pressed again): a board whose router is away for a day must not keep
    an open door beside it all day."""
    await service.enable()
    if service.config["mode"] == 0 and PROV_WINDOW_S:
        running = service.window is not None
        service.window = time.ticks_ms()  # the window's start; a client on the AP moves it on
        if not running:
            asyncio.create_task(_window(service))


async def _window(service):
    limit = PROV_WINDOW_S * 1000
    try:
        while service.enabled and service.config["mode"] == 0:
            await asyncio.sleep_ms(min(_POLL_MS, limit))
            if job("radio_now", "clients", service.wifi) or trying(service):
                service.window = time.ticks_ms()
            elif time.ticks_diff(time.ticks_ms(), service.window) >= limit:
                window = PROV_WINDOW_S
                say("provisioning: no one joined the access point for %s; closing it. The station keeps "
                    "trying; hold BOOT for 3 s to open it again"
                    % ("%d min" % (window // 60) if window % 60 == 0 else "%d s" % window))
                await service.disable()
    finally:
        service.window = None
