# Freezes wifiprov into a MicroPython firmware image, so its code runs from
# flash instead of the heap. Used with a board's build, e.g.
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=<this file>
# (a `make firmware` target comes with the deploy work, issue 5). The version
# must equal lib/wifiprov/__init__.py's; tests_host/test_store.py checks it.
include("$(PORT_DIR)/boards/manifest.py")
metadata(description="Wi-Fi provisioning for MicroPython boards", version="0.1.0")
package("wifiprov", base_path="../lib")
