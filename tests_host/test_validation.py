"""The config document's validation rules, one table run under the
MicroPython unix port through the firmware's own validation.validate (not a
copy): every rule's error text, word for word, and what is accepted."""
import json

from conftest import ROOT, run_micropython

HERE = ROOT / "tests_host" / "mp"
STA = {"ch": 0, "auto": 1, "auth": 4, "SSID": "HomeNet", "PWD": "correct-horse-42"}
AP = {"ch": 13, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}
CURRENT = {"mode": 1, "save_config": 1, "countrycode": "GEN", "AP": AP}
WITH_STA = dict(CURRENT, STA=STA)
SEED = {"mode": 0, "save_config": 1, "countrycode": "GEN",
        "STA": {"ch": 0, "auto": 1, "auth": 3, "SSID": "DEMO_AP", "PWD": "password"},
        "AP": {"ch": 2, "ssidv": 1, "auth": 4, "SSID": "DEMO_AP_SOFTAP", "PWD": "password"}}

CASES = [
    # (message, current config, expected error or None for accepted)
    ([1, 2], CURRENT, "config: must be a JSON object"),
    ("mode", CURRENT, "config: must be a JSON object"),
    ({"mode": 0, "foo": 1}, CURRENT, "foo: unknown key (allowed: mode, save_config, countrycode, STA, AP, app)"),
    ({"save_config": 1}, CURRENT, "mode: missing (0 STA, 1 AP)"),
    # The app's settings: none are declared here (tests_host/test_app.py declares some).
    ({"mode": 1, "app": {"x": "1"}}, CURRENT, "app.x: this board's app declares no settings"),
    ({"mode": 1, "app": []}, CURRENT, "app: must be a JSON object of settings"),
    ({"app": {}, "mode": 1}, CURRENT, None),  # (the service fills in the mode of the app's settings alone)
    ({"app": {}, "STA": {}}, CURRENT, "mode: missing (0 STA, 1 AP)"),
    ({"mode": True}, CURRENT, "mode: must be an integer 0 (STA) or 1 (AP), not a boolean"),
    ({"mode": 1.0}, CURRENT, "mode: must be an integer 0 (STA) or 1 (AP), not a number with a fraction"),
    ({"mode": None}, CURRENT, "mode: must be an integer 0 (STA) or 1 (AP), not null"),
    ({"mode": 10 ** 400}, CURRENT, "mode: must be 0 (STA) or 1 (AP)"),
    ({"mode": 1, "save_config": False}, CURRENT, "save_config: must be an integer 0 (until reset) or 1 "
                                                 "(save to flash), not a boolean"),
    ({"mode": 1, "countrycode": 2}, CURRENT, "countrycode: must be one of GEN, USA, EMEA, CUST1, CUST2, JPN"),
    ({"mode": 1, "countrycode": "gen"}, CURRENT, "countrycode: must be one of GEN, USA, EMEA, CUST1, CUST2, JPN"),
    ({"mode": 0}, CURRENT, "STA: missing; mode 0 (STA) needs it"),
    ({"mode": 0, "STA": "HomeNet"}, CURRENT, "STA: must be a JSON object"),
    ({"mode": 0, "STA": dict(STA, pwd="x")}, CURRENT, "STA.pwd: unknown key (allowed: ch, auto, auth, SSID, PWD)"),
    ({"mode": 0, "STA": dict(STA, ch=True)}, CURRENT, "STA.ch: must be an integer 0..13 for GEN (0 = any), "
                                                      "not a boolean"),
    ({"mode": 0, "STA": dict(STA, ch="2")}, CURRENT, "STA.ch: must be an integer 0..13 for GEN (0 = any), "
                                                     "not a string"),
    ({"mode": 0, "STA": dict(STA, auth=[4])}, CURRENT, "STA.auth: must be an integer 1 (open), 3 (WPA/WPA2), "
                                                       "4 (WPA2), 5 (WPA2/WPA3) or 6 (WPA3), not a list or object"),
    ({"mode": 0, "STA": dict(STA, SSID=5)}, CURRENT, "STA.SSID: must be a string, not a number"),
    ({"mode": 0, "STA": dict(STA, SSID="Home\u0000Net")}, CURRENT, "STA.SSID: must not contain a NUL character"),
    ({"mode": 0, "STA": dict(STA, SSID="Home\ud800")}, CURRENT,
     "STA.SSID: must be valid Unicode text (a lone surrogate such as \\ud800 is not)"),
    ({"mode": 1, "AP": dict(AP, SSID="\udfff")}, CURRENT,
     "AP.SSID: must be valid Unicode text (a lone surrogate such as \\ud800 is not)"),
    ({"mode": 0, "STA": dict(STA, PWD="pass\ud800word")}, CURRENT,
     "STA.PWD: must be 8..63 printable ASCII characters or 64 hex digits for auth 4 (WPA2)"),
    ({"mode": 1, "\ud83d": 1}, CURRENT,
     '"\\xed\\xa0\\xbd": unknown key (allowed: mode, save_config, countrycode, STA, AP, app)'),
    # A long key is quoted and cut at 40 characters: an answer stays short.
    ({"mode": 1, "k" * 50: 1}, CURRENT,
     '"%s": unknown key (allowed: mode, save_config, countrycode, STA, AP, app)' % ("k" * 40)),
    ({"mode": 1, "k" * 40: 1}, CURRENT, "%s: unknown key (allowed: mode, save_config, countrycode, STA, AP, app)" % ("k" * 40)),
    ({"mode": 0, "STA": dict(STA, PWD=None)}, CURRENT, "STA.PWD: must be a string, not null"),
    ({"mode": 0, "STA": dict(STA, PWD="abc\u0001defgh")}, CURRENT,
     "STA.PWD: must be 8..63 printable ASCII characters or 64 hex digits for auth 4 (WPA2)"),
    ({"mode": 1, "AP": dict(AP, ssidv=-1)}, CURRENT, "AP.ssidv: must be 0 (hidden) or 1 (visible)"),
    # The stored AP is on channel 13: a country without it makes it invalid.
    ({"mode": 1, "countrycode": "USA"}, CURRENT, "AP.ch: must be 1..11 for USA"),
    # Another SSID without a password does not inherit the old one.
    ({"mode": 0, "STA": {"SSID": "Other"}}, WITH_STA,
     "STA.PWD: must be 8..63 printable ASCII characters or 64 hex digits for auth 4 (WPA2)"),
    # The chosen mode's section is checked first.
    ({"mode": 0, "STA": dict(STA, ch=99), "AP": dict(AP, ch=99)}, CURRENT, "STA.ch: must be 0..13 for GEN (0 = any)"),
    ({"mode": 1, "STA": dict(STA, ch=99), "AP": dict(AP, ch=99)}, CURRENT, "AP.ch: must be 1..13 for GEN"),
    (SEED, CURRENT, None),
    ({"mode": 1}, CURRENT, None),  # a missing section keeps its stored value
    ({"mode": 0, "STA": {"PWD": "another-pass"}}, WITH_STA, None),
    ({"mode": 0, "STA": {"auto": 0}}, WITH_STA, None),  # same network: the password stays
]


def test_validation_rules_under_micropython(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps({"msg": m, "current": c}) + "\n" for m, c, _ in CASES))
    run = run_micropython(HERE / "validate_cases.py", str(cases))
    assert run.returncode == 0, run.stderr + run.stdout
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(results) == len(CASES)
    for (msg, current, expected), got in zip(CASES, results):
        if expected is None:
            assert "ok" in got, (msg, got)
        else:
            assert got == {"error": expected}, msg
    seed = results[CASES.index((SEED, CURRENT, None))]["ok"]
    assert seed == SEED
    kept = results[-3]["ok"]
    assert kept["AP"] == AP and "STA" not in kept
    assert results[-2]["ok"]["STA"] == dict(STA, PWD="another-pass")
    assert results[-1]["ok"]["STA"] == dict(STA, auto=0)
