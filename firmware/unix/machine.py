# Host stand-ins for the parts of `machine` that wifiprov uses (never goes
# onto a board). On a board reset() reboots and RAM is lost; here it ends the
# MicroPython process with RESET_EXIT_CODE and tools/sim.py starts a new one
# on the same flash and console.
import os
import micropython
from binascii import crc32, unhexlify

RESET_EXIT_CODE = 100


def reset():
    print("sim: machine.reset()")
    raise SystemExit(RESET_EXIT_CODE)


soft_reset = reset


# Fixed per simulated board: from WIFIPROV_UID (hex) if set, else derived
# from the flash directory, so one flash always looks like one board.
# Worked out once, here, so the function itself is one line.
_uid = os.getenv("WIFIPROV_UID")
_uid = unhexlify(_uid) if _uid else (
    b"\xe6\x61" + crc32((os.getenv("WIFIPROV_FLASH") or "build/sim/flash").encode()).to_bytes(4, "big"))
# The file tools/sim.py makes exist while the BOOT button is held (SIGUSR1,
# SIGUSR2; docs/simulator.md): named once, not looked up at each poll.
_button = os.getenv("WIFIPROV_BUTTON") or ""


def unique_id():
    return _uid


def idle():
    pass


class Pin:
    """The BOOT button's pin (esp32 GPIO0, pulled up: 0 while held), held
    by a signal to tools/sim.py (docs/simulator.md); other pins read 1."""
    IN = 1
    PULL_UP = 2

    def __new__(cls, n, mode=-1, pull=-1):
        # As on esp32 and rp2, whose pins are static objects that cost the
        # heap nothing, Pin(0) is the same object each time, made at import.
        if n == 0 and _pins:
            return _pins[0]
        return object.__new__(cls)

    def __init__(self, n, mode=-1, pull=-1):
        self._n = n

    def value(self):
        if self._n:
            return 1
        try:
            os.stat(_button)
            return 0
        except OSError:
            return 1


_pins = []
_pins.append(Pin(0))


class Timer:
    """A soft timer, as rp2's virtual ones (id -1) and esp32's: the callback
    is scheduled (micropython.schedule) every `period` ms, so it runs
    between bytecodes and inside time.sleep(), even while the loop is
    blocked. A thread of the unix port keeps the time."""
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, id=-1, mode=PERIODIC, period=1000, callback=None):
        import _thread
        import select

        # The poll is made here, not in the thread: a board's timer
        # allocates nothing as it runs, and an allocation from another
        # thread lands at a different moment of the firmware's own each
        # run, so the simulator's heap would fragment differently each time.
        idle = select.poll()
        idle.ipoll(0)  # its first ipoll makes the tuple that ipoll answers in
        self._running = True
        _thread.start_new_thread(self._run, (idle, mode, period, callback))

    def _run(self, idle, mode, period, callback):
        # A poll of nothing sleeps the whole period in one call, the GIL
        # let go: the unix port's time.sleep_ms() wakes every millisecond
        # and takes the GIL each time, which slowed the firmware's own
        # thread by a third (make bench's page latency). ipoll, not poll:
        # it returns the poll object itself, where poll makes a list.
        while self._running:
            idle.ipoll(period)
            if self._running:
                try:
                    micropython.schedule(callback, self)
                except RuntimeError:  # the schedule queue is full: this tick is lost, as on a board
                    pass
            if mode == Timer.ONE_SHOT:
                return

    def deinit(self):
        self._running = False
