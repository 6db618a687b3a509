# The ways back to a board that resident code keeps open (docs/config.md,
# docs/console.md): the BOOT button held for 3 s opens provisioning on
# demand (for a while: wifiprov.window), without a console; and Ctrl-C as an
# interrupt (micropython.kbd_intr), with the watch that turns it back on
# when wifiprov's loop is blocked. The button's watch runs for ever, and
# wifiprov.app arms the loop's watch before anything else runs, so this
# module stays loaded: one module, not two, for a table of names less.
import sys
import time
import asyncio
from micropython import const

from .core import job_async, say
from .settings import BUTTON_PIN, LOOP_WATCH_TIMER

_HOLD_MS = const(3000)
_POLL_MS = const(100)  # the button is looked at this often
# The starved-loop watch (settings.IMPROV): once wifiprov's loop has not
# beaten for this long, Ctrl-C is an interrupt again, for good (until the
# next reset). Longer than boot, an app's import and a blocking scan take.
_STARVED_MS = const(5000)
_watch = [0, None]  # ticks of the loop's last beat; the timer, while armed


async def watch_button(service):
    """The main task's work once everything has started, for ever: watch
    the button (rp2's BOOTSEL, else the pin BUTTON_PIN: the chip's BOOT pin
    by default, low while held), and beat for the blocked-loop watch. In
    the main task, not one of its own: a task and its frame less, held for
    good. A board without a button only beats."""
    level = held = None  # the read, and what it reads while the button is not held
    try:
        if sys.platform == "rp2":
            import rp2

            level, held = 0, rp2.bootsel_button
        elif BUTTON_PIN is not None:
            number = BUTTON_PIN
            if number < 0:  # esp32-C3 and -C6 strap on GPIO9; the others on GPIO0
                chip = getattr(sys.implementation, "_machine", "")
                number = 9 if "C3" in chip or "C6" in chip else 0
            from machine import Pin

            level, held = 1, Pin(number, Pin.IN, Pin.PULL_UP).value  # (a bound method: no closure held)
    except Exception as e:  # a board without the pin: no button, the rest runs
        print("button: not watched (%r)" % e)
    since = None  # when the current press began; False once it has acted
    while True:
        _watch[0] = time.ticks_ms()  # the loop's beat, which the blocked-loop watch looks for
        if held is None:  # the beat alone: once a second while that watch is armed
            await asyncio.sleep_ms(3600000 if _watch[1] is None else 1000)
            continue
        await asyncio.sleep_ms(_POLL_MS)
        try:
            pressed = held() != level
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
        elif since is not False and time.ticks_diff(now, since) >= _HOLD_MS:
            since = False  # one action per press
            print("button: held %d s; opening provisioning" % (_HOLD_MS // 1000))
            try:
                await job_async("window", "open_for_a_while", service)
                await job_async("cli_ap", "do_ap", service, [], say)  # its name, passphrase and QR code
            except Exception as e:
                sys.print_exception(e)


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
