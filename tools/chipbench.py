#!/usr/bin/env python3
"""The heap and time figures of wifiprov on the emulated chip (tools/chip.py):
MicroPython's rp2 port on an emulated RP2040, 32-bit, its real gc heap, the
package deployed as .mpy by `make deploy`.

    python tools/chipbench.py [--out FILE.json]

`make bench` runs it and puts its figures in bench.json as chip_* keys:
- chip_heap_at_boot: gc.mem_free() after a collect at MicroPython's prompt,
  the radio stand-in on the flash, nothing else running (what a program has);
- chip_empty_program_bytes: in use once the stand-in's network and socket
  modules are imported (on a Pico W they are C and cost nothing): the
  baseline that the held figure is net of;
- chip_ap_rest_bytes: in use with the AP up and its servers idle, at first boot;
- chip_peak_provisioning_bytes: the largest figure sampled (every 50 ms, by
  tools/chipprobe.py, the board's app.py) while the console provisions: a
  wrong password, then the right one, joined, the AP closed;
- chip_held_after_joining_bytes: in use once a provisioned flash has booted
  and joined (no AP), less the empty program's: the simulator's held row;
- chip_held_after_provisioning_bytes: in use once joined with the AP closed
  in the boot that provisioned, less the empty program's (more: the names
  the provisioning interned stay until the next reset);
- chip_boot_to_ready_ms: chip time from power-on to READY mode=sta (a
  provisioned flash), with the cycles it took: compare builds by these, not
  as a board's latency (the emulator runs at a fraction of a real chip's speed);
- chip_deploy_s: the wall time of `make deploy` onto the chip.
Figures in use include the probe's own sampling task (under 1 KB).
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chip  # noqa: E402
import mpy  # noqa: E402
from simdrive import ChipBoard, HOME_PASSWORD  # noqa: E402

ROOT = mpy.ROOT
BOOT_S = 120
PROBE = ROOT / "tools" / "chipprobe.py"


def say(text):
    print("chipbench: " + text, flush=True)


def mpremote(port, *args):
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", port, *args], capture_output=True, text=True,
                         timeout=300)
    if run.returncode:
        raise RuntimeError("mpremote %s: %s" % (" ".join(args), run.stdout + run.stderr))
    return run.stdout


def figures(work):
    work = Path(work)
    board = ChipBoard(work / "flash.img", work / "tty")
    try:
        chip.put_standin(board.port)
        free = int(mpremote(board.port, "exec", "import gc; gc.collect(); print(gc.mem_free())"))
        empty = int(mpremote(board.port, "exec", "import gc, machine, network, socket; gc.collect(); "
                                                 "print(gc.mem_alloc())"))
        say("at boot %d bytes free; an empty program holds %d" % (free, empty))
        started = time.monotonic()
        deploy = subprocess.run([sys.executable, str(ROOT / "tools" / "deploy.py"), "--port", board.port,
                                 "--app", str(PROBE), "--no-console"], capture_output=True, text=True, timeout=900)
        deploy_s = time.monotonic() - started
        if deploy.returncode:
            raise RuntimeError("deploy failed: %s" % (deploy.stdout + deploy.stderr))
        mark = len(board.lines)
        rest_ap = int(board.expect(r"^HEAPPROBE rest ap (\d+)$", BOOT_S).group(1))
        say("AP at rest: %d bytes in use" % rest_ap)
        board.type("wifiprov set 0 1 GEN 0 1 4 HomeNet wrong-password-1")
        board.expect(r"^ERROR: could not join", BOOT_S)
        board.type("wifiprov set 0 1 GEN 0 1 4 HomeNet " + HOME_PASSWORD)
        board.expect(r"^OK: joined", BOOT_S)
        provisioned = int(board.expect(r"^HEAPPROBE rest sta (\d+)$", BOOT_S).group(1))  # after the AP's 30 s
        peak = max(int(m) for m in re.findall(r"^HEAPPROBE peak (\d+)$", "\n".join(board.output_since(mark)), re.M))
        say("peak while provisioning %d; held after provisioning %d (net %d)" % (peak, provisioned,
                                                                                  provisioned - empty))
        board.control("power")
        board.expect(r"^chip: USB serial up$", BOOT_S)
        board.expect(r"^READY mode=sta ", BOOT_S)
        board.control("stats")  # the time to READY, before the probe's settling
        stats = dict(kv.split("=") for kv in board.expect(r"^chip: stats (.*)$").group(1).split())
        joined = int(board.expect(r"^HEAPPROBE rest sta (\d+)$", BOOT_S).group(1))
        say("held after a boot that joins %d (net %d)" % (joined, joined - empty))
    finally:
        board.close()
    return {
        "chip_heap_at_boot": free,
        "chip_empty_program_bytes": empty,
        "chip_ap_rest_bytes": rest_ap - empty,
        "chip_peak_provisioning_bytes": peak - empty,
        "chip_held_after_joining_bytes": joined - empty,
        "chip_held_after_provisioning_bytes": provisioned - empty,
        "chip_boot_to_ready_ms": round(float(stats["chip_ms"]), 1),
        "chip_boot_to_ready_cycles": int(stats["cycles"]),
        "chip_deploy_s": round(deploy_s, 1),
        "chip_platform": "MicroPython v1.28.0 rp2 port (RPI_PICO, 32-bit) in rp2040js 1.4.1; wifiprov as .mpy; "
                         "bytes in use are net of an empty program",
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="write the figures here as JSON")
    args = ap.parse_args(argv)
    why = chip.check_node()
    if why:
        print("chipbench: the emulated chip cannot run here: %s" % why, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        result = figures(work)
    for key, value in result.items():
        print("%-32s %s" % (key, value))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
