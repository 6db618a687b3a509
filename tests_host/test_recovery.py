"""Recovery without a console (docs/config.md): the BOOT button held for 3 s
opens provisioning, and an AP opened while a network is saved closes after
a window with no client on it. The simulated button is a signal to the
simulator, the phones on the AP the world file's "ap_clients"
(docs/simulator.md)."""
import json
import time

from conftest import HOME_PASSWORD


def joined(board, **kw):
    sim = board.start(**kw)
    sim.expect(r"^READY mode=ap")
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: joined")
    sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    return sim


def test_holding_boot_for_3_s_opens_provisioning_and_shows_the_code(board, world):
    sim = joined(board, extra=("--prov-window-s", "0"))
    passphrase = json.loads((board.flash / "wifiprov.json").read_text())["AP"]["PWD"]
    sim.button()  # pressed, and held 3.5 s
    sim.expect(r"^sim: BOOT button held$")
    sim.expect(r"^button: held 3 s; opening provisioning$", timeout=15)
    sim.expect(r"^AP passphrase: %s$" % passphrase)
    sim.expect(r"^READY mode=ap ")
    # With one radio the AP is on the joined network's channel (HomeNet's 6), whatever it was set to.
    sim.expect(r'^AP: "wifiprov-[0-9A-F]{4}", passphrase: %s, channel 6 \(set to 1; the AP follows the station\'s\)$'
               % passphrase)
    sim.expect(r"^Point a phone's camera at the code to join the AP\.$")
    sim.expect(r"^sim: BOOT button released$")
    sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')  # the station stays joined
    sim.expect(r"^provisioning: enabled$")
    # A short press does nothing.
    sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    sim.button(long_press=False)
    sim.expect(r"^sim: BOOT button released$")
    time.sleep(0.5)
    sim.cmd("wifiprov status", r"^provisioning: disabled$")
    assert sim.transcript().count("button: held") == 1


def test_an_ap_nobody_joins_closes_after_the_window_and_a_client_keeps_it(board, world):
    sim = joined(board, extra=("--prov-window-s", "2"))
    world.set("ap_clients", ["aa:bb:cc:dd:ee:01"])  # a phone is on the AP: it stays
    sim.button()
    sim.expect(r"^READY mode=ap ", timeout=15)
    mark = len(sim.lines)
    sim.cmd("wifiprov scan", r"networks$")  # a few seconds pass ...
    sim.cmd("wifiprov scan", r"networks$")
    time.sleep(3)
    assert not any("no one joined" in line for line in sim.output_since(mark))
    world.set("ap_clients", [])  # the phone leaves
    sim.expect(r"^provisioning: no one joined the access point for 2 s; closing it\. The station keeps trying; "
               r"hold BOOT for 3 s to open it again$", timeout=15)
    sim.expect(r"^provisioning: AP and servers are down$")
    sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')


def test_the_fallback_ap_closes_after_its_window_while_the_station_retries(board, world):
    sim = board.start(extra=("--prov-window-s", "2"))
    sim.expect(r"^READY mode=ap")
    sim.cmd('wifiprov set --no-verify 0 1 "GEN" 0 1 4 "Holiday Home" "far-away-pass"', r"^OK: saved; restarting")
    sim.expect(r'^EVENT AUTO_CONNECT_FAIL attempts=5 reason="network not found" ssid="Holiday Home"$')
    sim.expect(r"^READY mode=ap")
    sim.expect(r"^provisioning: no one joined the access point for 2 s; closing it", timeout=15)
    sim.cmd("wifiprov status", r'^station: (failed|connecting) "Holiday Home": network not found')  # between attempts, or in one
    # The network comes back: the station joins it without the AP.
    world.add({"ssid": "Holiday Home", "password": "far-away-pass", "auth": 4, "channel": 3, "rssi": -60})
    sim.expect(r'^EVENT CONNECTED ssid="Holiday Home"$', timeout=15)
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")


def test_boot_held_in_the_grace_after_a_join_opens_the_window_anew(board, world):
    # The AP closes 15 s after a join, unless BOOT is held meanwhile: then
    # the window it opened decides, and the join's timer does not close it.
    sim = board.start(extra=("--ap-grace-ms", "15000", "--prov-window-s", "600"))
    sim.expect(r"^READY mode=ap")
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: joined .*closes in 15 s$")
    sim.button()
    sim.expect(r"^button: held 3 s; opening provisioning$", timeout=15)
    sim.expect(r"^provisioning: the BOOT button opened it again, so it stays open until no one has joined it "
               r"for 600 s$", timeout=60)
    sim.cmd("wifiprov status", r"^provisioning: enabled$")
    assert "provisioning: closed" not in sim.transcript()
