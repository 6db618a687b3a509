"""wifiprov on the emulated chip (tools/chip.py): MicroPython's real rp2 port,
the committed RPI_PICO image, in the RP2040 emulator rp2040js under Node, a
32-bit Cortex-M0+ with its real gc heap, littlefs on its flash and its USB
serial console on a pseudo-terminal. RPI_PICO has no radio: the stand-in of
firmware/chip/ is put on its filesystem first, never in the package. The
chip is reached as a maker reaches a board: `make deploy`, its serial
console, mpremote, the Improv SDK over the port, its BOOTSEL button, its
power."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HOME_PASSWORD, ROOT, mpy
import chip
import simdrive
from test_improv import PROVISIONED, sdk
from test_qr import ap_art, decode

why = chip.check_node()
pytestmark = pytest.mark.skipif(why is not None, reason="the emulated chip cannot run here: %s" % why)

BOOT_S = 60  # an emulated boot takes 2-4 s on a quiet machine; room for a loaded one
CHIP_IP = "192.168.1.57"  # the stand-in's station address


def deploy(port, *settings):
    run = subprocess.run(["make", "--no-print-directory", "deploy", "PORT=" + port, *settings], cwd=str(ROOT),
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    return run.returncode, run.stdout, run.stderr


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A Pico's flash with wifiprov deployed by `make deploy` (and the radio
    stand-in put there first), made once; each test boots a copy of it.
    Returns (flash image, deploy's output)."""
    folder = tmp_path_factory.mktemp("chip")
    flash = folder / "flash.img"
    board = simdrive.ChipBoard(flash, folder / "tty")
    try:
        chip.put_standin(board.port)
        code, out, err = deploy(board.port)
        assert code == 0, out + err + board.transcript()[-3000:]
    finally:
        board.close()
    return flash, out


@pytest.fixture
def pico(deployed, tmp_path):
    """Boards on a copy of the deployed flash; board.close() is power off."""
    boards = []
    shutil.copyfile(deployed[0], tmp_path / "flash.img")

    def start(flash=tmp_path / "flash.img", **kw):
        board = simdrive.ChipBoard(flash, tmp_path / ("tty%d" % len(boards)), **kw)
        boards.append(board)
        return board

    yield start
    for board in boards:
        board.close()


def test_make_deploy_puts_wifiprov_on_the_chip_and_it_boots_into_provisioning(deployed):
    flash, out = deployed
    assert "arch armv6m" in out and "on rp2 (Raspberry Pi Pico with RP2040)" in out
    modules = sorted(p.stem for p in (ROOT / "lib" / "wifiprov").glob("*.py"))
    assert "deploy: %d files" % (len(modules) + len(list((ROOT / "lib" / "wifiprov" / "www").iterdir()))) in out
    passphrase = re.search(r"^  \| AP passphrase: (\w{12})$", out, re.M).group(1)
    assert re.search(r'^  \| provisioning: AP "wifiprov-[0-9A-F]{4}" is up at 192\.168\.4\.1$', out, re.M)
    assert "  | READY mode=ap tcp=6666 http=80 https=- dns=53" in out
    assert "with the passphrase %s" % passphrase in out


def test_console_provisioning_on_the_chip_survives_a_power_cycle_and_bootsel_reopens_it(pico):
    board = pico()
    board.expect(r"^READY mode=ap tcp=6666 ", BOOT_S)
    # The AP's name and passphrase, and a QR code a phone camera reads.
    mark = len(board.lines)
    board.type("wifiprov ap")
    board.expect(r"^Point a phone's camera at the code to join the AP\.$")
    shown = board.output_since(mark)
    ssid, passphrase = re.search(r'^AP: "(wifiprov-[0-9A-F]{4})", passphrase: (\w{12}), channel 1$',
                                 "\n".join(shown), re.M).groups()
    assert decode(ap_art(shown)) == "WIFI:T:WPA;S:%s;P:%s;;" % (ssid, passphrase)

    # A wrong password: refused after the try, nothing saved.
    board.type("wifiprov set 0 1 GEN 0 1 4 HomeNet wrong-password-1")
    board.expect(r'^ERROR: could not join "HomeNet": the password is wrong\. Nothing was saved', BOOT_S)
    # The right one: joined, then saved to littlefs.
    board.type("wifiprov set 0 1 GEN 0 1 4 HomeNet " + HOME_PASSWORD)
    board.expect(r"^OK: joined \"HomeNet\" as %s" % re.escape(CHIP_IP), BOOT_S)
    board.type("wifiprov status")
    board.expect(r"^config: saved on flash$")

    # Power off and on: the board rejoins from what is on its flash.
    board.control("power")
    board.expect(r"^chip: power cycle$")
    board.expect(r"^config: loaded /wifiprov\.json$", BOOT_S)
    board.expect(r"^READY mode=sta ip=%s$" % re.escape(CHIP_IP), BOOT_S)

    # BOOTSEL held 3 s opens provisioning again, with its QR code. Held
    # until the board says so: 3 s are the chip's own clock, which runs
    # slower than the wall's when the machine is busy.
    board.control("bootsel hold")
    board.expect(r"^button: held 3 s; opening provisioning$", BOOT_S)
    board.control("bootsel release")
    board.expect(r"^READY mode=ap tcp=6666 ", BOOT_S)
    board.expect(r'^AP: "%s", passphrase: %s, channel 1$' % (ssid, passphrase))


