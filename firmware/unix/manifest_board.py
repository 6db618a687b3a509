# The simulator as a board's firmware is without wifiprov (never goes onto a
# board): the unix port's standard modules and the host shims of the board's
# own modules (network, machine, the board's settings),
# frozen in, as a board has them in C and in flash, so that they cost the
# heap nothing; the package runs as .mpy, as mip or mpremote installs it.
# Used by `make bench MICROPY=<micropython checkout>` for its 32-bit
# `_32_board` rows (tools/firmware.py unix32 --board), and included by
# manifest.py, which adds the package.
include("$(PORT_DIR)/variants/standard/manifest.py")
module("network.py")
module("machine.py")
module("wifiprov_board.py")
