# The simulator with wifiprov frozen in (never goes onto a board): the unix
# port's standard modules and the host shims (manifest_board.py), and the
# package and its pages, so that, as on a board, the package's code and the
# radio cost no heap. Used by `make firmware BOARD=unix MICROPY=<micropython
# checkout>` for the frozen rows of `make bench`.
include("manifest_board.py")
package("wifiprov", base_path="../../lib")
module("wifiprov_pages.py", base_path="../../build/frozen")
# The package's module names, interned in flash (tools/frozen_pages.py); never imported.
module("wifiprov_names.py", base_path="../../build/frozen")
