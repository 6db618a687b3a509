# wifiprov: every target does the set-up it needs (a .venv with pinned tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)
SIM_ARGS ?=
TEST_ARGS ?=

.PHONY: help setup browser improv sim test fuzz mpy bench firmware deploy clean

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

# The Improv tests drive the real client, the npm package improv-wifi-serial-sdk
# (pinned in tests_host/improv/package-lock.json), under Node: Debian's nodejs
# and npm when node is missing (apt-get, as root); else those tests are skipped.
IMPROV_STAMP := tests_host/improv/node_modules/.installed-$(shell cksum < tests_host/improv/package-lock.json | cut -d' ' -f1)
$(IMPROV_STAMP): tests_host/improv/package-lock.json
	@if ! command -v npm >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
	  || echo "make: apt-get could not install nodejs; the Improv SDK tests will be skipped"; \
	fi
	@if command -v npm >/dev/null; then \
	  (cd tests_host/improv && npm ci --no-audit --no-fund --loglevel=error && touch $(notdir $@) && mv $(notdir $@) node_modules/) \
	  || echo "make: npm ci failed; the Improv SDK tests will be skipped"; \
	else echo "make: no node/npm here; the Improv SDK tests will be skipped"; fi
improv: $(IMPROV_STAMP)

setup: $(STAMP) ## create .venv with the pinned tools

mpy: setup ## compile lib/ to build/mpy with mpy-cross
	$(BIN)/python tools/mpy.py

APP ?=
sim: setup ## run the firmware on the simulator: make sim [APP=your_app.py] [SIM_ARGS="--flash DIR --heap 96K ..."]
	$(BIN)/python tools/sim.py $(if $(APP),--app "$(APP)") $(SIM_ARGS)

test: setup browser improv ## run the tests (firmware under the MicroPython unix port; installs chromium and the Improv SDK if missing)
	$(BIN)/python -m pytest tests_host $(TEST_ARGS)

# A long fuzz pass (make test runs a short one): N inputs per network parser,
# N/10 console lines, 50 power cuts during saves; SEED replays a run.
N ?= 100000
SEED ?=
fuzz: setup ## fuzz the parsers on the simulator: make fuzz [N=100000] [SEED=...]
	$(BIN)/python tools/fuzz.py --n $(N) $(if $(SEED),--seed $(SEED)) --powercuts 50

# Deploy to a board running MicroPython (see README: deploying).
PORT ?=
CONFIG ?=
TLS ?=
deploy: setup ## copy wifiprov to a board: make deploy PORT=/dev/ttyACM0 [CONFIG=file.json] [APP=app.py] [TLS=1]
	$(BIN)/python tools/deploy.py --port "$(PORT)" $(if $(CONFIG),--config "$(CONFIG)") $(if $(APP),--app "$(APP)") $(if $(filter 1 yes,$(TLS)),--tls)

# A frozen firmware: the package's code runs from flash, not from the heap.
# BOARD=unix builds the simulator with the package and its shims frozen in,
# for the frozen rows of make bench (MICROPY=<the same checkout>).
BOARD ?=
MICROPY ?=
FW_PORT = $(if $(filter unix,$(BOARD)),unix,$(if $(filter RPI_PICO%,$(BOARD)),rp2,esp32))
FW_MANIFEST = $(abspath $(if $(filter unix,$(BOARD)),firmware/unix/manifest.py,firmware/manifest.py))
FW_BOARD = $(if $(filter unix,$(BOARD)),,BOARD=$(BOARD))
FW_OUT = $(MICROPY)/ports/$(FW_PORT)/$(if $(filter unix,$(BOARD)),build-standard/micropython,build-$(BOARD)/)
firmware: ## freeze lib/ into an image: make firmware BOARD=ESP32_GENERIC|RPI_PICO_W|unix MICROPY=<micropython checkout>
	@if [ -z "$(MICROPY)" ] || [ -z "$(BOARD)" ]; then \
	  echo "make firmware needs BOARD=<ESP32_GENERIC, RPI_PICO_W or unix> and MICROPY=<a micropython source checkout>,"; \
	  echo "with that port's toolchain (ESP-IDF for esp32; arm-none-eabi-gcc and cmake for rp2; gcc for unix): see docs/boards.md"; exit 2; fi
	@test -d "$(MICROPY)/ports/$(FW_PORT)" || { echo "$(MICROPY)/ports/$(FW_PORT) not found: MICROPY must be a micropython checkout"; exit 2; }
	$(PYTHON) tools/frozen_pages.py build/frozen
	$(MAKE) -C "$(MICROPY)/mpy-cross"
	@if [ -e "$(MICROPY)/.git" ]; then $(MAKE) -C "$(MICROPY)/ports/$(FW_PORT)" $(FW_BOARD) submodules; \
	else echo "$(MICROPY) is not a git checkout: its lib/ submodules must already be in place"; fi
	$(MAKE) -C "$(MICROPY)/ports/$(FW_PORT)" $(FW_BOARD) FROZEN_MANIFEST=$(FW_MANIFEST)
	@echo "firmware: $(FW_OUT)"

bench: setup ## measure heap, size, boot time and latency on the simulator; writes bench.json [MICROPY=<checkout> adds the frozen rows]
	$(BIN)/python tools/bench.py $(if $(MICROPY),--frozen "$(MICROPY)/ports/unix/build-standard/micropython")

clean: ## remove build output (keeps .venv)
	rm -rf build tests_host/artifacts
