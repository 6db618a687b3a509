# Freezes wifiprov into a MicroPython firmware image: the package's code runs
# from flash instead of the heap, and the image alone is the product (its
# main.py starts provisioning; a frozen boot.py or main.py is run instead of
# one on the filesystem). `make firmware BOARD=... MICROPY=...` builds with it
# (tools/firmware.py, after tools/frozen_pages.py has written the pages). The
# version must equal lib/wifiprov/__init__.py's; tests_host/test_ship.py
# checks it.
#
# The board's own list comes first, so the image keeps every module the
# board's stock image has (on a Pico W: requests, mip, webrepl, aioble, ...;
# docs/app.md and examples/ rely on them). A board without a list of its own
# uses its port's, as the port's build does.
try:
    include("$(BOARD_DIR)/manifest.py")
except Exception as e:
    if "No such file" not in str(e):
        raise
    include("$(PORT_DIR)/boards/manifest.py")
# wifiprov needs ntptime (the clock after a join) and ssl (HTTPS). A board's
# networking bundle has them already, and a second require adds nothing.
require("ntptime")
require("ssl")
metadata(description="Wi-Fi provisioning for MicroPython boards", version="0.1.0")
package("wifiprov", base_path="../lib")
# The web pages as bytes constants, read from flash (wifiprov.web_page).
module("wifiprov_pages.py", base_path="../build/frozen")
# The package's module names, interned in flash (tools/frozen_pages.py); never imported.
module("wifiprov_names.py", base_path="../build/frozen")
module("boot.py", base_path="..")
module("main.py", base_path="..")
