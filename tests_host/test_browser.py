"""The portal in a real browser (issue 4): Debian's chromium driven by
Playwright against the firmware under MicroPython. Screenshots of the pages
are kept in tests_host/artifacts/."""
import json
import re
from pathlib import Path

import pytest

from conftest import DEFAULT_NETWORKS, HOME_PASSWORD, ROOT

CHROMIUM = "/usr/bin/chromium"  # Debian's; a downloaded browser is never used
ARTIFACTS = ROOT / "tests_host" / "artifacts"
XSS_SSIDS = ["<img src=x onerror=alert(1)>", "'\");alert(1);//"]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium; where it is missing, Playwright's own (make test
    installs one of them where it can); with neither, the browser tests are
    skipped and say what to install."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--no-first-run"]
        try:
            if Path(CHROMIUM).exists():
                b = p.chromium.launch(executable_path=CHROMIUM, args=args)
            else:
                b = p.chromium.launch(args=args)
        except Error as e:
            pytest.skip("no browser: %s is missing and Playwright's chromium is not installed (apt-get install "
                        "chromium, or .venv/bin/python -m playwright install chromium): %s"
                        % (CHROMIUM, str(e).splitlines()[0]))
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    """A page the size of a phone's screen; every dialog it opens is recorded."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def open_portal(phone, sim):
    phone.goto("http://127.0.0.1:%d/config.htm" % sim.ports["http"])
    phone.wait_for_selector("#nets[data-state=done]")  # the page fetches the scan after it loads


def test_first_boot_type_the_name_connect_and_see_where_the_board_went(board, phone):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    # The first screen: the list, a name, a password, one button; the rest
    # is folded away under Advanced.
    assert phone.locator("#nets button.net").count() == 2  # HomeNet and Cafe Guest; the hidden one is typed
    assert phone.is_visible("#stassid") and phone.is_visible("#stapwd") and phone.is_visible("#connect")
    assert not phone.is_visible("#devmode") and not phone.is_visible("#apssid")
    assert phone.input_value("#devmode") == "1"  # first boot: the board is an access point
    shot(phone, "1-first-screen.png")
    phone.fill("#stassid", "HomeNet")  # typed by hand, not picked: Mode still says AP
    phone.fill("#stapwd", HOME_PASSWORD)
    phone.click("#showpwd")
    assert phone.get_attribute("#stapwd", "type") == "text"
    shot(phone, "2-name-and-password-typed.png")
    phone.click("#connect")
    phone.wait_for_selector("h1")
    assert phone.inner_text("h1") in ('Connecting to "HomeNet"…', "Connected"), sim.transcript()
    if phone.inner_text("h1") != "Connected":
        shot(phone, "3-connecting.png")
    # The page reloads itself until the board has joined.
    phone.wait_for_selector("h1:text-is('Connected')", timeout=20000)
    assert 'The board joined "HomeNet". Its address is 127.0.0.1.' == phone.inner_text("#next")
    url = phone.inner_text("#url")
    assert re.fullmatch(r"http://wifiprov-[0-9a-f]{4}\.local:%d/" % sim.ports["http"], url)
    shot(phone, "4-connected.png")
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0  # joining means station mode, whatever Mode said
    assert saved["STA"] == {"SSID": "HomeNet", "PWD": HOME_PASSWORD, "auth": 4, "ch": 0, "auto": 1}
    # Done: the AP closes now rather than after its grace.
    phone.click("#done")
    phone.wait_for_selector("h1:text-is('Done')")
    shot(phone, "5-done.png")
    sim.expect(r"^provisioning: closed; the board stays on \"HomeNet\" at 127\.0\.0\.1$")
    assert "sim: restarting the board" not in sim.transcript()


@pytest.mark.parametrize("ssid, auth", [("SecretLab", 5), ("HomeNet", 4)], ids=["hidden", "scanned"])
def test_a_name_typed_with_a_password_after_an_open_network_is_a_secured_one(board, world, phone, ssid, auth):
    # The board was last on an open network, so Advanced's Security says
    # open. A name typed by hand with its password joins: with the security
    # the scan saw for it (HomeNet, WPA2), else WPA2/WPA3 (SecretLab hides
    # its name). It was refused with "Leave it empty: this network is open".
    world.write(DEFAULT_NETWORKS + [{"ssid": "SecretLab", "password": "lab-password-1", "auth": 4, "channel": 9,
                                     "rssi": -60, "hidden": True}])
    board.flash.mkdir(parents=True, exist_ok=True)
    was_open = {"mode": 1, "STA": {"SSID": "Cafe Guest", "auth": 1},
                "AP": {"SSID": "wifiprov-lab", "PWD": "ap-pass-word-1", "auth": 4}}
    (board.flash / "wifiprov.json").write_text(json.dumps(was_open))
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    assert phone.input_value("#staauth") == "1"
    phone.fill("#stassid", ssid)
    phone.fill("#stapwd", HOME_PASSWORD if ssid == "HomeNet" else "lab-password-1")
    phone.click("#connect")
    phone.wait_for_selector("h1:text-is('Connected')", timeout=20000)
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0 and saved["STA"]["SSID"] == ssid and saved["STA"]["auth"] == auth


def test_a_password_for_a_network_the_scan_saw_open_is_refused(board, phone):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    phone.locator("#nets button.net").filter(has_text="Cafe Guest").click()  # the scan says open
    phone.fill("#stapwd", "a-needless-password")
    phone.click("#connect")
    phone.wait_for_selector("#error")
    assert "this network is open" in phone.inner_text("#error")
    assert not (board.flash / "wifiprov.json").exists() or "Cafe Guest" not in (board.flash / "wifiprov.json").read_text()


@pytest.mark.parametrize("ssid, password, reason, field, picture", [
    ("HomeNet", "not-the-password", "the password is wrong", "#stapwd", "wrong-password.png"),
    ("Holiday Home", "whatever-it-is", "no network of that name is in range", "#stassid", "out-of-range.png"),
])
def test_a_network_that_cannot_be_joined_changes_nothing(board, phone, ssid, password, reason, field, picture):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    before = (board.flash / "wifiprov.json").read_bytes()
    open_portal(phone, sim)
    phone.fill("#stassid", ssid)
    phone.fill("#stapwd", password)
    phone.click("#connect")
    phone.wait_for_selector("#error", timeout=20000)
    text = phone.inner_text("#error")
    assert text.startswith('Could not join "%s": %s.' % (ssid, reason)), text
    assert "Nothing was saved; the board's Wi-Fi stays up" in text  # a phone user's words
    assert phone.input_value("#stassid") == ssid  # kept, and the field at fault is marked
    assert phone.evaluate("document.activeElement.id") == field[1:]
    assert phone.get_attribute(field, "aria-invalid") == "true"
    shot(phone, picture)
    assert (board.flash / "wifiprov.json").read_bytes() == before
    sim.expect(r"^EVENT PROV_FAILURE reason=")
    assert "AP down" not in sim.transcript()
    sim.cmd("wifiprov status", r"^provisioning: enabled$")


def test_a_field_error_names_the_label_and_keeps_what_was_typed(board, phone):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    phone.get_by_role("button", name="HomeNet").click()
    phone.fill("#stapwd", "short")
    phone.click("#connect")
    phone.wait_for_selector("#error")
    assert phone.inner_text("#error") == "Password: 8 to 63 characters (letters, digits and symbols; no accents)."
    assert phone.input_value("#stapwd") == "short"  # the page just sent: the password too
    # The field takes the focus once the page is parsed (DOMContentLoaded),
    # which can come after #error shows: the page arrives in pieces.
    phone.wait_for_function("document.activeElement.id === 'stapwd'")
    shot(phone, "field-error.png")
    # A field under Advanced: the section opens on it.
    phone.click("#advanced summary")
    phone.fill("#stach", "99")
    phone.fill("#stapwd", HOME_PASSWORD)
    phone.click("#connect")
    phone.wait_for_selector("#error")
    assert phone.inner_text("#error") == "Channel: 0 to 13 for GEN (0 = any)."
    assert phone.get_attribute("#advanced", "open") is not None
    assert phone.is_visible("#stach")
    phone.wait_for_function("document.activeElement.id === 'stach'")


def test_the_advanced_form_still_applies_the_seeds_fields(board, phone):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    phone.click("#advanced summary")
    # A network that is not in range now, saved without trying it.
    phone.fill("#stassid", "Holiday Home")
    phone.fill("#stapwd", "far-away-pass")
    phone.select_option("#devmode", "0")
    phone.check("#verify")
    shot(phone, "advanced.png")
    phone.get_by_role("button", name="Apply Wi-Fi Configuration").click()
    phone.wait_for_selector("h1:text-is('Configuration applied')")
    assert phone.inner_text("#next") == 'saved; restarting in 1.5 s to join "Holiday Home"'
    sim.expect(r"^sim: restarting the board$")
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0 and saved["STA"]["SSID"] == "Holiday Home"


def test_advanced_apply_on_a_new_board_says_it_stays_an_access_point_and_offers_to_join(board, phone):
    """Issue 22, item 1: on a new board Mode says AP. Advanced's Apply with a
    network typed in saves it but must say plainly that the board did not
    join, and offer the join (tried first, as Connect does)."""
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    phone.fill("#stassid", "HomeNet")
    phone.fill("#stapwd", HOME_PASSWORD)
    phone.click("#advanced summary")
    assert phone.input_value("#devmode") == "1"
    phone.get_by_role("button", name="Apply Wi-Fi Configuration").click()
    phone.wait_for_selector("#next")
    shot(phone, "advanced-apply-ap.png")
    assert phone.inner_text("h1") == "Saved: the board stays an access point"
    assert phone.inner_text("#hint") == ('Mode says "AP: stay an access point", so the board did not join "HomeNet". '
                                         "To join it now, press the button below; next time, press Connect "
                                         "on the first screen.")
    assert "Configuration applied" not in phone.content()
    # Only the station's section changed: the AP kept running, so the phone stayed on it.
    assert len(re.findall(r'(?m)^provisioning: AP ".*" is up', sim.transcript())) == 1
    sim.cmd("wifiprov status", r"^mode: 1 \(AP\)$")
    phone.get_by_role("button", name='Join "HomeNet" now').click()
    phone.wait_for_selector("h1:text-is('Connected')", timeout=60000)
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["mode"] == 0 and saved["STA"]["SSID"] == "HomeNet" and saved["STA"]["PWD"] == HOME_PASSWORD


def test_the_phone_pages_words_a_typo_keeps_the_password_and_each_label_is_its_own(board, phone):
    """Issue 22, item 11: the phone user's words ("the board's Wi-Fi", not
    "access point"), one kind of quotes, distinct labels, and a name typed
    wrong keeps the password typed (in the tab only: the board never sends
    it back)."""
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    labels = phone.eval_on_selector_all("label", "ls => ls.map(l => l.textContent.trim())")
    labels = [label for label in labels if label]
    assert len(labels) == len(set(labels)), labels
    assert "Password" in labels and "Password of the board's Wi-Fi" in labels
    phone.fill("#stassid", "HomeNte")  # a typo: no such network
    phone.fill("#stapwd", HOME_PASSWORD)
    phone.click("#connect")
    phone.wait_for_selector("#error", timeout=20000)
    text = phone.inner_text("#error")
    assert text == ('Could not join "HomeNte": no network of that name is in range. Nothing was saved; '
                    "the board's Wi-Fi stays up"), text
    assert phone.input_value("#stapwd") == HOME_PASSWORD  # only the name is retyped
    assert HOME_PASSWORD not in phone.content()  # the board did not send it back
    phone.fill("#stassid", "HomeNet")
    phone.click("#connect")
    phone.wait_for_selector("h1:text-is('Connected')", timeout=60000)
    pages = [phone.inner_text("body")]
    phone.click("#done")
    phone.wait_for_selector("h1:text-is('Done')")
    pages.append(phone.inner_text("body"))
    for page in pages:
        assert "access point" not in page.lower() and "“" not in page and "”" not in page, page


def test_hostile_ssids_show_as_text_and_run_nothing(board, world, phone):
    world.write([{"ssid": s, "auth": 4, "password": "whatever-1", "channel": 3, "rssi": -50} for s in XSS_SSIDS]
                + [{"ssid_hex": "fffe41", "auth": 1, "channel": 4, "rssi": -80}])
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    phone.goto("http://127.0.0.1:%d/config.htm" % sim.ports["http"])
    phone.wait_for_selector("#nets[data-state=done]")
    shown = phone.locator("#nets button").all_inner_texts()
    for ssid in XSS_SSIDS:
        assert any(text.startswith(ssid) for text in shown), shown
        phone.locator("#nets button.net").filter(has_text=ssid).click()
        assert phone.input_value("#stassid") == ssid
    assert any("(not text: fffe41)" in text for text in shown)
    assert phone.locator("#nets img").count() == 0
    shot(phone, "hostile-ssids.png")
    # A failed form keeps the hostile SSID as text too, and so does a failed join.
    phone.fill("#stapwd", "short")
    phone.click("#connect")
    phone.wait_for_selector("#error")
    assert phone.input_value("#stassid") == XSS_SSIDS[-1]
    assert phone.inner_text("#error").startswith("Password: ")
    phone.fill("#stapwd", "not-whatever-1")
    phone.click("#connect")
    phone.wait_for_selector("#error", timeout=20000)
    assert phone.inner_text("#error").startswith('Could not join "%s": the password is wrong.' % XSS_SSIDS[-1])
    assert phone.input_value("#stassid") == XSS_SSIDS[-1]
    assert phone.locator("img").count() == 0
    shot(phone, "hostile-ssid-join-failed.png")
    assert phone.dialogs == []


def test_phone_page_sets_the_apps_settings_with_the_network(board, phone):
    # The maker's reporter app declares its settings; the phone user fills
    # them in on the same page as the Wi-Fi password, and after the join the
    # app uses them.
    from test_examples import reading_server, wait_for

    board.flash.mkdir(parents=True, exist_ok=True)
    (board.flash / "app.py").write_bytes((ROOT / "examples" / "reporter.py").read_bytes())
    with reading_server() as (url, got):
        # The reporter holds about 7 KB, and its names take the qstr pool to
        # a sixth allocation during the apply (docs/app.md, "Heap"): below
        # about 112K of this 64-bit heap the form's apply is refused with
        # "out of memory; try again" (the page says so and keeps the form),
        # at 104-112K now and then; it runs at 136K, above the tests' heap.
        # A 32-bit ESP32 has about 1.6x this room.
        sim = board.start(heap="136K")
        sim.expect(r"^READY mode=ap ")
        phone.goto("http://127.0.0.1:%d/config.htm" % sim.ports["http"])
        phone.wait_for_selector("#nets[data-state=done]")
        # The app's settings are on the first screen, under the password, above Connect.
        url_field = phone.get_by_label("Server URL for the readings (http://...)")
        assert url_field.is_visible() and not phone.is_visible("#devmode")
        assert phone.locator("#stapwd").bounding_box()["y"] < url_field.bounding_box()["y"] \
            < phone.locator("#connect").bounding_box()["y"]
        assert phone.get_attribute("#app_token", "type") == "password"
        phone.get_by_role("button", name="HomeNet").click()
        phone.fill("#stapwd", HOME_PASSWORD)
        phone.get_by_label("Server URL for the readings (http://...)").fill(url)
        phone.get_by_label("Access token (sent as a Bearer token)").fill("phone-token")
        shot(phone, "config-app-settings.png")
        phone.click("#connect")
        phone.wait_for_selector("h1:text-is('Connected')", timeout=20000)
        sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
        sim.expect(r"^reporter: sent a reading to %s: HTTP 201$" % url)
        wait_for(got, 1)
        assert got[0][1] == "Bearer phone-token"
    saved = json.loads((board.flash / "wifiprov.json").read_text())
    assert saved["app"] == {"server_url": url, "token": "phone-token", "every_s": "60"}


def test_changing_only_the_apps_settings_says_the_app_uses_them_now(board, phone):
    """Issue 22, item 5: a settings-only change talks of no restart and of
    no console a phone user does not have."""
    board.flash.mkdir(parents=True, exist_ok=True)
    (board.flash / "app.py").write_text(
        "import wifiprov\n\nwifiprov.field('greeting', 'Greeting to show')\n\n\n"
        "def on_prov(event, data):\n    if event == 'APP_SETTINGS':\n"
        "        print('APP greeting', wifiprov.value('greeting'))\n\n\nwifiprov.set_callback(on_prov)\n")
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    open_portal(phone, sim)
    phone.get_by_label("Greeting to show").fill("hello there")
    phone.click("#advanced summary")
    phone.get_by_role("button", name="Apply Wi-Fi Configuration").click()
    phone.wait_for_selector("#next")
    assert phone.inner_text("h1") == "Saved"
    assert phone.inner_text("#next") == "app settings saved; the app uses them now"
    page = phone.inner_text("body")
    assert "restart" not in page and "console" not in page, page
    sim.expect(r"^APP greeting hello there$")


def test_a_page_the_board_had_no_memory_for_loads_again_by_itself(board, world, phone):
    """The board's answer when it has no memory for a request (503) asks the
    browser to load the page again 2 s later (Refresh): a phone left on it,
    as on the join page it polls, goes on by itself once the board has room.
    Here the scan of 24 long-named networks does not fit a 92K heap
    (test_robust.py); once the world is small again, the page that was
    refused loads with no one touching the phone."""
    world.write([{"ssid": ("%02d" % i) + "N" * 30, "auth": 4, "password": "x" * 12, "channel": 1 + i % 11,
                  "rssi": -40 - i} for i in range(24)])
    sim = board.start(heap="92K")
    sim.expect(r"^READY mode=ap ")
    for _ in range(10):  # most tries at this heap are refused (test_robust.py)
        answer = phone.goto("http://127.0.0.1:%d/api/scan" % sim.ports["http"])
        if answer.status == 503:
            break
    assert answer.status == 503 and answer.headers["refresh"] == "2"
    assert "out of memory" in phone.inner_text("body")
    world.write(DEFAULT_NETWORKS)  # room for the scan again
    phone.wait_for_function("document.body.innerText.includes('HomeNet')", timeout=20000)
    assert json.loads(phone.inner_text("body"))["networks"][0]["ssid"] == "HomeNet"


def test_after_the_join_the_address_the_page_gave_shows_a_read_only_status_page(board, phone):
    """Issue 22, item 3: "Connected" sends the user to http://wifiprov-xxxx.local/;
    once the board's Wi-Fi has closed, that address must answer: the board's
    name, address, network, signal, uptime and the app's line, how to change
    settings, no secrets, and no way to change anything."""
    board.flash.mkdir(parents=True, exist_ok=True)
    (board.flash / "app.py").write_text(
        "import asyncio\nimport wifiprov\n\n\nasync def main():\n"
        "    wifiprov.set_status_line('last reading 21.5 C <ok>')\n")
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    passphrase = json.loads((board.flash / "wifiprov.json").read_text())["AP"]["PWD"]
    open_portal(phone, sim)
    phone.get_by_role("button", name="HomeNet").click()
    phone.fill("#stapwd", HOME_PASSWORD)
    phone.click("#connect")
    phone.wait_for_selector("h1:text-is('Connected')", timeout=60000)
    link = phone.inner_text("#url")
    phone.click("#done")
    phone.wait_for_selector("h1:text-is('Done')")
    hostname = sim.expect(r"^status page: http://(wifiprov-[0-9a-f]{4})\.local:%d/ shows how the board is doing$"
                          % sim.ports["http"]).group(1)
    assert link == "http://%s.local:%d/" % (hostname, sim.ports["http"])  # the status page's own port
    # The phone is back on the home network: the simulator's address stands in for the .local name.
    phone.goto("http://127.0.0.1:%d/" % sim.ports["http"])
    shot(phone, "status-page.png")
    assert phone.inner_text("h1") == hostname
    assert phone.inner_text("#ip") == "127.0.0.1" and phone.inner_text("#ssid") == "HomeNet"
    assert re.fullmatch(r"-\d+ dBm \((strong|fair|weak)\)", phone.inner_text("#signal"))
    assert re.fullmatch(r"0 h \d+ min", phone.inner_text("#uptime"))
    assert phone.inner_text("#appline") == "last reading 21.5 C <ok>"  # text, not markup
    assert "hold the board's BOOT button for 3 seconds" in phone.inner_text("#change")
    page = phone.content()
    assert HOME_PASSWORD not in page and passphrase not in page
    assert phone.locator("form, input, a[href='/config.htm']").count() == 0
    # It changes nothing, and the rest of the site is gone with provisioning.
    before = (board.flash / "wifiprov.json").read_bytes()
    for method, path, status in (("POST", "/", 405), ("GET", "/config.htm", 404), ("POST", "/api/config", 405)):
        answer = phone.request.fetch("http://127.0.0.1:%d%s" % (sim.ports["http"], path), method=method,
                                     data='{"mode": 1}')
        assert answer.status == status, (method, path, answer.status)
    assert (board.flash / "wifiprov.json").read_bytes() == before
    # Provisioning opened again (the BOOT button) takes the port back; closed, the page comes back.
    sim.cmd("wifiprov enable", r"^READY mode=ap ")
    assert "Network Configuration" in phone.request.get("http://127.0.0.1:%d/config.htm" % sim.ports["http"]).text()
    sim.cmd("wifiprov disable", r"^provisioning: AP and servers are down$")
    sim.expect(r"^status page: ")
    assert phone.request.get("http://127.0.0.1:%d/" % sim.ports["http"]).status == 200
    # A visit leaves none of what it loaded: asyncio's streams and waits go
    # too (which asyncio would keep as its own for good).
    sim.cmd("import sys; print('LOADED', [m for m in sys.modules if m in ('asyncio.stream', 'asyncio.funcs')])",
            r"^LOADED \[\]$")


def test_a_stale_form_comes_back_with_a_notice(board, phone):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    phone.goto("http://127.0.0.1:%d/config.htm" % sim.ports["http"])
    phone.wait_for_selector("#nets[data-state=done]")
    phone.get_by_role("button", name="HomeNet").click()
    phone.fill("#stapwd", HOME_PASSWORD)
    stale = phone.input_value("input[name=token]")
    # Provisioning closes and opens again meanwhile (as after a restart): the
    # page's token is stale.
    sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
    sim.cmd("wifiprov enable", r"^OK: provisioning enabled$")
    phone.click("#connect")
    phone.wait_for_selector("#error")
    assert "older than the board's last restart, so nothing was changed" in phone.inner_text("#error")
    assert phone.input_value("#stassid") == "HomeNet"  # kept, but not the password
    assert phone.get_attribute("#stapwd", "placeholder") == "type the password again"
    shot(phone, "stale-form.png")
    assert not json.loads((board.flash / "wifiprov.json").read_text()).get("STA")
    # The page that came back carries this session's token: it is not a dead end.
    fresh = phone.input_value("input[name=token]")
    assert re.fullmatch(r"[0-9a-f]{16}", fresh) and fresh != stale


def test_make_label_gives_the_boards_wifi_and_a_code_a_camera_reads(board, browser, tmp_path):
    """Issue 22, item 6: a label to ship a board with, rendered as a printer
    would (Chromium draws the SVG) and its QR code read back by zxing-cpp."""
    import base64
    import subprocess

    import zxingcpp

    sim = board.start()
    passphrase = sim.expect(r"^AP passphrase: (\S+)$").group(1)
    sim.expect(r"^READY mode=ap ")
    ssid = json.loads((board.flash / "wifiprov.json").read_text())["AP"]["SSID"]
    out = tmp_path / "label.svg"
    run = subprocess.run(["make", "--no-print-directory", "label", "FLASH=%s" % board.flash, "OUT=%s" % out],
                         cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'label: %s (90 x 50 mm: print at 100%%) for the board\'s Wi-Fi "%s"' % (out, ssid) in run.stdout
    label = out.read_text()
    assert ssid in label and passphrase in label and "http://wifiprov-" in label
    page = browser.new_page()
    try:
        data = "data:image/svg+xml;base64," + base64.b64encode(label.encode()).decode()
        page.set_content('<img id="l" src="%s" width="720" height="400">' % data)
        page.wait_for_function("document.getElementById('l').complete")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#l").screenshot(path=str(ARTIFACTS / "label.png"))
        # The label at 8 pixels per mm, as gray levels: every text fits inside it.
        gray = page.evaluate("""() => {const i = document.getElementById('l'), c = document.createElement('canvas');
            c.width = 720; c.height = 400; const x = c.getContext('2d'); x.drawImage(i, 0, 0, 720, 400);
            const d = x.getImageData(0, 0, 720, 400).data, out = [];
            for (let p = 0; p < d.length; p += 4) out.push(d[p]);
            return out;}""")
        widths = page.evaluate("""async () => {const r = await fetch(document.getElementById('l').src);
            const doc = new DOMParser().parseFromString(await r.text(), 'image/svg+xml');
            const svg = document.importNode(doc.documentElement, true); document.body.appendChild(svg);
            return [...svg.querySelectorAll('text')].map(t => t.getBBox().x + t.getBBox().width);}""")
    finally:
        page.close()
    assert max(widths) <= 89, widths  # no line runs off the 90 mm label

    class Image:
        __array_interface__ = {"shape": (400, 720), "typestr": "|u1", "data": bytes(gray), "version": 3}

    found = zxingcpp.read_barcodes(Image(), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [f.text for f in found] == ["WIFI:T:WPA;S:%s;P:%s;;" % (ssid, passphrase)]
