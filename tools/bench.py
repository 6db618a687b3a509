#!/usr/bin/env python3
"""Measure what the firmware costs (docs/internals.md), on the simulator.

    python tools/bench.py [--out bench.json] [--requests 100]

Prints a table and writes bench.json:
- the smallest `-X heapsize` (binary search, 1 KB steps) at which the whole
  flow passes 3 fresh runs in a row from .mpy: blank flash -> AP -> config
  page over HTTP -> TCP provisioning -> restart -> connected;
- the same for the web-only transaction: GET the form, POST it, saved;
- the same for boot and join: a provisioned flash boots and joins its
  network (the provisioning servers never open);
- the largest heap in use during the whole flow: gc.mem_alloc() after a
  collect, sampled at every turn of the scheduler (tools/heapprobe.py);
- the qstr pool during the flow (pools and names: names are never freed);
- the heap held after joining: in use once the station is up and the
  servers are down, minus what an empty program and the shims hold;
- the total size of the compiled package (.mpy files and web pages);
- boot -> READY time (launch of the simulator to its READY line), on a
  blank flash (which makes and saves the first-boot config) and warm;
- request -> answer latency, median and p95, of the TCP and HTTP servers.
These figures are the 64-bit unix port's: on a 32-bit board objects are
smaller, and the simulator's radio shims share the heap. Where Node runs,
the emulated chip's figures follow (tools/chipbench.py): 32-bit, MicroPython's
real rp2 port, as chip_* keys.
"""
import argparse
import json
import os
import shutil
import re
import urllib.parse
import socket
import statistics
import sys
import tempfile
import time
import http.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chip  # noqa: E402
import chipbench  # noqa: E402
import mpy  # noqa: E402
from simdrive import DEFAULT_NETWORKS as NETWORKS, HOME_PASSWORD as PASSWORD, ROOT, Sim, World  # noqa: E402

ROOMY_HEAP_KB = 256
STEP_TIMEOUT = 15


def http_get(sim, path, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", sim.ports["http"], timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def tcp_ask(sock, message):
    sock.sendall(json.dumps(message).encode() + b"\n")
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk
    return json.loads(data)


def flow(heap_kb, work, extra=(), flash=None):
    """Run the end-to-end flow at a heap size: (passed, figures)."""
    run = Path(tempfile.mkdtemp(dir=work))  # a blank flash for every run
    flash = flash or run / "flash"
    world = World(run / "world.json", NETWORKS)
    sim = Sim(flash, world, "%dK" % heap_kb, extra)
    try:
        return drive_flow(sim), {}
    except (AssertionError, OSError, ValueError, KeyError, http.client.HTTPException):
        return False, {}
    finally:
        sim.close()


def drive_flow(sim):
    """The flow's steps on a started board: True when it ended joined."""
    sim.expect(r"^READY mode=ap ", STEP_TIMEOUT)
    status, page = http_get(sim, "/config.htm")
    if status != 200 or b"Apply Wi-Fi Configuration" not in page:
        return False
    status, body = http_get(sim, "/api/scan")
    if status != 200:
        return False
    with socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=5) as sock:
        tcp_ask(sock, {"cmd": "status"})
        answer = tcp_ask(sock, {"mode": 0, "STA": {"SSID": "HomeNet", "auth": 4, "PWD": PASSWORD}})
        if not answer["ok"]:
            return False
    sim.expect(r"^READY mode=sta ip=", STEP_TIMEOUT)
    return True


