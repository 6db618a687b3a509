"""Boot flow: first boot, the banner, bad config files, factory reset."""
import json
import re

import pytest

from conftest import HOME_PASSWORD

PASSPHRASE = r"AP passphrase: (\S+)"


def first_boot(board):
    sim = board.start()
    # MicroPython's version as its own banner has it: the pinned unix port is a preview build.
    sim.expect(r"^wifiprov \d+\.\d+\.\d+ \| MicroPython 1\.29\.0-preview \| board: .* \| id: [0-9a-f]{12}$")
    sim.expect(r"first-boot defaults")
    passphrase = sim.expect(PASSPHRASE).group(1)
    sim.expect(r"^READY mode=ap tcp=\S+ http=\S+ https=\S+ dns=\S+$")
    return sim, passphrase


def test_first_boot_opens_ap_with_a_random_passphrase_that_survives_a_reboot(board, tmp_path, world):
    sim, passphrase = first_boot(board)
    assert len(passphrase) >= 12 and passphrase.isalnum()
    # The radio got a WPA2 AP (esp32 SEC_WPA2 = 3) named after the board's id.
    assert re.search(r'sim: AP config: ssid="wifiprov-[0-9A-F]{4}" channel=1 security=3 hidden=False',
                     sim.transcript())

    sim = board.restart(sim)
    sim.expect(r"config: loaded .*wifiprov\.json")
    assert sim.expect(PASSPHRASE).group(1) == passphrase
    sim.expect(r"^READY mode=ap")

    # Another board (another flash) gets another passphrase: nothing is fixed.
    from conftest import Sim

    other = Sim(tmp_path / "other-flash", world)
    try:
        assert other.expect(PASSPHRASE).group(1) != passphrase
    finally:
        other.close()


