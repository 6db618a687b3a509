# Settings of the PC simulator (never goes onto a board), passed by
# tools/sim.py in the environment. lib/wifiprov/settings.py says what each is.
from os import getenv as _env

FLASH_ROOT = _env("WIFIPROV_FLASH") or "build/sim/flash"
BIND = _env("WIFIPROV_BIND") or "127.0.0.1"
TCP_PORT = int(_env("WIFIPROV_TCP_PORT") or 6666)
HTTP_PORT = int(_env("WIFIPROV_HTTP_PORT") or 8080)
HTTPS_PORT = int(_env("WIFIPROV_HTTPS_PORT") or 8443)
DNS_PORT = int(_env("WIFIPROV_DNS_PORT") or 5353)
BACKOFF_MS = int(_env("WIFIPROV_BACKOFF_MS") or 1000)
RETRY_MAX_MS = int(_env("WIFIPROV_RETRY_MAX_MS") or 120000)
ATTEMPT_TIMEOUT_MS = int(_env("WIFIPROV_ATTEMPT_TIMEOUT_MS") or 20000)
PROV_WINDOW_S = int(_env("WIFIPROV_PROV_WINDOW_S") or 600)
AP_GRACE_MS = int(_env("WIFIPROV_AP_GRACE_MS") or 30000)
# The host terminal (or a test's pipe) echoes by itself; tools/sim.py --echo
# echoes as a board does.
CONSOLE_ECHO = bool(_env("WIFIPROV_ECHO"))
CONSOLE_PROMPT = bool(_env("WIFIPROV_PROMPT"))  # tools/sim.py: at a terminal, or --prompt
NTP_HOST = None  # the host keeps the clock; the simulator talks to no one