def web_flow(heap_kb, work, extra=()):
    """The web-only transaction at a heap size: blank flash -> AP -> GET the
    form -> POST it -> saved. (passed, figures)."""
    run = Path(tempfile.mkdtemp(dir=work))
    flash = run / "flash"
    world = World(run / "world.json", NETWORKS)
    sim = Sim(flash, world, "%dK" % heap_kb, extra)
    try:
        sim.expect(r"^READY mode=ap ", STEP_TIMEOUT)
        status, page = http_get(sim, "/config.htm")
        token = re.search(rb'name="token" value="([0-9a-f]{16})"', page)
        if status != 200 or not token:
            return False, {}
        form = urllib.parse.urlencode({"devmode": "0", "saveconfig": "1", "countrycode": "GEN", "stassid": "HomeNet",
                                       "stapwd": PASSWORD, "staauth": "4", "stach": "0", "staauto": "1",
                                       "token": token.group(1).decode()})
        conn = http.client.HTTPConnection("127.0.0.1", sim.ports["http"], timeout=5)
        try:
            conn.request("POST", "/config.htm", form, {"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        # The board tries the network first; the page reloads itself until it has joined.
        status = resp.status
        for _ in range(20):
            if status != 200 or b"<h1>Connected" in body:
                break
            time.sleep(0.5)
            status, body = http_get(sim, "/join.htm")
        saved = json.loads((flash / "wifiprov.json").read_text()).get("STA", {}).get("SSID") == "HomeNet"
        return status == 200 and b"<h1>Connected" in body and saved, {}
    except (AssertionError, OSError, ValueError, KeyError, http.client.HTTPException):
        return False, {}
    finally:
        sim.close()


def provisioned_flash(work):
    """A flash with a saved station config, made by the flow itself at a
    roomy heap; boot_join copies it for every run."""
    run = Path(tempfile.mkdtemp(dir=work))
    ok, _ = flow(ROOMY_HEAP_KB, work, flash=run / "flash")
    if not ok:
        raise SystemExit("error: could not provision a flash for the boot-and-join rows; run make test")
    return run / "flash"


# The least app a maker writes (docs/app.md): it waits for the network.
EMPTY_APP = """import wifiprov


async def main():
    info = await wifiprov.connected()
    print("APP online", info["ip"])
"""


def boot_join(heap_kb, work, extra=(), template=None, app=None):
    """A provisioned flash boots and joins at a heap size, and runs `app`
    (an app.py's text) when given: (passed, {})."""
    run = Path(tempfile.mkdtemp(dir=work))
    shutil.copytree(template, run / "flash")
    if app:
        (run / "flash" / "app.py").write_text(app)
    world = World(run / "world.json", NETWORKS)
    sim = Sim(run / "flash", world, "%dK" % heap_kb, extra)
    try:
        sim.expect(r"^READY mode=sta ip=", STEP_TIMEOUT)
        if app:
            sim.expect(r"^APP online ", STEP_TIMEOUT)
        return True, {}
    except (AssertionError, OSError):
        return False, {}
    finally:
        sim.close()


def probe(mode, work, flash, drive=None):
    """Run the firmware under tools/heapprobe.py (HEAPPROBE=mode) at a
    roomy heap; drive(sim) runs a flow; the figures it printed."""
    world = World(Path(tempfile.mkdtemp(dir=work)) / "world.json", NETWORKS)
    os.environ["HEAPPROBE"] = mode
    try:
        sim = Sim(flash, world, "%dK" % ROOMY_HEAP_KB, ("--main", str(ROOT / "tools" / "heapprobe.py")))
    finally:
        del os.environ["HEAPPROBE"]
    try:
        if drive:
            drive(sim)
        else:
            sim.expect(r"^HEAPPROBE %s " % mode, STEP_TIMEOUT)
    finally:
        sim.close()
    return sim.transcript().splitlines()


def probed(lines, mode):
    """The figures heapprobe printed for a mode."""
    return [int(line.split()[2]) for line in lines if line.startswith("HEAPPROBE " + mode)]


def qstr_pools(lines):
    """The largest qstr pool figures heapprobe printed: (pools, names)."""
    found = [re.search(r"n_pool=(\d+), n_qstr=(\d+)", line) for line in lines if line.startswith("qstr pool:")]
    return max((int(m.group(1)), int(m.group(2))) for m in found if m)


# A heap size counts only when this many fresh runs in a row pass: the heap
# fragments differently from run to run, and one lucky pass says little.
PASSES = 3


def passes(run, heap_kb, work, extra=()):
    figures = {}
    for _ in range(PASSES):
        ok, figures = run(heap_kb, work, extra)
        if not ok:
            return False, figures
    return True, figures


def smallest_heap(work, run=flow, extra=()):
    lo, hi = 8, ROOMY_HEAP_KB  # lo fails (assumed), hi must pass
    ok, best = passes(run, hi, work, extra)
    if not ok:
        raise SystemExit("error: the flow fails even at %dK; run make test" % hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        ok, figures = passes(run, mid, work, extra)
        say("  heap %dK: %s" % (mid, "passes %d times in a row" % PASSES if ok else "fails"))
        if ok:
            hi, best = mid, figures
        else:
            lo = mid
    return hi, best


def latency(work, requests):
    """Request -> answer times (ms) of both servers at a roomy heap."""
    world = World(Path(work) / "world-latency.json", NETWORKS)
    sim = Sim(Path(work) / "flash-latency", world, "%dK" % ROOMY_HEAP_KB)
    tcp, web, boots = [], [], []
    start = time.monotonic()
    try:
        sim.expect(r"^READY mode=ap ", STEP_TIMEOUT)
        first_boot_ms = (time.monotonic() - start) * 1000
        with socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=5) as sock:
            for _ in range(requests):
                t = time.perf_counter()
                tcp_ask(sock, {"cmd": "status"})
                tcp.append((time.perf_counter() - t) * 1000)
        for _ in range(requests):
            t = time.perf_counter()
            status, _ = http_get(sim, "/api/status")
            web.append((time.perf_counter() - t) * 1000)
            assert status == 200
    finally:
        sim.close()
    for n in range(5):
        start = time.monotonic()
        sim = Sim(Path(work) / "flash-latency", world, "%dK" % ROOMY_HEAP_KB)
        try:
            sim.expect(r"^READY mode=ap ", STEP_TIMEOUT)
            boots.append((time.monotonic() - start) * 1000)
        finally:
            sim.close()
    return tcp, web, boots, first_boot_ms


def summary(samples):
    ordered = sorted(samples)
    return {"median": round(statistics.median(ordered), 2),
            "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2), "n": len(ordered)}


def say(text):
    print(text, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench.json"), help="where to write the figures")
    ap.add_argument("--requests", type=int, default=100, help="requests per server for the latency")
    ap.add_argument("--frozen", help="a unix MicroPython with the package frozen in (make firmware BOARD=unix): "
                                     "adds the frozen rows")
    args = ap.parse_args(argv)
    out = mpy.build()
    sizes = {"mpy": sum(p.stat().st_size for p in out.rglob("*.mpy")),
             "web_pages": sum(p.stat().st_size for p in (out / "wifiprov" / "www").iterdir())}
    with tempfile.TemporaryDirectory() as work:
        say("finding the smallest heap for the whole flow (blank flash -> AP -> page -> TCP provisioning -> joined)")
        heap_kb, figures = smallest_heap(work)
        say("finding the smallest heap for the web-only transaction (blank flash -> AP -> GET the form -> POST -> saved)")
        web_heap_kb, _ = smallest_heap(work, web_flow)
        say("finding the smallest heap for boot and join (a provisioned flash boots and joins its network)")
        template = provisioned_flash(work)

        def join(heap_kb, work, extra=()):
            return boot_join(heap_kb, work, extra, template)

        join_heap_kb, _ = smallest_heap(work, join)
        say("finding the smallest heap for boot, join and an empty app (app.py awaits wifiprov.connected())")

        def join_app(heap_kb, work, extra=()):
            return boot_join(heap_kb, work, extra, template, EMPTY_APP)

        join_app_heap_kb, _ = smallest_heap(work, join_app)
        say("sampling the heap all through the flow, and what stays held after joining")
        sampled = probe("peak", work, Path(tempfile.mkdtemp(dir=work)) / "flash", drive_flow)
        peak = max(probed(sampled, "peak"))
        pools, names = qstr_pools(sampled)
        held_flash = Path(tempfile.mkdtemp(dir=work)) / "flash"
        shutil.copytree(template, held_flash)
        held = probed(probe("held", work, held_flash), "held")[0] - probed(probe("empty", work, held_flash), "empty")[0]
        frozen = {}
        if args.frozen:
            extra = ("--micropython", args.frozen, "--frozen")
            say("the same with the package frozen into %s" % args.frozen)
            frozen["min_heap_full_frozen_kb"] = smallest_heap(work, flow, extra)[0]
            frozen["min_heap_web_frozen_kb"] = smallest_heap(work, web_flow, extra)[0]
            frozen["min_heap_boot_join_frozen_kb"] = smallest_heap(work, join, extra)[0]
        say("measuring latency (%d requests per server) and boot time" % args.requests)
        tcp, web, boots, first_boot_ms = latency(work, args.requests)
        why = chip.check_node()
        if why:
            say("no chip figures: the emulated chip cannot run here (%s)" % why)
            on_chip = {}
        else:
            say("the heap on the emulated chip (tools/chipbench.py)")
            on_chip = chipbench.figures(Path(tempfile.mkdtemp(dir=work)))
    result = {
        "smallest_heap_kb": heap_kb,
        "min_heap_full_kb": heap_kb,
        "min_heap_web_kb": web_heap_kb,
        "heap_probe": "smallest -X heapsize (1 KB steps) at which %d fresh runs in a row pass" % PASSES,
        "min_heap_boot_join_kb": join_heap_kb,
        "min_heap_boot_join_app_kb": join_app_heap_kb,
        "peak_heap_in_use_bytes": peak,
        "held_after_join_bytes": held,
        # Interned names are never freed; the pool grows by doubling, and the
        # step from 5 to 6 pools costs one 7.3 KB block at once.
        "qstr_pools_in_flow": pools,
        "qstr_names_in_flow": names,
        "package_bytes": sizes,
        "first_boot_to_ready_ms": round(first_boot_ms, 1),
        "boot_to_ready_ms": summary(boots),
        "tcp_latency_ms": summary(tcp),
        "http_latency_ms": summary(web),
        "platform": "MicroPython unix port, 64-bit, simulator",
    }
    result.update(frozen)
    result.update(on_chip)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        ("smallest heap for the whole flow (%d passes in a row)" % PASSES, "%d KB" % heap_kb),
        ("smallest heap for the web-only transaction", "%d KB" % web_heap_kb),
        ("smallest heap for boot and join", "%d KB" % join_heap_kb),
        ("smallest heap for boot, join and an empty app", "%d KB" % join_app_heap_kb),
        ("largest heap in use during the flow (sampled throughout)", "%d bytes" % peak),
        ("held after joining (net of an empty program and the shims)", "%d bytes" % held),
        ("qstr pool during the flow (heapprobe's own names included)", "%d pools, %d names" % (pools, names)),
    ] + [(name, "%d KB" % frozen[key]) for name, key in (
        ("frozen: smallest heap for the whole flow", "min_heap_full_frozen_kb"),
        ("frozen: smallest heap for the web-only transaction", "min_heap_web_frozen_kb"),
        ("frozen: smallest heap for boot and join", "min_heap_boot_join_frozen_kb")) if key in frozen] + [
        (".mpy files", "%d bytes" % sizes["mpy"]),
        ("web pages (www/)", "%d bytes" % sizes["web_pages"]),
        ("first boot (blank flash) -> READY", "%.0f ms" % result["first_boot_to_ready_ms"]),
        ("boot -> READY (median of 5)", "%.0f ms" % result["boot_to_ready_ms"]["median"]),
        ("TCP request -> answer", "median %.2f ms, p95 %.2f ms" % (result["tcp_latency_ms"]["median"],
                                                                    result["tcp_latency_ms"]["p95"])),
        ("HTTP request -> answer", "median %.2f ms, p95 %.2f ms" % (result["http_latency_ms"]["median"],
                                                                     result["http_latency_ms"]["p95"])),
    ] + [(name, "%d bytes" % on_chip[key]) for name, key in (
        ("chip: free heap at boot (MicroPython's prompt)", "chip_heap_at_boot"),
        ("chip: in use with the AP at rest", "chip_ap_rest_bytes"),
        ("chip: largest in use while the console provisions", "chip_peak_provisioning_bytes"),
        ("chip: held after joining (net of an empty program)", "chip_held_after_joining_bytes")) if key in on_chip] + [
        (name, fmt % on_chip[key]) for name, key, fmt in (
            ("chip: power-on -> READY mode=sta (chip time)", "chip_boot_to_ready_ms", "%.0f ms"),
            ("chip: power-on -> READY mode=sta (cycles)", "chip_boot_to_ready_cycles", "%d"),
            ("chip: make deploy (wall)", "chip_deploy_s", "%.1f s")) if key in on_chip]
    width = max(len(name) for name, _ in rows)
    say("")
    for name, value in rows:
        say("%-*s  %s" % (width, name, value))
    say("\nwritten to %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
