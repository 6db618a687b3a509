# Freezes wifiprov into a MicroPython firmware image, so its code runs from
# flash instead of the heap. Used with a board's build, e.g.
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=<this file>
# (`make firmware BOARD=... MICROPY=...` runs that). The version must equal
# lib/wifiprov/__init__.py's; tests_host/test_ship.py checks it. The web pages
# (lib/wifiprov/www/) are files, not modules: copy them to the board's flash
# and set WWW_DIR in a wifiprov_board.py (see lib/wifiprov/settings.py).
include("$(PORT_DIR)/boards/manifest.py")
metadata(description="Wi-Fi provisioning for MicroPython boards", version="0.1.0")
package("wifiprov", base_path="../lib")
