# Recovery without a console (docs/config.md): the board's BOOT button held
# for 3 s opens provisioning on demand (for a while: wifiprov.window). The
# button's watch runs for ever, so this module stays loaded; it is small.
import sys
import time
import asyncio
from micropython import const

from .core import job_async, say
from .settings import BUTTON_PIN

HOLD_MS = const(3000)
_POLL_MS = const(100)  # the button is looked at this often


def _button():
    """A function that is true while the button is held, or None when
    the board has none: rp2's BOOTSEL, else the pin BUTTON_PIN
    (the chip's BOOT pin by default, low while held)."""
    if sys.platform == "rp2":
        import rp2

        return rp2.bootsel_button
    number = BUTTON_PIN
    if number is None:
        return None
    if number < 0:  # esp32-C3 and -C6 strap on GPIO9; the others on GPIO0
        chip = getattr(sys.implementation, "_machine", "")
        number = 9 if "C3" in chip or "C6" in chip else 0
    from machine import Pin

    pin = Pin(number, Pin.IN, Pin.PULL_UP)
    return lambda: not pin.value()


async def watch_button(service):
    try:
        held = _button()
    except Exception as e:  # a board without the pin: no button, the rest runs
        print("button: not watched (%r)" % e)
        return
    if held is None:
        return
    since = None  # when the current press began; False once it has acted
    while True:
        await asyncio.sleep_ms(_POLL_MS)
        try:
            pressed = held()
        except Exception as e:  # a pin read that fails now and then must not end the watch
            print("button: %r; watching it again in a second" % (e,))
            await asyncio.sleep_ms(1000)
            continue
        if not pressed:
            since = None
            continue
        now = time.ticks_ms()
        if since is None:
            since = now
        elif since is not False and time.ticks_diff(now, since) >= HOLD_MS:
            since = False  # one action per press
            print("button: held %d s; opening provisioning" % (HOLD_MS // 1000))
            try:
                await job_async("window", "open_for_a_while", service)
                await job_async("cli", "execute", service, b"wifiprov ap", say)  # its name, passphrase and QR code
            except Exception as e:
                sys.print_exception(e)
