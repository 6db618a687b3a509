# Product settings a board build may change: where the flash root is, the
# server ports, the console's echo, the Wi-Fi timing. A board (or the PC
# simulator) changes them by shipping a top-level module `wifiprov_board`
# that defines any of these names; everything else keeps the defaults below.

FLASH_ROOT = ""  # the config lives at FLASH_ROOT + "/wifiprov.json"
BIND = None  # address the provisioning servers listen on; None = the AP's own
TCP_PORT = 6666
HTTP_PORT = 80
HTTPS_PORT = 443
DNS_PORT = 53
# Once the board has joined and provisioning is closed, a read-only status
# page answers on HTTP_PORT at http://<hostname>.local/ (docs/web.md): its
# name, address, network, signal, uptime and the app's status line. False:
# nothing listens on the home network.
STATUS_PAGE = True

# Where the web pages (the package's www/ folder) are; None = beside the
# package's modules, or, in a frozen firmware (no files beside its modules),
# the pages frozen with it (tools/frozen_pages.py). A folder named here, e.g.
# "/www/", is used instead of either.
WWW_DIR = None

# While provisioning is open, on a heap with room to spare (160 KB free when
# the package is .mpy files, 48 KB frozen), the code a request loads stays
# loaded until provisioning closes: pages come several times faster (as
# .mpy, up to 80 KB held then; frozen, 11 KB). False: each request loads
# and drops its code, for an app that needs that heap meanwhile.
REQUEST_CACHE = True

# On a board the console is a raw UART/USB line: nothing echoes what the user
# types unless we do. The simulator's host terminal echoes by itself.
CONSOLE_ECHO = True
# Improv Wi-Fi serial on the console (docs/improv.md): ESP Web Tools
# provisions over USB. Its frames hold the byte that is Ctrl-C, so while
# wifiprov runs the console reads Ctrl-C itself (micropython.kbd_intr(-1)):
# code that blocks the event loop could not be interrupted by it, so a
# timer turns Ctrl-C back on once the loop has been blocked for 5 s (an
# app.py that calls time.sleep() in a loop). False: no Improv, and
# MicroPython's own Ctrl-C.
IMPROV = True
# That timer: machine.Timer(LOOP_WATCH_TIMER). -1 (a virtual timer) on rp2
# and the others; esp32 has no virtual timers and uses hardware timer 0 by
# default: set another if the app needs timer 0.
LOOP_WATCH_TIMER = None
# ">>> " after each line typed (and "... " inside a Python block), as at
# MicroPython's own prompt.
CONSOLE_PROMPT = True

# Station link timing (milliseconds). The first retry waits BACKOFF_MS, each
# later one twice as long, up to RETRY_MAX_MS: frequent enough to rejoin soon
# after a router reboot, rare enough not to keep the single radio busy while a
# phone is using the fallback AP.
BACKOFF_MS = 1000
RETRY_MAX_MS = 120000
# An esp32 joins in 2-6 s; WPA3 (SAE) and a slow DHCP server take longer.
ATTEMPT_TIMEOUT_MS = 20000

# A provisioning AP opened while a network is saved (the fallback after
# AUTO_CONNECT_FAIL, or the BOOT button) closes after this many seconds with
# no client on it; the station keeps trying. 0: it stays open until the
# station joins.
PROV_WINDOW_S = 600
# Between answering a request and acting on it (a restart drops every
# connection): long enough for the answer to leave over Wi-Fi.
GRACE_MS = 1500
# Once a network was joined through the AP, the AP stays up this long (or
# until the client says it is done) for the phone to read where the board
# went, then closes.
AP_GRACE_MS = 30000
# The pin of the button that, held 3 s, opens provisioning. -1: the chip's
# BOOT button (GPIO0 on esp32, -S2, -S3; GPIO9 on esp32-C3, -C6). rp2 boards
# use BOOTSEL instead (rp2.bootsel_button()). None: no button.
BUTTON_PIN = -1

# Time server once the station has an IP; None = the clock is kept by other
# means (the simulator's host).
NTP_HOST = "pool.ntp.org"

def _override():
    import sys

    try:
        import wifiprov_board
    except ImportError:
        return
    # Our names are looked up in the board's module, not the board's names
    # listed: dir() tries every name the firmware knows on the module (0.4 ms
    # on the simulator, at every import of this module: a page loads it).
    here = globals()
    for name in here:
        if not name.startswith("_"):  # name[0] would intern a one-letter name for good
            value = getattr(wifiprov_board, name, _override)
            if value is not _override:
                here[name] = value  # (a key that is there already: the dict does not grow while walked)
    del sys.modules["wifiprov_board"]  # copied: its module need not stay in RAM


_override()