def test_a_python_line_at_the_chips_console_and_mpremote_gets_micropythons_repl_back(pico):
    board = pico()
    board.expect(r"^READY mode=ap ", BOOT_S)
    board.type("import sys; print('on', sys.platform, 6 * 7)")
    board.expect(r"^on rp2 42$")
    board.release()
    # mpremote's Ctrl-C ends wifiprov (its AP and servers go down) and the
    # raw REPL takes over, as on a board.
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "exec", "print('raw', 1 + 1)"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "raw 2" in run.stdout, run.stdout + run.stderr + board.transcript()[-2000:]
    board.expect(r"provisioning: AP and servers are down$")


def test_an_app_that_blocks_the_loop_does_not_lock_the_maker_out_of_the_chip(pico, tmp_path):
    """Issue 22, item 2: with Improv on, wifiprov reads Ctrl-C itself, and an
    app.py that blocks the loop would leave the console unread: mpremote and
    make deploy could never reach the board again, short of erasing it. The
    watch turns Ctrl-C back on: a fixed app is deployed over the blocking one."""
    blocking = tmp_path / "blocking.py"
    blocking.write_text("import time\n\n\nasync def main():\n    print('APP blocking')\n"
                        "    while True:\n        time.sleep(1)\n")
    fixed = tmp_path / "fixed.py"
    fixed.write_text("import asyncio\n\n\nasync def main():\n    print('APP fixed')\n"
                     "    while True:\n        await asyncio.sleep(1)\n")
    board = pico()
    board.expect(r"^READY mode=ap ", BOOT_S)
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "fs", "cp", str(blocking), ":app.py",
                          "+", "reset"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    board.expect(r"^APP blocking$", BOOT_S)
    board.expect(r"^console: wifiprov's loop has been blocked for 5 s .*Ctrl-C interrupts it now", BOOT_S)
    code, out, err = deploy(board.port, "APP=" + str(fixed))
    assert code == 0, out + err + board.transcript()[-3000:]
    board.expect(r"^APP fixed$", BOOT_S)


def test_the_improv_sdk_provisions_the_chip_over_its_serial_port(pico):
    board = pico()
    board.expect(r"^READY mode=ap ", BOOT_S)
    run = sdk(["initialize", "scan", "provision:HomeNet:wrong-password-1", "provision:HomeNet:" + HOME_PASSWORD],
              "--tty", board.port)
    answers = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert len(answers) == 4, (answers, run.stderr.decode(errors="replace")[-3000:], board.transcript()[-3000:])
    init, scan, bad, good = answers
    assert init["ok"] and init["info"]["firmware"] == "wifiprov" and init["info"]["chipFamily"] == "RP2040"
    assert sorted(scan["networks"], key=lambda n: n["name"]) == [  # the SDK keeps its own order
        {"name": "Attic WPA3", "rssi": -80, "secured": True}, {"name": "Cafe Guest", "rssi": -71, "secured": False},
        {"name": "HomeNet", "rssi": -48, "secured": True}]
    assert bad == {"step": "provision", "ok": False, "error": "UNABLE_TO_CONNECT", "state": 2}
    assert good["ok"] and good["state"] == PROVISIONED and good["nextUrl"].endswith(".local/")
    board.expect(r"^READY mode=sta ip=%s$" % re.escape(CHIP_IP), BOOT_S)


# A config save cut by a power failure, on the chip's real littlefs: the
# firmware's own store.save() (as every transport saves), the power cut
# during the k-th program or erase the flash chip receives, for every k the
# longest of four whole saves took (a compaction's writes too), with that
# write torn in half, and again with it done and the power gone right after
# it; then the next power-on's loader, store.load() (as the boot reads the
# config). Each cut starts from where the last left the flash, so the cuts
# also meet littlefs in several states. Each cut costs a power cycle of the
# emulated chip, so make test cuts each write twice; a cut at every single
# write of a save, torn and whole, runs on the unix port's littlefs
# (test_store.py), and `make fuzz` cuts the simulator's power in 50 saves.
# The chip runs without main.py here: MicroPython's raw REPL (mpremote's
# client) drives it; at the end wifiprov boots from what the cuts left.
SAVES = [{"mode": 1, "save_config": 1, "countrycode": "GEN",
          "AP": {"ch": 1 + i % 11, "ssidv": 1, "auth": 4, "SSID": "cut-test-%d" % i, "PWD": "passphrase-%03d" % i}}
         for i in range(80)]
