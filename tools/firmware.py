#!/usr/bin/env python3
"""Build MicroPython firmware from a MicroPython source checkout: wifiprov frozen
in (the image a maker flashes), or the stock image.

    python tools/firmware.py BOARD --micropython DIR [--stock | --board-modules] [--out DIR]
    python tools/firmware.py --chip-images --micropython DIR

BOARD: RPI_PICO_W, RPI_PICO (any rp2 board), ESP32_GENERIC (any esp32 board,
with ESP-IDF set up), unix (the simulator with the package frozen in, for
`make bench`), or unix32 (the same, built for i386: 32-bit, as a board is;
with --stock the plain i386 port, which runs the package as .mpy). `make
firmware BOARD=... MICROPY=...` runs this; `make bench MICROPY=...` builds the
four unix binaries itself when one is missing or stale (unix_binary()):
those and unix32 --board-modules, the plain i386 port with the simulator's
shims of the board's own modules (network, machine) frozen in, as a board
has them in C.

Frozen, the image keeps every module the board's stock image has (the
board's own manifest: requests, mip, webrepl, ...) and adds the package, its
pages, boot.py and main.py (firmware/manifest.py). rp2 images are written as
OUT/<BOARD>-wifiprov.uf2 (stock: OUT/<BOARD>.uf2; OUT defaults to
build/firmware).

--chip-images rebuilds the emulated chip's committed firmware images (the
stock RPI_PICO and RPI_PICO_W, tools/chip/images/) and writes their
PROVENANCE.md: MicroPython's tag and commit, every submodule's commit, the
toolchain, the sha256 of each image.

The checkout needs its submodules for the port (rp2: lib/pico-sdk,
lib/tinyusb, lib/mbedtls, lib/micropython-lib; RPI_PICO_W also
lib/cyw43-driver, lib/lwip, lib/btstack; unix: lib/mbedtls,
lib/micropython-lib, and lib/berkeley-db-1.xx, without which the build leaves
the btree module out and says so) and the port's toolchain (rp2:
arm-none-eabi-gcc with newlib, and cmake; unix: gcc, with Debian's
gcc-multilib for unix32, and libffi-dev and pkg-config for unix). Builds are
reproducible: SOURCE_DATE_EPOCH is the checkout's commit time, so the image's
build date is too.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frozen_pages  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "firmware" / "manifest.py"
UNIX_MANIFEST = ROOT / "firmware" / "unix" / "manifest.py"
BOARD_MANIFEST = ROOT / "firmware" / "unix" / "manifest_board.py"  # the shims alone: a board's own modules
CHIP_IMAGES = ROOT / "tools" / "chip" / "images"
CHIP_BOARDS = ("RPI_PICO", "RPI_PICO_W")
RP2_SUBMODULES = ("lib/pico-sdk", "lib/tinyusb", "lib/mbedtls", "lib/micropython-lib")
PICO_W_SUBMODULES = ("lib/cyw43-driver", "lib/lwip", "lib/btstack")
UNIX_SUBMODULES = ("lib/mbedtls", "lib/micropython-lib")
BTREE_SUBMODULE = "lib/berkeley-db-1.xx"  # only the btree module needs it
# The unix builds, each in a build directory of its own in ports/unix, so
# that they never overwrite one another: (board, stock) -> (directory, make's
# flags); stock is True, False (the package frozen in) or "board" (the
# shims of the board's own modules frozen in, the package as .mpy). unix32 is an i386 build (gcc-multilib), without ffi, which would
# need libffi built for i386, and which neither the package nor a board has.
# Every one keeps the standard variant's frozen modules: asyncio is frozen,
# as on a board.
I386 = ("CFLAGS_EXTRA=-m32", "LDFLAGS_EXTRA=-m32", "MICROPY_PY_FFI=0")
UNIX_BUILDS = {
    ("unix", False): ("build-standard", ()),
    ("unix", True): ("build-standard", ()),
    ("unix32", False): ("build-i386-wifiprov", I386),
    ("unix32", True): ("build-i386", I386),
    ("unix32", "board"): ("build-i386-board", I386),
}
# Written beside a unix binary: what it was built from and with. A binary
# whose stamp differs, or that is older than what it freezes, is stale.
UNIX_STAMP = "wifiprov-build.txt"
UF2_FAMILY_RP2040 = "0xe48bff56"
FLASH_BASE = "0x10000000"


class BuildError(Exception):
    """The build cannot go on; the text says why and what to do."""


def say(text):
    print("firmware: " + text, flush=True)


def run(cmd, **kw):
    say(" ".join(str(c) for c in cmd))
    done = subprocess.run([str(c) for c in cmd], **kw)
    if done.returncode:
        raise BuildError("%s failed (exit code %d)" % (cmd[0], done.returncode))
    return done


def git(micropython, *args):
    done = subprocess.run(["git", "-C", str(micropython), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def port_of(micropython, board):
    if board in ("unix", "unix32"):
        return "unix"
    for port in ("rp2", "esp32"):
        if (micropython / "ports" / port / "boards" / board).is_dir():
            return port
    raise BuildError("no board %s in %s/ports/rp2/boards or ports/esp32/boards" % (board, micropython))


def missing(micropython, modules):
    """The submodules among modules that the checkout has not checked out."""
    return [m for m in modules if not (micropython / m).is_dir() or not any((micropython / m).iterdir())]


def check_submodules(micropython, needed):
    lacking = missing(micropython, needed)
    if lacking:
        raise BuildError("%s lacks the submodules %s: `git submodule update --init %s` in it" % (
            micropython, ", ".join(lacking), " ".join(lacking)))


def environment(micropython):
    env = dict(os.environ)
    when = git(micropython, "log", "-1", "--format=%ct")
    if when:
        env.setdefault("SOURCE_DATE_EPOCH", when)  # the image's build date is the source's
    return env


def build_rp2(micropython, board, stock, out):
    check_submodules(micropython, RP2_SUBMODULES + (PICO_W_SUBMODULES if board.endswith("_W") else ()))
    port = micropython / "ports" / "rp2"
    build = port / ("build-%s%s" % (board, "" if stock else "-wifiprov"))
    cmake = ["cmake", "-S", port, "-B", build, "-DMICROPY_BOARD=%s" % board,
             "-DMICROPY_BOARD_DIR=%s" % (port / "boards" / board).resolve(),
             # No picotool: pico-sdk 2.x would git-clone it, which fails offline.
             "-DPICO_BUILD_DOCS=0", "-DPICO_NO_PICOTOOL=1"]
    if not stock:
        cmake.append("-DMICROPY_FROZEN_MANIFEST=%s" % MANIFEST)
    env = environment(micropython)
    run(cmake, env=env, stdout=subprocess.DEVNULL)
    forget_frozen(build)
    run(["make", "-C", build, "-j%d" % (os.cpu_count() or 2)], env=env, stdout=subprocess.DEVNULL)
    out.mkdir(parents=True, exist_ok=True)
    uf2 = out / ("%s%s.uf2" % (board, "" if stock else "-wifiprov"))
    run([sys.executable, micropython / "tools" / "uf2conv.py", "-f", UF2_FAMILY_RP2040, "-b", FLASH_BASE, "-c",
         "-o", uf2, build / "firmware.bin"], stdout=subprocess.DEVNULL)
    say("%s: firmware.bin %d bytes, %s %d bytes" % (board, (build / "firmware.bin").stat().st_size, uf2,
                                                    uf2.stat().st_size))
    return build / "firmware.bin", uf2


def forget_frozen(build):
    """MicroPython's manifest tool compiles a frozen module again only when
    its source is newer than the .mpy it made last: a build from another
    checkout of wifiprov (older files) kept the last checkout's code, and
    a bench compared the same code twice. Each build freezes afresh."""
    shutil.rmtree(build / "frozen_mpy", ignore_errors=True)


def build_make(micropython, port, board, stock):
    """esp32 (ESP-IDF's environment must be set up): the port's own Makefile."""
    args = ["make", "-C", micropython / "ports" / port, "BOARD=%s" % board]
    forget_frozen(micropython / "ports" / port / ("build-" + board))
    if not stock:
        args.append("FROZEN_MANIFEST=%s" % MANIFEST)
    if (micropython / ".git").exists():
        run(args + ["submodules"])
    run(args, env=environment(micropython))
    say("built in %s" % (micropython / "ports" / port / ("build-" + board)))


def unix_make(micropython, board, stock):
    """The make command line of a unix build, and the binary it makes."""
    directory, flags = UNIX_BUILDS[(board, stock)]
    port = micropython / "ports" / "unix"
    args = ["make", "-C", port, "BUILD=%s" % directory, *flags]
    if missing(micropython, (BTREE_SUBMODULE,)):
        args.append("MICROPY_PY_BTREE=0")
    if not stock:
        args.append("FROZEN_MANIFEST=%s" % UNIX_MANIFEST)
    elif stock == "board":
        args.append("FROZEN_MANIFEST=%s" % BOARD_MANIFEST)
    return args, port / directory / "micropython"


def unix_stamp(micropython, args):
    return "%s\nmicropython %s\n" % (" ".join(str(a) for a in args[3:]), git(micropython, "rev-parse", "HEAD"))


def unix_stale(micropython, board, stock):
    """Why the unix binary must be built (it is missing, was built from
    another commit or with other flags, or is older than the package and the
    shims it freezes), or None when it is up to date."""
    args, binary = unix_make(micropython, board, stock)
    stamp = binary.parent / UNIX_STAMP
    if not binary.exists():
        return "%s is missing" % binary
    if not stamp.exists() or stamp.read_text() != unix_stamp(micropython, args):
        return "%s was built from another commit or with other flags" % binary
    if stock in (False, "board"):
        frozen = [p for d in ((UNIX_MANIFEST.parent,) if stock else (ROOT / "lib", UNIX_MANIFEST.parent))
                  for p in d.rglob("*") if p.is_file()]
        newer = [p for p in frozen + [Path(frozen_pages.__file__)] if p.stat().st_mtime > binary.stat().st_mtime]
        if newer:
            return "%s is older than %s" % (binary, newer[0].relative_to(ROOT))
    return None


def build_unix(micropython, board, stock):
    """A unix binary: unix (64-bit) or unix32 (i386), the package frozen in
    (firmware/unix/manifest.py) or stock. Returns its path."""
    # `make submodules` only when one is missing: it also resets their URLs
    # to GitHub's, which a checkout made from local mirrors must keep.
    if missing(micropython, UNIX_SUBMODULES) and (micropython / ".git").exists():
        run(["make", "-C", micropython / "ports" / "unix", "submodules"])
    check_submodules(micropython, UNIX_SUBMODULES)
    args, binary = unix_make(micropython, board, stock)
    if "MICROPY_PY_BTREE=0" in args:
        say("the btree module is left out: %s has no %s (`git submodule update --init %s` in it adds it)"
            % (micropython, BTREE_SUBMODULE, BTREE_SUBMODULE))
    (binary.parent / UNIX_STAMP).unlink(missing_ok=True)
    forget_frozen(binary.parent)
    run(args + ["-j%d" % (os.cpu_count() or 2)], env=environment(micropython), stdout=subprocess.DEVNULL)
    (binary.parent / UNIX_STAMP).write_text(unix_stamp(micropython, args))
    say("built %s" % binary)
    return binary


def unix_binary(micropython, board, stock=False):
    """The unix binary of a build (see UNIX_BUILDS), built first when it is
    missing or stale: what `make bench MICROPY=...` runs."""
    why = unix_stale(micropython, board, stock)
    if why:
        say("building it: %s" % why)
        return build(micropython, board, stock, None)
    return unix_make(micropython, board, stock)[1]


def build(micropython, board, stock, out):
    port = port_of(micropython, board)
    if not stock:
        frozen_pages.main([str(ROOT / "build" / "frozen")])
    run(["make", "-C", micropython / "mpy-cross"], stdout=subprocess.DEVNULL)
    if port == "rp2":
        return build_rp2(micropython, board, stock, out)
    if port == "unix":
        return build_unix(micropython, board, stock)
    build_make(micropython, port, board, stock)
    return None


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def chip_images(micropython):
    """The emulated chip's firmware images, and where they came from."""
    for board in CHIP_BOARDS:
        build(micropython, board, True, CHIP_IMAGES)
    gcc = subprocess.run(["arm-none-eabi-gcc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    lines = [
        "# The emulated chip's firmware images",
        "",
        "Written by `python tools/firmware.py --chip-images --micropython DIR`; do not edit.",
        "MicroPython's stock rp2 images, used by tools/chip.py (make chip) and tests_host/test_chip.py.",
        "",
        "| | |",
        "|---|---|",
        "| MicroPython | %s (commit %s) |" % (git(micropython, "describe", "--tags", "--always", "--dirty"),
                                          git(micropython, "rev-parse", "HEAD")),
        "| toolchain | %s; cmake with -DPICO_BUILD_DOCS=0 -DPICO_NO_PICOTOOL=1 |" % gcc,
        "| uf2 | tools/uf2conv.py -f %s -b %s |" % (UF2_FAMILY_RP2040, FLASH_BASE),
        "| SOURCE_DATE_EPOCH | %s |" % environment(micropython).get("SOURCE_DATE_EPOCH"),
        "",
        "| submodule | commit |",
        "|---|---|",
    ]
    for module in RP2_SUBMODULES + PICO_W_SUBMODULES:
        lines.append("| %s | %s |" % (module, git(micropython / module, "rev-parse", "HEAD")))
    lines += ["", "| image | bytes | sha256 |", "|---|---|---|"]
    for board in CHIP_BOARDS:
        uf2 = CHIP_IMAGES / ("%s.uf2" % board)
        lines.append("| %s | %d | %s |" % (uf2.name, uf2.stat().st_size, sha256(uf2)))
    boot = CHIP_IMAGES / "bootrom-b1.bin"
    lines += [
        "| %s | %d | %s |" % (boot.name, boot.stat().st_size, sha256(boot)),
        "",
        "bootrom-b1.bin is the RP2040's mask ROM, revision B1, which the emulator needs and the npm package",
        "rp2040js does not carry: built from github.com/raspberrypi/pico-bootrom (B1,",
        "00a4a19114195e20fb817bdfbca1165e157eef37), as published in github.com/wokwi/rp2040js",
        "demo/bootrom.ts at commit 7701ee065f50a04380f81361befd754810cb9e28, written out as bytes",
        "(little-endian words). This script does not rebuild it.",
        "",
    ]
    (CHIP_IMAGES / "PROVENANCE.md").write_text("\n".join(lines))
    say("wrote %s" % (CHIP_IMAGES / "PROVENANCE.md"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("board", nargs="?", help="RPI_PICO_W, RPI_PICO, ESP32_GENERIC, unix, unix32, ...")
    ap.add_argument("--micropython", required=True, help="a MicroPython source checkout, with its submodules")
    ap.add_argument("--stock", action="store_true", help="the board's stock image, without wifiprov")
    ap.add_argument("--board-modules", action="store_true",
                    help="unix32 only: the stock i386 port with the simulator's shims of a board's own modules "
                         "(network, machine) frozen in, as a board has them in C; the package runs as .mpy")
    ap.add_argument("--out", default=str(ROOT / "build" / "firmware"), help="where rp2 .uf2 images go")
    ap.add_argument("--chip-images", action="store_true",
                    help="rebuild the emulated chip's images in tools/chip/images and their PROVENANCE.md")
    args = ap.parse_args(argv)
    micropython = Path(args.micropython).resolve()
    try:
        if not (micropython / "ports").is_dir():
            raise BuildError("%s is not a MicroPython checkout (no ports/)" % micropython)
        if args.chip_images:
            chip_images(micropython)
        elif args.board:
            if args.board_modules and args.board != "unix32":
                raise BuildError("--board-modules is for unix32 (make bench's _32_board rows)")
            build(micropython, args.board, "board" if args.board_modules else args.stock, Path(args.out))
        else:
            ap.error("name a BOARD, or --chip-images")
    except BuildError as e:
        print("firmware: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
