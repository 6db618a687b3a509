# Runs first at every boot. Kept empty of work on purpose: provisioning
# starts from main.py, so a broken main.py still leaves a usable REPL.
# WebREPL stays off: it would be a second, password-only way into the board.
import gc

gc.collect()