LOAD = "r = store.load('/wifiprov.json', print)[0]; print('LOADED', r and r['AP']['SSID'])"
PARTS = (1 / 2, 1)


def test_power_cuts_across_a_save_on_littlefs_leave_the_old_config_or_the_new_one(pico):
    from mpremote.transport_serial import SerialTransport

    board = pico()
    board.expect(r"^READY mode=ap ", BOOT_S)
    board.release()
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "rm", ":main.py"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    repl = SerialTransport(board.port)
    try:
        def fresh_repl():
            board.expect(r"^chip: USB serial up$", BOOT_S)
            repl.enter_raw_repl(soft_reset=False, timeout_overall=BOOT_S)
            repl.exec("from wifiprov import store")

        def loaded():
            return repl.exec(LOAD).decode().split("LOADED ")[1].strip()

        def flash_writes():
            board.control("stats")
            return int(board.expect(r"^chip: stats .*flash_ops=(\d+)").group(1))

        board.control("power")
        fresh_repl()
        # Whole saves, to count the flash writes one takes (littlefs's
        # commits: the temporary file, its data, two renames; now and then
        # a compaction more).
        counts = []
        for config in SAVES[-3:] + SAVES[:1]:
            before = flash_writes()
            repl.exec("store.save('/wifiprov.json', %r)" % config)
            counts.append(flash_writes() - before)
        writes = max(counts)
        assert writes >= 3, counts
        old = loaded()
        assert old == SAVES[0]["AP"]["SSID"]
        outcomes = []
        # The cut points span the whole save: each of its writes, torn at
        # each of PARTS.
        points = [(k, part) for k in range(1, writes + 1) for part in PARTS]
        assert len(points) < len(SAVES)
        for n, (k, part) in enumerate(points):
            new = SAVES[n + 1]
            board.control("cut %d %s" % (k, part))
            repl.exec_raw_no_follow("store.save('/wifiprov.json', %r); print('SAVED')" % new)
            if board.expect(r"chip: power cut after \d+ flash writes$|SAVED", BOOT_S).group(0) == "SAVED":
                board.control("cut off")  # this save took fewer writes than k
                repl.follow(BOOT_S)
            board.control("power")
            fresh_repl()
            now = loaded()
            assert now in (old, new["AP"]["SSID"]), (n, k, now, old, board.transcript()[-3000:])
            outcomes.append((k, part, now == old))
            old = now
        print("saves took %s flash writes; cuts (write, part, old kept):" % counts, outcomes)
        assert [o[:2] for o in outcomes] == points  # every write of the save, torn at each point
        assert {o[2] for o in outcomes} == {True, False}  # cut before the rename, and after it
    finally:
        repl.close()
    # wifiprov's own boot reads the same: the last config the cuts left.
    run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "cp", str(ROOT / "main.py"), ":main.py",
                          "+", "reset"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    board.expect(r"^config: loaded /wifiprov\.json(\.tmp|\.bak)?$", BOOT_S)
    board.expect(r'^config: AP: ssid="%s" ' % old, BOOT_S)
    board.expect(r"^READY mode=ap ", BOOT_S)


