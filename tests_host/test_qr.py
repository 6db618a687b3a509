"""The console's QR code (`wifiprov ap`, docs/console.md), read back by a real
decoder, zxing-cpp: the encoder under MicroPython at every size it makes,
and the AP's join code with the characters the Wi-Fi QR format escapes."""
import json
import random
import socket

import zxingcpp

from conftest import HOME_PASSWORD, ROOT, run_micropython

MP = ROOT / "tests_host" / "mp"


def decode(art):
    """Text lines in half blocks (a block is a light module, as on a dark
    console) -> what a camera would read, as zxing-cpp reads it."""
    rows = []
    for line in art:
        rows.append([255 if c in "█▀" else 0 for c in line])
        rows.append([255 if c in "█▄" else 0 for c in line])
    scale = 4
    data = bytearray()
    for row in rows:
        pixels = b"".join(bytes([v]) * scale for v in row)
        data += pixels * scale

    class Image:
        __array_interface__ = {"shape": (len(rows) * scale, len(rows[0]) * scale), "typestr": "|u1",
                               "data": bytes(data), "version": 3}

    found = zxingcpp.read_barcodes(Image(), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "no QR code read"
    return found[0].text


def test_every_size_decodes(tmp_path):
    rng = random.Random(20261201)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ;:,.\\\"'!?-_/"
    lengths = [1, 17, 18, 32, 53, 54, 78, 106, 134, 154, 192, 230, 231, 271, 272, 321, 367, 425]
    texts = ["".join(rng.choice(alphabet) for _ in range(n)).strip() or "x" for n in lengths]
    cases = tmp_path / "texts.txt"
    cases.write_text("\n".join(texts) + "\n")
    run = run_micropython(MP / "qr_cases.py", str(cases))
    assert run.returncode == 0, run.stderr + run.stdout
    blocks = run.stdout.split("END\n")[:-1]
    sizes = set()
    for text, block in zip(texts, blocks):
        head, *art = block.splitlines()
        sizes.add(int(head.split()[1]))
        assert decode(art) == text
    assert len(blocks) == len(texts)
    assert sizes == {17 + 4 * v for v in range(1, 14)}  # versions 1..13, each once at least


def test_too_long_is_refused(tmp_path):
    cases = tmp_path / "texts.txt"
    cases.write_text("x" * 426 + "\n")  # 425 is the most version 13 holds
    run = run_micropython(MP / "qr_cases.py", str(cases))
    assert "ValueError: too long for a QR code here (426 bytes)" in run.stdout + run.stderr


def ap_art(lines):
    return [line for line in lines if line and set(line) <= set("█▀▄ ")]


def test_wifiprov_ap_shows_a_code_a_phone_joins_with(board):
    sim = board.start()
    passphrase = sim.expect(r"^AP passphrase: (\S+)$").group(1)
    sim.expect(r"^READY mode=ap")
    lines = sim.collect("wifiprov ap", r"^Point a phone's camera at the code to join the AP\.$")
    assert lines[0] == 'AP: "%s", passphrase: %s, channel 1' % (sim_ssid(board), passphrase)
    assert decode(ap_art(lines)) == "WIFI:T:WPA;S:%s;P:%s;;" % (sim_ssid(board), passphrase)


def test_wifiprov_ap_shows_the_channel_the_ap_uses_and_says_when_it_is_closed(board):
    sim = board.start()
    passphrase = sim.expect(r"^AP passphrase: (\S+)$").group(1)
    sim.expect(r"^READY mode=ap")
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: joined")
    # Joined, the AP is still up for its grace, on HomeNet's channel 6.
    lines = sim.collect("wifiprov ap", r"^Point a phone's camera at the code to join the AP\.$")
    assert ('AP: "%s", passphrase: %s, channel 6 (set to 1; the AP follows the station\'s)'
            % (sim_ssid(board), passphrase)) in lines  # (the clock's EVENT line may come first)
    sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    lines = sim.collect("wifiprov ap", r"^The AP is closed now")
    assert 'AP: "%s", passphrase: %s, channel 1' % (sim_ssid(board), passphrase) in lines
    assert lines[-1] == ("The AP is closed now: wifiprov enable, or BOOT held 3 s, opens it; then a phone's camera "
                         "joins with the code.")
    assert decode(ap_art(lines)) == "WIFI:T:WPA;S:%s;P:%s;;" % (sim_ssid(board), passphrase)


def sim_ssid(board):
    return json.loads((board.flash / "wifiprov.json").read_text())["AP"]["SSID"]


def test_special_characters_are_escaped_as_phones_expect(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    ssid, key = 'Café;"Bob\'s":AP,1\\', 'p\\a;s,s:w"rd'
    with socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=10) as s:
        s.sendall(json.dumps({"mode": 1, "AP": {"SSID": ssid, "PWD": key, "ssidv": 0}}).encode() + b"\n")
        assert json.loads(s.makefile("rb").readline())["ok"]
    sim.expect(r"^AP passphrase: ")  # printed again as the AP reopens
    sim.expect(r"^READY mode=ap")
    lines = sim.collect("wifiprov ap", r"^Point a phone's camera")
    assert decode(ap_art(lines)) == 'WIFI:T:WPA;S:Café\\;\\"Bob\'s\\"\\:AP\\,1\\\\;P:p\\\\a\\;s\\,s\\:w\\"rd;H:true;;'
    # An open AP: no password in the code.
    with socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=10) as s:
        s.sendall(json.dumps({"mode": 1, "AP": {"SSID": "Open AP", "PWD": "", "auth": 1, "ssidv": 1}}).encode()
                  + b"\n")
        assert json.loads(s.makefile("rb").readline())["ok"]
    sim.expect(r"^AP passphrase: \(open network\)$")
    sim.expect(r"^READY mode=ap")
    lines = sim.collect("wifiprov ap", r"^Point a phone's camera")
    assert lines[0] == 'AP: "Open AP", open (no passphrase), channel 1'
    assert decode(ap_art(lines)) == "WIFI:T:nopass;S:Open AP;;"


def test_the_largest_ap_code_fits_the_small_heap(board):
    # Every character escaped: the longest join text an AP can have (v10).
    sim = board.start()
    sim.expect(r"^READY mode=ap")
    ssid, key = ";" * 32, ";" * 63
    with socket.create_connection(("127.0.0.1", sim.ports["tcp"]), timeout=10) as s:
        s.sendall(json.dumps({"mode": 1, "AP": {"SSID": ssid, "PWD": key}}).encode() + b"\n")
        assert json.loads(s.makefile("rb").readline())["ok"]
    sim.expect(r"^READY mode=ap")
    lines = sim.collect("wifiprov ap", r"^Point a phone's camera")
    assert decode(ap_art(lines)) == "WIFI:T:WPA;S:%s;P:%s;;" % ("\\;" * 32, "\\;" * 63)
