# Freezes wifiprov into a MicroPython firmware image: the package's code runs
# from flash instead of the heap, and the image alone is the product (its
# main.py starts provisioning; a frozen boot.py or main.py is run instead of
# one on the filesystem). Used with a board's build, e.g.
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=<this file>
# after `python tools/frozen_pages.py` (`make firmware BOARD=... MICROPY=...`
# runs both). The version must equal lib/wifiprov/__init__.py's;
# tests_host/test_ship.py checks it.
include("$(PORT_DIR)/boards/manifest.py")
# rp2's generic list leaves the networking bundle to each board's own
# manifest, which a FROZEN_MANIFEST replaces: wifiprov needs ntptime (the
# clock after a join) and ssl (HTTPS). On esp32 the generic list has them
# already, and a second require of a package adds nothing.
require("ntptime")
require("ssl")
metadata(description="Wi-Fi provisioning for MicroPython boards", version="0.1.0")
package("wifiprov", base_path="../lib")
# The web pages as bytes constants, read from flash (wifiprov.web_page).
module("wifiprov/_pages.py", base_path="../build/frozen")
module("boot.py", base_path="..")
module("main.py", base_path="..")