def test_banner_masks_passwords_and_the_file_holds_the_config(board):
    sim, passphrase = first_boot(board)
    # Saved without trying it: the board restarts to join (the seed's way).
    sim.cmd('wifiprov set --no-verify 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: saved; restarting")
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    banner = sim.transcript().split("sim: restarting the board")[1]
    assert HOME_PASSWORD not in banner and passphrase not in banner
    assert "AP passphrase" not in banner  # only shown in AP mode
    stored = json.loads((board.flash / "wifiprov.json").read_text())
    assert stored["STA"] == {"ch": 0, "auto": 1, "auth": 4, "SSID": "HomeNet", "PWD": HOME_PASSWORD}
    assert stored["mode"] == 0 and stored["version"] == 1 and len(stored["crc"]) == 8


def test_factory_reset_returns_to_first_boot(board):
    sim, passphrase = first_boot(board)
    sim.cmd('wifiprov set 1 1 "GEN" 6 1 4 "MyAP" "a-good-passphrase"', r"^OK: access point restarting")
    # It asks first: a bare `wifiprov reset` changes nothing.
    sim.cmd("wifiprov reset", r"^ERROR: wifiprov reset erases the whole config .*; type: wifiprov reset yes")
    sim.cmd("wifiprov get", r'^AP: ssid="MyAP"')
    sim.cmd("wifiprov reset yes", r"^OK: config erased; restarting into first-boot provisioning")
    sim.expect(r"sim: restarting the board")
    sim.expect(r"first-boot defaults")
    assert sim.expect(PASSPHRASE).group(1) != passphrase
    sim.expect(r"^READY mode=ap")
    sim.cmd("wifiprov get", r'^AP: ssid="wifiprov-[0-9A-F]{4}"')


def _valid_file(board):
    sim, _ = first_boot(board)
    sim.close()
    return (board.flash / "wifiprov.json").read_bytes()


@pytest.mark.parametrize("name,mangle,reason", [
    ("truncated", lambda good: good[: len(good) // 2], "not valid JSON"),
    ("oversized", lambda good: b" " * 5000 + good, "5[0-9]{3} bytes, more than the 4096 allowed"),
    ("not json", lambda good: b"\x00\xffhello wifi\n", "not valid JSON"),
    ("a list", lambda good: b"[1, 2, 3]", "not a JSON object"),
    ("wrong types", lambda good: json.dumps({"mode": "1", "save_config": 1}).encode(),
     "mode: must be an integer 0 \\(STA\\) or 1 \\(AP\\), not a string"),
    ("bit flip", lambda good: good.replace(b'"ch": 1', b'"ch": 7'), "checksum mismatch \\(file damaged\\)"),
    ("empty", lambda good: b"", "not valid JSON"),
])
def test_bad_config_file_at_boot_falls_back_to_defaults(board, name, mangle, reason):
    good = _valid_file(board)
    (board.flash / "wifiprov.json").write_bytes(mangle(good))
    sim = board.start()
    sim.expect(r"config: .*wifiprov\.json: %s; skipped" % reason)
    sim.expect(r"first-boot defaults")
    sim.expect(r"^READY mode=ap")
    sim.cmd("wifiprov status", r"^provisioning: enabled")
    # The defaults replaced the bad file, so the next boot is clean.
    sim = board.restart(sim)
    sim.expect(r"config: loaded .*wifiprov\.json$")


def test_boot_uses_backup_then_temporary_file(board):
    sim, passphrase = first_boot(board)
    sim.cmd('wifiprov set 1 1 "GEN" 6 1 4 "NewAP" "a-good-passphrase"', r"^READY mode=ap")
    sim.close()
    live = board.flash / "wifiprov.json"
    backup = board.flash / "wifiprov.json.bak"
    assert json.loads(backup.read_text())["AP"]["PWD"] == passphrase  # the previous config

    live.write_bytes(b"{broken")
    sim = board.start()
    sim.expect(r"wifiprov\.json: not valid JSON; skipped")
    sim.expect(r"config: loaded .*wifiprov\.json\.bak$")
    sim.expect(r'config: AP: ssid="wifiprov-')
    sim.close()

    # A save cut between writing the temporary file and its rename.
    tmp = board.flash / "wifiprov.json.tmp"
    tmp.write_bytes(backup.read_bytes())
    live.unlink()
    sim = board.start()
    sim.expect(r"config: loaded .*wifiprov\.json\.tmp$")
    sim.expect(r"^READY mode=ap")
    sim.close()
    assert live.exists() and not tmp.exists()  # the rename was finished


def test_forget_drops_the_network_and_keeps_the_ap_passphrase(board):
    sim, passphrase = first_boot(board)
    sim.cmd("wifiprov forget", r"^ERROR: no station network is configured; nothing to forget$")
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: joined")
    sim.cmd("wifiprov forget", r'^OK: forgot "HomeNet"; access point restarting as "wifiprov-[0-9A-F]{4}" on channel 1$')
    sim.expect(r"^AP passphrase: %s$" % passphrase)  # the same one: phones that know it join again
    sim.expect(r"^READY mode=ap")
    stored = json.loads((board.flash / "wifiprov.json").read_text())
    assert "STA" not in stored and stored["mode"] == 1 and stored["AP"]["PWD"] == passphrase
    sim.cmd("wifiprov status", r"^station: idle$")
    sim = board.restart(sim)  # and it stays forgotten
    sim.expect(r"^AP passphrase: %s$" % passphrase)
    sim.expect(r"^READY mode=ap")


def test_the_passphrase_is_printed_whenever_the_ap_opens(board, world):
    sim, passphrase = first_boot(board)
    sim.cmd('wifiprov set --no-verify 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: saved; restarting")
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    sim.cmd("wifiprov enable", r"^AP passphrase: %s$" % passphrase)
    sim.expect(r"^OK: provisioning enabled$")
    sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    # The router's password changes: the fallback AP opens, with its passphrase.
    world.write([dict(n, password="a-new-router-pass") if n["ssid"] == "HomeNet" else n for n in world.networks])
    sim = board.restart(sim)
    sim.expect(r"^EVENT AUTO_CONNECT_FAIL ")
    sim.expect(r"^AP passphrase: %s$" % passphrase)
    sim.expect(r"^READY mode=ap")


# An app.py whose import takes the heap and gives it back a moment later,
# from a task: the boot's portal cannot load at first.
GREEDY_APP = """import asyncio
import gc

hoard = []
try:
    while True:
        hoard.append(bytearray(512))
except MemoryError:
    pass
for _ in range(32):  # 16 KB: room for the boot, the console and this task, none for the portal
    hoard.pop()


async def give_back():
    await asyncio.sleep_ms(1500)
    hoard.clear()
    gc.collect()
    print("APP gave the heap back")

asyncio.create_task(give_back())


async def main():
    print("APP main started")
"""


def test_a_boot_whose_heap_is_full_opens_the_ap_once_there_is_room(board):
    """The boot's provisioning AP meets a full heap (the app's import took
    it): it is tried again each second, the firmware does not end, and the
    AP, the READY line and the app follow once the heap is free."""
    board.flash.mkdir(parents=True, exist_ok=True)
    (board.flash / "app.py").write_text(GREEDY_APP)
    sim = board.start()
    sim.expect(r"^provisioning: out of memory for portal\.open; trying again each second$")
    sim.expect(r"^APP gave the heap back$")
    sim.expect(r"^READY mode=ap tcp=\S+ http=\S+ https=\S+ dns=\S+$")
    sim.expect(r"^APP main started$")
    sim.cmd("wifiprov status", r"^provisioning: enabled")
    assert "Traceback" not in sim.transcript()
