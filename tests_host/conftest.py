"""Test harness: runs the firmware with tools/sim.py under the real MicroPython
unix port and talks to it the way a user does, through its console."""
import contextlib
import os
import re
import socket
import subprocess
import threading
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))
import mpy  # noqa: E402
import simdrive  # noqa: E402
import simradio  # noqa: E402
from simdrive import DEFAULT_NETWORKS, HOME_PASSWORD, World, free_port  # noqa: E402,F401

# The heap of a small board. On the 64-bit unix port objects are about 1.6x
# their size on a 32-bit board, so 112K here is ~70K there, below what an
# ESP32 (~110K) or a Pico W (~160K) gives MicroPython. The flows need
# 101-103K here (`make bench`): trying a network before saving it keeps the
# AP and its servers up meanwhile, and its names take the qstr pool to a
# sixth allocation (7 KB here). The tests go further than the flows (QR
# codes, HTTPS, the REPL, an app that sends). At 112K, after the twelfth
# pass, three runs of the whole suite met three edges: HTTPS (it runs 8K
# above now), Improv over the serial double (below), and the fuzz pass's
# HTTP liveness check, which the thirteenth pass mended (an AP's new
# settings whose reopen met a full heap). Then four fresh runs at 112K
# passed and a fifth did not (the read-only status page after the join
# answered 503 in the browser test). The fourteenth pass mended that (the
# page loaded the radio's module for the signal) and compiled the package
# at -O3 (no line-number tables: 2 KB less); a fresh run at 112K passed
# whole, and the tests run at 112K. At 108K two fresh runs each met 2-4
# edges, and different ones (an app's settings changed from the console
# beside an app; a console rule's refusal, the reporter, Improv's SDK).
# Later passes mended those; at 108K the fuzzer's hostile pass then failed
# alone (its Python line refused for memory while the AP restarted, which
# the fuzzer now types again), and the whole suite passed at 108K twice
# in a row (2026-12-06). At 104K 7 tests failed, over every transport (8 after
# the simulator's radio took a KB less: the suite's wall did not move), so
# the tests stayed at 112K, 8K above it. Six of the eight met a full heap
# in a config's validation with the console's reader (and Improv's code)
# loaded, the seventh a Python line typed while the AP restarted: a config
# is now applied, and a line run, with the reader dropped. The whole suite
# then passed at 104K (twice), and at 100K the flows' own wall (100-101K)
# fails the browser's and others. The tests run 8K above that wall. On
# 2026-12-07 a run at 104K met one full heap (the status page right after
# the join answered 503), and a run at 96K 64 (docs/heap-history.md).
# Later that day a request's class left http_read, the status page's loop
# stopped holding a visit's modules and a closed listener its server: the
# flows' walls went to 97 KB, the suite at 100K met 8 full heaps (19
# before), and at 104K it passed three times, each beside a second run of
# the suite: the tests ran at 104K, 7K above the walls. Later still, five
# of those eight were mended (a refusal's words, a reset's and an app
# setting's apply, Improv's device name: each applied with less code
# loaded; the full-heap boot test's own fill), and the suite at 100K then
# met 3 full heaps, each within 1-2 KB; at 102K it passed beside a second
# run of itself: the tests run at 102K, 5K above the walls.
HEAP = os.environ.get("WIFIPROV_TEST_HEAP", "102K")  # override to probe the smallest heap that works


def heap_above(kb):
    """The tests' heap and kb more, for a test whose double or feature
    holds what the flows do not (PTY_HEAP; HTTPS's TLS session)."""
    return "%dK" % (int(HEAP.rstrip("K")) + kb)


# The board double on a serial port (tools/ptyboard.py) also holds its REPL,
# firmware/unix/replboard.py, compiled from source: about 5 KB here that a
# board has in C. Its tests get that back. (At a 112K heap, a run of the
# whole suite met a full heap in Improv's provisioning over that port.)
PTY_HEAP = heap_above(8)


def heap_modules(lines):
    """The module objects in a heap map that micropython.mem_info(1)
    printed (its lines of blocks; M: a module), live or not yet collected."""
    return sum(line.split(": ", 1)[1].count("M") for line in lines if re.match(r"[0-9a-f]{8}: ", line))


def micropython():
    return mpy.find_tool("micropython")


def run_micropython(script, *args, heap=HEAP, timeout=120):
    """Run a MicroPython script with lib/ (compiled) on its path, and the
    simulator's radio (tools/simradio.py, the shipped world file) for a
    script that imports the board's network module from firmware/unix."""
    lib = mpy.build()
    radio = simradio.Wire(ROOT / "firmware" / "unix" / "world.json")
    env = dict(mpy.micropython_env(lib), **radio.env)
    try:
        return subprocess.run([micropython(), "-X", "heapsize=" + heap, str(script), *args], capture_output=True,
                              text=True, errors="backslashreplace",  # an Improv frame's bytes are no UTF-8
                              env=env, cwd=str(ROOT), timeout=timeout, pass_fds=radio.pass_fds)
    finally:
        radio.started()


def case_lines(name, *args, heap=HEAP):
    """Run tests_host/mp/<name> under MicroPython (with firmware/unix, the
    board's machine and network modules, as its first argument): its
    output's lines, once it has exited cleanly."""
    run = run_micropython(ROOT / "tests_host" / "mp" / name, str(ROOT / "firmware" / "unix"), *args, heap=heap)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.splitlines()


class Sim(simdrive.Sim):
    """A simulated board with the tests' heap."""

    def __init__(self, flash, world, heap=HEAP, extra=()):
        super().__init__(flash, world, heap, extra)


@pytest.fixture
def world(tmp_path):
    return World(tmp_path / "world.json", DEFAULT_NETWORKS)


@pytest.fixture
def board(tmp_path, world):
    """Start simulated boards on one flash; power-cycle with board.restart()."""
    sims = []

    class Board:
        flash = tmp_path / "flash"

        def start(self, **kw):
            sim = Sim(self.flash, world, **kw)
            sims.append(sim)
            return sim

        def restart(self, sim, **kw):
            """A power cycle: the process is killed, the flash is kept."""
            sim.close()
            return self.start(**kw)

    yield Board()
    for sim in sims:
        sim.close()
        # pytest shows this only for a test that failed: the board's side of it.
        print("--- the board's console ---\n" + sim.transcript())


@contextlib.contextmanager
def slowloris(port, opening, trickle, clients=20, reconnect_s=2.0):
    """Clients that each send `opening`, then `trickle` every 2 s, and
    reconnect when dropped, as an attacker would; stopped on leaving."""
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    sock.sendall(opening)
                    while not stop.wait(2):
                        sock.sendall(trickle)
            except OSError:
                stop.wait(reconnect_s)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(5)