def test_a_pico_w_whose_radio_does_not_start_says_so_and_keeps_its_console(tmp_path):
    # The stock RPI_PICO_W image: the real cyw43 network module and lwIP,
    # but no radio chip in the emulator ("Failed to start CYW43"), as on a
    # board whose radio has failed. No stand-in here.
    board = simdrive.ChipBoard(tmp_path / "flash.img", tmp_path / "tty", board="RPI_PICO_W")
    try:
        run = subprocess.run([sys.executable, str(ROOT / "tools" / "deploy.py"), "--port", board.port],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        out, err = run.stdout, run.stderr
        assert run.returncode == 1, out + err  # deployed, but the firmware is not reachable
        assert "on rp2 (Raspberry Pi Pico W with RP2040)" in out
        assert re.search(r"^  \| wifi: the radio is not working \(the access point got no address\): no Wi-Fi for "
                         r"now; the console and the REPL keep working", out, re.M), out
        assert "READY" not in out and "is up at" not in out  # no AP, so no servers claimed
        assert "deploy: error: wifiprov is on the board, but the board's radio is not working" in err
        board.type("wifiprov status")
        board.expect(r"^radio: the radio is not working \(the access point got no address\)$")
        board.type("wifiprov scan")
        board.expect(r"^ERROR: no scan: the radio is not working")
        # The console still provisions: saved, and the station tries (and
        # fails plainly, attempt after attempt, without a traceback).
        board.type("wifiprov set --no-verify 0 1 GEN 0 1 4 HomeNet " + HOME_PASSWORD)
        answer = board.expect(r'^OK: joining "HomeNet"$|^OK: saved; restarting', BOOT_S).group(0)
        board.type("print('still', 6 * 7)")
        board.expect(r"^still 42$", BOOT_S)
        board.expect(r'^EVENT AUTO_CONNECT_FAIL attempts=5 reason="the radio is not working \(error 1\)"', BOOT_S)
        board.expect(r"^provisioning: no access point, so no provisioning over Wi-Fi", BOOT_S)  # the fallback
        # From the boot the set was typed into (deploy's reboots and mpremote's file checks come before).
        before_set, after_set = board.transcript().split("wifiprov set --no-verify", 1)
        since_boot = before_set.rsplit("wifiprov 0.1.0 |", 1)[1] + after_set
        assert "Traceback" not in since_boot
        # No crash loop: no boot but the one restart the set may have asked for.
        restarts = 1 if answer.startswith("OK: saved; restarting") else 0
        assert after_set.count("wifiprov 0.1.0 |") == restarts, since_boot
    finally:
        board.close()


# The images `make firmware` builds with wifiprov frozen in (docs/boards.md).
# Building them needs a MicroPython checkout with its submodules and the
# arm toolchain, which CI does not have: these run where the images were
# built (build/firmware/, or the folder WIFIPROV_FIRMWARE names).
FIRMWARE = Path(os.environ.get("WIFIPROV_FIRMWARE") or ROOT / "build" / "firmware")


def frozen_image(board):
    image = FIRMWARE / ("%s-wifiprov.uf2" % board)
    if not image.exists():
        pytest.skip("no %s: build it with `make firmware BOARD=%s MICROPY=<micropython checkout>`" % (image, board))
    return image


def modules(port):
    """The modules the running image has, frozen or built in (help('modules'))."""
    text = subprocess.run([mpy.find_tool("mpremote"), "connect", port, "exec", "help('modules')"],
                          capture_output=True, text=True, timeout=120).stdout
    return set(text.split("Plus any modules")[0].split())


def test_the_frozen_pico_w_image_keeps_every_module_of_the_stock_one(tmp_path):
    frozen = simdrive.ChipBoard(tmp_path / "frozen.img", tmp_path / "tty-frozen", firmware=frozen_image("RPI_PICO_W"))
    try:
        # No wifiprov on its filesystem and no stand-in: the real (radio-less)
        # Pico W, and the frozen main.py says so plainly.
        frozen.expect(r"^wifi: the radio is not working", BOOT_S)
        frozen.write(b"\x03")  # Ctrl-C: MicroPython's REPL, for mpremote
        frozen.expect(r"wifiprov: stopped by Ctrl-C", BOOT_S)
        frozen.release()
        ours = modules(frozen.port)
    finally:
        frozen.close()
    stock = simdrive.ChipBoard(tmp_path / "stock.img", tmp_path / "tty-stock", board="RPI_PICO_W")
    try:
        theirs = modules(stock.port)
    finally:
        stock.close()
    assert {"requests/__init__", "mip/__init__", "webrepl", "ntptime", "ssl", "aioble/__init__"} <= theirs
    assert theirs <= ours, sorted(theirs - ours)
    package = {"wifiprov/" + p.stem for p in (ROOT / "lib" / "wifiprov").glob("*.py")}
    assert package | {"wifiprov_pages", "wifiprov_names", "main", "boot"} <= ours, sorted(package - ours)


def test_the_frozen_pico_image_boots_to_ready_with_only_the_radio_stand_in_on_its_flash(tmp_path):
    board = simdrive.ChipBoard(tmp_path / "flash.img", tmp_path / "tty", firmware=frozen_image("RPI_PICO"))
    try:
        # RPI_PICO has no radio: without the stand-in, the frozen main.py
        # says so and MicroPython's REPL stays. (Its first boot's words went
        # by before USB was up; a soft reset, Ctrl-D, runs it again.)
        board.write(b"\r\x04")
        board.expect(r"^wifiprov: this MicroPython has no network module, so no Wi-Fi", BOOT_S)
        board.release()
        chip.put_standin(board.port)
        run = subprocess.run([mpy.find_tool("mpremote"), "connect", board.port, "ls", ":", "+", "reset"],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert sorted(run.stdout.split()[3::2]) == ["chipworld.json", "network.mpy", "socket.mpy"], run.stdout
        board.expect(r"^READY mode=ap tcp=6666 http=80 https=- dns=53$", BOOT_S)
    finally:
        board.close()
