# Ctrl-C as an interrupt (micropython.kbd_intr), and the watch that turns it
# back on when wifiprov's loop is blocked. Resident: wifiprov.app arms the
# watch before anything else runs.
import sys
import time
import asyncio
from micropython import const

from .settings import LOOP_WATCH_TIMER

# The starved-loop watch (settings.IMPROV): once wifiprov's loop has not
# beaten for this long, Ctrl-C is an interrupt again, for good (until the
# next reset). Longer than boot, an app's import and a blocking scan take.
_STARVED_MS = const(5000)
_watch = [0, None]  # ticks of the loop's last beat; the timer, while armed


def watch_loop():
    """Arm the watch: with Ctrl-C read by the console (Improv), a program
    that blocks the loop (an app.py that calls time.sleep() in a loop, or
    blocks at import) would leave the console unread and Ctrl-C off, and
    mpremote and make deploy could never reach the board again. A timer's
    callback is scheduled, and MicroPython runs scheduled callbacks inside
    time.sleep() and long loops too: it turns Ctrl-C back on and says
    why."""
    import machine

    timer = LOOP_WATCH_TIMER
    if timer is None:
        timer = 0 if sys.platform == "esp32" else -1
    _watch[0] = time.ticks_ms()
    try:
        _watch[1] = machine.Timer(timer, mode=machine.Timer.PERIODIC, period=1000, callback=_starved)
    except (AttributeError, ValueError, OSError) as e:  # a port without timers: the simulator
        print("console: the blocked-loop watch is off (%r)" % e)


def unwatch_loop():
    if _watch[1] is not None:
        _watch[1].deinit()
        _watch[1] = None


async def beat():
    """The loop's beat, which the watch looks for."""
    while _watch[1] is not None:
        _watch[0] = time.ticks_ms()
        await asyncio.sleep_ms(1000)


def _starved(timer):
    if time.ticks_diff(time.ticks_ms(), _watch[0]) >= _STARVED_MS:
        unwatch_loop()
        interrupt_char(3)
        print("console: wifiprov's loop has been blocked for %d s (does app.py call time.sleep() or loop without"
              " await?); Ctrl-C interrupts it now, so mpremote and make deploy can reach the board, until the"
              " next reset" % (_STARVED_MS // 1000))


def interrupt_char(c):
    """micropython.kbd_intr, where the port has it: -1 off, 3 Ctrl-C."""
    import micropython

    if hasattr(micropython, "kbd_intr"):
        micropython.kbd_intr(c)
