#!/usr/bin/env python3
"""Fuzz the firmware's parsers on the simulator, the way an outside audit does.

    python tools/fuzz.py [--n N] [--console N] [--seed S] [--powercuts K]
                         [--parsers tcp,http,dns,console,hostile,load] [--soak S]
                         [--hostile N] [--heap 96K]

Mutation-based inputs go to the TCP server, the HTTP server, the DNS
responder and the console of a simulated board (the real firmware under the
MicroPython unix port, at the tests' heap). Each input is judged:
- answered as its protocol says (a JSON line per TCP message, an HTTP status
  line, a DNS reply for a well-formed query and none for anything else, a
  console answer per line), or dropped where the protocol says so;
- no traceback on the console;
- after every accepted change, the stored file is valid (checked here
  against the config rules, independently of the firmware) and holds what
  the input set; after a refusal it is unchanged;
- every 200 inputs, a valid request is still answered within 3 s.
--powercuts K also cuts the power (SIGKILL) at a random moment during K
saves and checks that every boot finds the old or the new config.

Two more profiles:
- hostile: text with control characters (ESC sequences, BEL, C1's CSI) as
  the station's and the AP's SSID over TCP, as app values, and as scanned
  SSIDs, with the console commands that show them; every byte the console
  printed is then scanned for a control character a terminal would act on.
- load: bursts of clients as a phone opening the captive portal sends
  (simdrive.burst: pages, applies, scans, bare connects), for --soak S
  seconds; after each burst the board must answer HTTP and TCP again within
  60 s (a server that does not is a stuck state), with no traceback.

One seed per run (printed): the same seed gives the same inputs. A failure
prints the input's bytes; make it a regression test. Exit status 1 when any
failure count is not zero.
"""
import argparse
import base64
import copy
import json
import random
import socket
import string
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simdrive import Sim, World, answered, burst, tcp_answered  # noqa: E402

HEAP = "102K"  # the tests' heap (tests_host/conftest.py)
LIVENESS_EVERY = 200
LIVENESS_S = 3.0
ANSWER_S = 12.0  # the firmware's own deadlines are 10 s; past this an input hangs
REPL_TRIES = 5  # a Python line the console had no heap to compile ("MemoryError: ...", as at >>>) is typed again
READY_S = 20.0
AP_READY = r"^READY mode=ap "
APPLIED = "applied; the board ran out of memory"  # the answer's words when that happened after the apply
KINDS = ("tracebacks", "hangs", "wrong acceptances", "silent drops", "control bytes")
BURST_S = 20  # one burst of the load profile
RECOVER_S = 60  # after a burst, the board must serve again within this


# ---------------------------------------------------------------- the oracle

COUNTRY_TOP = {"GEN": 13, "USA": 11, "EMEA": 13, "CUST1": 13, "CUST2": 13, "JPN": 14}


def stored_problems(raw):
    """What is wrong with a stored config file, per the product's rules
    (section 4 of the docs), written here independently of the firmware."""
    try:
        text = raw.decode("utf-8")  # strict: no surrogates, no overlong forms
    except UnicodeDecodeError as e:
        return ["not valid UTF-8: %s" % e]
    try:
        doc = json.loads(text)
    except ValueError as e:
        return ["not JSON: %s" % e]
    problems = []
    if not isinstance(doc, dict):
        return ["not an object"]
    extra = set(doc) - {"mode", "save_config", "countrycode", "STA", "AP", "app", "version", "by", "crc"}
    if extra:
        problems.append("unknown keys %s" % sorted(extra))
    if not str(doc.get("by")).startswith("wifiprov "):  # the release that wrote it
        problems.append("by %r" % doc.get("by"))
    # The app's settings (docs/app.md): only what an app declared, so on
    # the fuzzed board, which runs no app, never a section.
    if "app" in doc:
        problems.append("an app section %r on a board whose app declares no settings" % (doc["app"],))
    if doc.get("mode") not in (0, 1) or doc.get("save_config") != 1:
        problems.append("mode/save_config %r/%r" % (doc.get("mode"), doc.get("save_config")))
    top = COUNTRY_TOP.get(doc.get("countrycode"))
    if top is None:
        problems.append("countrycode %r" % doc.get("countrycode"))
        top = 13
    if "AP" not in doc:
        problems.append("no AP section")
    for name in ("STA", "AP"):
        sec = doc.get(name)
        if sec is None:
            continue
        if not isinstance(sec, dict):
            problems.append("%s not an object" % name)
            continue
        flag = "ssidv" if name == "AP" else "auto"
        if set(sec) != {"ch", flag, "auth", "SSID", "PWD"}:
            problems.append("%s keys %s" % (name, sorted(sec)))
            continue
        low = 1 if name == "AP" else 0
        if type(sec["ch"]) is not int or not low <= sec["ch"] <= top:
            problems.append("%s.ch %r" % (name, sec["ch"]))
        if sec[flag] not in (0, 1) or type(sec[flag]) is not int:
            problems.append("%s.%s %r" % (name, flag, sec[flag]))
        auth = sec["auth"]
        if type(auth) is not int or auth not in (1, 3, 4, 5, 6):
            problems.append("%s.auth %r" % (name, auth))
            continue
        ssid, pwd = sec["SSID"], sec["PWD"]
        if not isinstance(ssid, str) or not 1 <= len(ssid.encode("utf-8", "surrogatepass")) <= 32 \
                or "\x00" in ssid or any(0xD800 <= ord(c) <= 0xDFFF for c in ssid):
            problems.append("%s.SSID %r" % (name, ssid))
        if not isinstance(pwd, str):
            problems.append("%s.PWD not text" % name)
        elif auth == 1:
            if pwd:
                problems.append("%s.PWD set for an open network" % name)
        else:
            top_len = 128 if auth == 6 else 63
            ascii_ok = all(" " <= c <= "~" for c in pwd) and 8 <= len(pwd) <= top_len
            hex_ok = name == "STA" and len(pwd) == 64 and all(c in string.hexdigits for c in pwd)
            if not (ascii_ok or hex_ok):
                problems.append("%s.PWD of %d characters breaks the rules" % (name, len(pwd)))
    return problems


def holds_what_was_set(raw, doc):
    """Problems when an accepted document's fields are not what is stored."""
    stored = json.loads(raw)
    problems = []
    if not isinstance(doc, dict):
        return ["a non-object document was accepted"]
    for key in ("mode", "countrycode"):
        if key in doc and stored.get(key) != doc[key]:
            problems.append("%s: sent %r, stored %r" % (key, doc[key], stored.get(key)))
    for name in ("STA", "AP"):
        if isinstance(doc.get(name), dict):
            for key, value in doc[name].items():
                if stored.get(name, {}).get(key) != value:
                    problems.append("%s.%s: sent %r, stored %r" % (name, key, value, stored.get(name, {}).get(key)))
    return problems


# ---------------------------------------------------------------- mutations

WORDS = ["mode", "save_config", "countrycode", "STA", "AP", "ch", "auto", "ssidv", "auth", "SSID", "PWD", "cmd",
         "scan", "status", "get", "GEN", "USA", "JPN", "EMEA", "CUST1", "app", "version", "by", "crc"]
ODD_VALUES = [None, True, False, 0, -1, 1, 2, 6, 7, 14, 255, 1.5, 1e308, "", "x", [], {}, [1], {"a": 1},
              10 ** 30, "\u0000", "\ud800", "é" * 17, "a" * 40, "<img src=x onerror=alert(1)>"]
ODD_TEXT = [b"1e999", b"-1e999", b"NaN", b"Infinity", b'"\\ud800"', b'"\\udfff\\ud800"', b'"\\u0000"',
            b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"', b'"\xff"', b"[" * 30 + b"]" * 30,
            b"{" * 20, b'"' + b"A" * 900 + b'"', b"00", b"1.", b".5", b"tru", b"nul", b'"\\x41"', b'"\\u12"']


def choice(rng, seq):
    return seq[rng.randrange(len(seq))]


def random_bytes(rng, n_max=64):
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, n_max)))


def mutate_bytes(rng, data, rounds=None):
    data = bytearray(data)
    for _ in range(rounds or rng.randrange(1, 5)):
        op = rng.randrange(7)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:  # flip a bit
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert an interesting byte
            data[pos:pos] = bytes([choice(rng, b'{}[]",:\\\x00\n\r\t \xff\xc0\xed%+&=')])
        elif op == 2 and data:  # delete a run
            del data[pos:pos + rng.randrange(1, 8)]
        elif op == 3 and data:  # duplicate a run
            start = rng.randrange(len(data))
            data[pos:pos] = data[start:start + rng.randrange(1, 16)]
        elif op == 4:  # insert an odd token
            data[pos:pos] = choice(rng, ODD_TEXT)
        elif op == 5 and data:  # truncate
            del data[rng.randrange(len(data)):]
        else:  # random bytes
            data[pos:pos] = random_bytes(rng, 8)
    return bytes(data)


def ssid(rng):
    kind = rng.randrange(8)
    if kind == 0:
        return "fz-" + "".join(choice(rng, string.ascii_letters) for _ in range(rng.randrange(1, 29)))
    if kind == 1:
        return choice(rng, ["HomeNet", "Office", "My Home, 2G", 'quo"te', "x" * 32, "é" * 16, "日本語ネット"])
    return "fz%d" % rng.randrange(1000)


def password(rng):
    return choice(rng, ["password", "fuzzing-pass-%d" % rng.randrange(10 ** 6), "a" * 63, "b" * 64, "0123abcd" * 8,
                        "c" * 128, "short", "", "tab\there"])


def config_doc(rng):
    """A config document, valid or nearly: the seed of JSON mutations."""
    mode = rng.randrange(2)
    doc = {"mode": mode}
    if rng.random() < 0.5:
        doc["save_config"] = rng.randrange(2)
    if rng.random() < 0.3:
        doc["countrycode"] = choice(rng, list(COUNTRY_TOP) + ["XX", "gen"])
    if mode == 1 or rng.random() < 0.3:
        doc["AP"] = {"SSID": ssid(rng), "auth": choice(rng, [1, 3, 4, 5, 6]), "PWD": password(rng),
                     "ch": rng.randrange(1, 14), "ssidv": rng.randrange(2)}
    if mode == 0 or rng.random() < 0.3:
        doc["STA"] = {"SSID": ssid(rng), "auth": choice(rng, [1, 3, 4, 5, 6]), "PWD": password(rng),
                      "ch": rng.randrange(0, 14), "auto": rng.randrange(2)}
    for sec in ("AP", "STA"):
        if sec in doc:
            if doc[sec]["auth"] == 1:
                doc[sec]["PWD"] = ""
            for key in list(doc[sec]):
                if rng.random() < 0.15:
                    del doc[sec][key]
    return doc


def mutate_doc(rng, doc):
    """Change a document's structure: types, keys, values."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randrange(1, 4)):
        target = doc
        if rng.random() < 0.6:
            sections = [v for v in doc.values() if isinstance(v, dict)]
            if sections:
                target = choice(rng, sections)
        op = rng.randrange(4)
        keys = list(target)
        if op == 0 and keys:
            target[choice(rng, keys)] = copy.deepcopy(choice(rng, ODD_VALUES))
        elif op == 1:
            target[choice(rng, WORDS + ["\ud800", "", "x" * 50])] = copy.deepcopy(choice(rng, ODD_VALUES))
        elif op == 2 and keys:
            del target[choice(rng, keys)]
        else:
            nest = 1
            for _ in range(rng.randrange(1, 12)):
                nest = [nest] if rng.random() < 0.5 else {"k": nest}
            target[choice(rng, keys or WORDS)] = nest
    return doc


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


def json_message(rng):
    roll = rng.random()
    if roll < 0.1:
        return dumps({"cmd": choice(rng, ["scan", "status", "get", "reset", 1, None])})
    doc = config_doc(rng)
    if roll < 0.14:  # mostly valid: a change the board makes
        return dumps(doc)
    if roll < 0.7:
        return dumps(mutate_doc(rng, doc))
    return mutate_bytes(rng, dumps(doc))


def apply_line(rng):
    fields = ["apply", ssid(rng), choice(rng, ["1", "2", "4", "3", "0", "x", ""]), password(rng), "NULL"]
    roll = rng.random()
    if roll < 0.2:
        fields = fields[:rng.randrange(1, 5)]
    elif roll < 0.35:
        fields.insert(rng.randrange(1, 5), "extra,field")
    elif roll < 0.45:
        fields[rng.randrange(1, 4)] = "Z" * rng.randrange(100, 1100)
    line = ",".join(fields).encode()
    return mutate_bytes(rng, line) if rng.random() < 0.3 else line


# ---------------------------------------------------------------- the runner

class Tally:
    def __init__(self, name):
        self.name = name
        self.inputs = 0
        self.answers = {}
        self.failures = {k: 0 for k in KINDS}
        self.examples = []

    def answered(self, kind):
        self.answers[kind] = self.answers.get(kind, 0) + 1

    def fail(self, kind, data, detail):
        self.failures[kind] += 1
        if len(self.examples) < 20:
            self.examples.append((kind, data, detail))
        print("FAIL %s %s #%d: %s\n  input (base64): %s\n  input: %r" % (
            self.name, kind, self.inputs, detail, base64.b64encode(data).decode(), data[:300]), flush=True)


class Board:
    """The simulated board under test, restarted when it went away."""

    def __init__(self, work, networks, heap):
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.world = World(self.work / "world.json", networks, connect_ms=10)
        self.heap = heap
        self.sim = None
        self.token = None
        self.baseline = None  # the first boot's config file: what restore() puts back
        self.start()

    @property
    def flash(self):
        return self.work / "flash"

    def start(self):
        self.sim = Sim(self.flash, self.world, self.heap)
        self.sim.expect(AP_READY, READY_S)
        self.mark = len(self.sim.lines)
        self.token = None
        if self.baseline is None:
            self.baseline = self.stored()

    def stored(self):
        try:
            return (self.flash / "wifiprov.json").read_bytes()
        except OSError:
            return None

    def new_output(self):
        """Console lines since the last call."""
        lines = self.sim.output_since(self.mark)
        self.mark += len(lines)
        return lines

    def restore(self):
        """After an accepted change (checked already): power off, put the
        first boot's config back, power on. Waiting for what the change does
        (a restart, five failed joins and the fallback AP) would take
        seconds per input; the tests cover those paths."""
        self.sim.close()
        for name in ("wifiprov.json", "wifiprov.json.tmp", "wifiprov.json.bak"):
            try:
                (self.flash / name).unlink()
            except FileNotFoundError:
                pass
        (self.flash / "wifiprov.json").write_bytes(self.baseline)
        self.start()

    def close(self):
        self.sim.close()


def tracebacks(board, tally, data, answers=()):
    """A traceback or a bare error the firmware printed, but for answers:
    lines that answered a Python line typed at the console, as >>> does."""
    lines = board.new_output()
    answers = list(answers)
    for i, line in enumerate(lines):
        if line in answers:
            answers.remove(line)
            continue
        if line.startswith("Traceback") or "Error:" in line and line.startswith(("OSError", "MemoryError")):
            tally.fail("tracebacks", data, "\n".join(lines[i:i + 8]))
            return lines
    return lines


def changed(board, lines):
    """Did the board act on an accepted change (restart, new AP)?"""
    return any(line.startswith(("sim: restarting", "provisioning: AP and servers are down", "sim: machine.reset"))
               for line in lines)


def check_store(board, tally, data, before, accepted, doc):
    after = board.stored()
    if not accepted:
        if after != before:
            tally.fail("wrong acceptances", data, "refused, yet the stored file changed")
        return
    if after is None:
        return
    problems = stored_problems(after)
    if not problems and doc is not None and after != before:
        problems = holds_what_was_set(after, doc)
    if problems:
        tally.fail("wrong acceptances", data, "; ".join(problems))


def decoded_doc(data):
    try:
        return json.loads(data.strip().decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError):
        return None


# ---- TCP

def exchange(port, chunks, timeout=ANSWER_S):
    """Send the chunks (a short gap between them), close our side, read
    until the server closes: (what it sent, seconds taken, timed out)."""
    started = time.monotonic()
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            for i, chunk in enumerate(chunks):
                if i:
                    time.sleep(0.01)
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
            while True:
                data = sock.recv(8192)
                if not data:
                    break
                out += data
        except socket.timeout:
            return out, time.monotonic() - started, True
        except OSError:  # reset, broken pipe, not connected: the server closed first
            pass
    return out, time.monotonic() - started, False


def send_input(board, tally, server, chunks, data):
    """One input to a server: (what it sent back, timed out), or (None, _)
    when it was not listening (counted, and the board restored)."""
    try:
        out, took, hung = exchange(board.sim.ports[server], chunks)
    except ConnectionRefusedError:
        tally.fail("hangs", data, "the %s server is not listening" % server)
        board.restore()
        return None, False
    if hung:
        tally.fail("hangs", data, "no end of the answer within %.0f s" % ANSWER_S)
    return out, hung


def tcp_input(rng, board):
    roll = rng.random()
    if roll < 0.1:
        data = random_bytes(rng, 200)
    elif roll < 0.55:
        data = json_message(rng)
    elif roll < 0.7:
        data = apply_line(rng)
    elif roll < 0.75:
        data = choice(rng, [b"finish", b"", b" ", b"\n", b"\r\n", b"\t \n"])
    elif roll < 0.85:  # several messages in one write
        data = json_message(rng) + choice(rng, [b"", b"\n"]) + choice(rng, [b'{"cmd": "get"}', b"finish\n"])
    else:
        data = mutate_bytes(rng, json_message(rng) if rng.random() < 0.7 else apply_line(rng))
    if rng.random() < 0.1:
        data += b"\n"
    return data


def fuzz_tcp(rng, board, tally, n):
    for i in range(n):
        data = tcp_input(rng, board)
        chunks = [data]
        if len(data) > 3 and rng.random() < 0.2:  # split writes
            cut = sorted(rng.sample(range(1, len(data)), min(2, len(data) - 1)))
            chunks = [data[:cut[0]], data[cut[0]:cut[-1]], data[cut[-1]:]] if len(cut) > 1 else \
                [data[:cut[0]], data[cut[0]:]]
        before = board.stored()
        tally.inputs += 1
        out, hung = send_input(board, tally, "tcp", [c for c in chunks if c], data)
        if out is None:
            continue
        lines = out.split(b"\n")[:-1]
        answers = []
        for line in lines:
            try:
                answer = json.loads(line)
                assert isinstance(answer, dict) and "ok" in answer
                answers.append(answer)
            except (ValueError, AssertionError):
                tally.fail("wrong acceptances", data, "an answer that is not a JSON line: %r" % line[:200])
        if not answers and data.strip() and not hung:
            tally.fail("silent drops", data, "no answer to a message")
        for answer in answers:
            tally.answered("ok" if answer["ok"] else "busy" if str(answer.get("error", "")).startswith("busy")
                           else "refused")
        # An applied config, or one applied before the memory ran out for its answer (APPLIED).
        late = [a for a in answers if a.get("ok") and str(a.get("next")).startswith(APPLIED)]
        accepted = bool(late) or any(a.get("ok") and "changed" in a for a in answers)
        out = tracebacks(board, tally, data)
        check_store(board, tally, data, before, accepted, decoded_doc(data) if len(answers) == 1 else None)
        if late or accepted and any(a.get("changed") for a in answers) or changed(board, out):
            board.restore()
        if (i + 1) % LIVENESS_EVERY == 0:
            liveness(tally, data, lambda: tcp_alive(board))


def tcp_alive(board):
    out, took, hung = exchange(board.sim.ports["tcp"], [b'{"cmd": "status"}\n'], timeout=LIVENESS_S)
    return json.loads(out.split(b"\n")[0])["ok"] and took < LIVENESS_S


# ---- HTTP

def page_token(board):
    if board.token is None:
        out, _, _ = exchange(board.sim.ports["http"], [b"GET /config.htm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"])
        mark = out.find(b'name="token" value="')
        board.token = out[mark + 20: mark + 36].decode() if mark >= 0 else "0" * 16
    return board.token


FORM_FIELDS = ("devmode", "saveconfig", "countrycode", "stassid", "stapwd", "staauth", "stach", "staauto",
               "apssid", "appwd", "apauth", "apch", "ssidv")
PATHS = [b"/", b"/index.htm", b"/config.htm", b"/api/status", b"/api/scan", b"/api/config", b"/generate_204",
         b"/hotspot-detect.html", b"/nothing", b"/../etc/passwd", b"/%2e%2e/", b"/config.htm?x=1", b"*", b"//"]


def form_body(rng, board):
    doc = config_doc(rng)
    sta, ap = doc.get("STA", {}), doc.get("AP", {})
    values = {"devmode": doc["mode"], "saveconfig": doc.get("save_config", 1),
              "countrycode": choice(rng, ["0", "1", "4", "5", "GEN", "JPN", "XX"]),
              "stassid": sta.get("SSID", ""), "stapwd": sta.get("PWD", ""), "staauth": sta.get("auth", 4),
              "stach": sta.get("ch", 0), "staauto": sta.get("auto", 1), "apssid": ap.get("SSID", ""),
              "appwd": ap.get("PWD", ""), "apauth": ap.get("auth", 4), "apch": ap.get("ch", 1),
              "ssidv": ap.get("ssidv", 1)}
    if rng.random() < 0.9:
        values["token"] = page_token(board) if rng.random() < 0.9 else "f" * 16
    for key in list(values):
        if rng.random() < 0.05:
            del values[key]
        elif rng.random() < 0.05:
            values[key] = choice(rng, ["", "99", "-1", "abc", "%zz", "1" * 10, "\x00"])
    body = urllib.parse.urlencode(values).encode()
    if rng.random() < 0.3:
        body = mutate_bytes(rng, body)
    return body


def http_input(rng, board):
    roll = rng.random()
    if roll < 0.05:
        return random_bytes(rng, 300)
    method = choice(rng, [b"GET"] * 4 + [b"POST"] * 4 + [b"HEAD", b"PUT", b"DELETE", b"get", b"", b"G\x00T"])
    path = choice(rng, PATHS)
    body = b""
    ctype = None
    if method == b"POST":
        if rng.random() < 0.5:
            path, ctype, body = b"/api/config", b"application/json", json_message(rng)
        else:
            path, ctype, body = b"/config.htm", b"application/x-www-form-urlencoded", form_body(rng, board)
        if rng.random() < 0.1:
            ctype = choice(rng, [b"text/plain", b"application/json; charset=utf-8", b"", b"multipart/form-data"])
    version = b"HTTP/1.1" if rng.random() < 0.95 else choice(rng, [b"HTTP/1.0", b"HTTP/2", b"HTTP/1.1x", b""])
    headers = []
    host = choice(rng, [b"127.0.0.1"] * 6 + [b"127.0.0.1:%d" % board.sim.ports["http"], b"example.com", b"\xff",
                                             b"", b"captive.apple.com", None])
    if host is not None:
        headers.append(b"Host: " + host)
    if ctype is not None:
        headers.append(b"Content-Type: " + ctype)
    length = len(body)
    lie = rng.random()
    if method == b"POST" or body:
        if lie < 0.05:
            length += rng.randrange(1, 50)
        elif lie < 0.1:
            length = max(0, length - rng.randrange(1, 10))
        if lie < 0.12:
            headers.append(b"Content-Length: " + choice(rng, [b"-1", b"abc", b"99999999999", b"1e3", b"", b" 5"]))
        elif lie < 0.14:
            headers.append(b"Transfer-Encoding: chunked")
        elif lie > 0.02:
            headers.append(b"Content-Length: %d" % length)
    if rng.random() < 0.1:
        headers.append(b"Origin: " + choice(rng, [b"http://evil.example", b"http://127.0.0.1"]))
    for _ in range(rng.choice([0, 0, 0, 1, 3, 30])):
        headers.append(b"X-%d: %s" % (rng.randrange(100), b"y" * rng.randrange(1, 120)))
    if rng.random() < 0.05:
        headers.append(b"X-Long: " + b"z" * 1100)
    head = method + b" " + path + b" " + version + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n"
    data = head + body
    roll = rng.random()
    if roll < 0.1:
        data = mutate_bytes(rng, data)
    elif roll < 0.15:  # pipelining
        data += b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    return data


def fuzz_http(rng, board, tally, n):
    for i in range(n):
        data = http_input(rng, board)
        before = board.stored()
        tally.inputs += 1
        out, hung = send_input(board, tally, "http", [data] if data else [], data)
        if out is None:
            continue
        status = out[9:12] if out.startswith(b"HTTP/1.1 ") else None
        if status is None:
            if data and not hung:
                tally.fail("silent drops", data, "no status line, got %r" % out[:100])
        else:
            tally.answered(status.decode("latin-1"))
        body = out.partition(b"\r\n\r\n")[2]
        # The API's answer, or the form's result page: applied, or saved and not joined
        # (Mode says AP), or the app's settings alone.
        accepted = status == b"200" and (b'"changed": ' in body or b"Configuration applied" in body
                                         or b"<h1>Saved" in body or b"<h1>Applied" in body
                                         or b'"next": "' + APPLIED.encode() in body)
        out_lines = tracebacks(board, tally, data)
        doc = None
        if accepted and b"/api/config" in data[:30]:
            doc = decoded_doc(data.partition(b"\r\n\r\n")[2])
        check_store(board, tally, data, before, accepted, doc)
        if accepted or changed(board, out_lines):
            board.restore()
        if (i + 1) % LIVENESS_EVERY == 0:
            liveness(tally, data, lambda: http_alive(board))


def http_alive(board):
    """A status request answered 200 within LIVENESS_S. A 503 (busy, or no
    memory for it now) is an answer, not a hang: as a browser does, it is
    asked again once after its Retry-After (2 s)."""
    for attempt in range(2):
        out, took, hung = exchange(board.sim.ports["http"],
                                   [b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"], timeout=LIVENESS_S)
        if not (out.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 2" in out) or attempt:
            return out.startswith(b"HTTP/1.1 200 ") and took < LIVENESS_S
        time.sleep(2)


# ---- DNS

def dns_query(rng, qid=None):
    """A well-formed query of a random name and type."""
    labels = [bytes(choice(rng, b"abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randrange(1, 20)))
              for _ in range(rng.randrange(1, 5))]
    name = b"".join(bytes([len(x)]) + x for x in labels) + b"\x00"
    qtype = choice(rng, [1, 1, 1, 28, 16, 255, 5, 0, 65535])
    qclass = choice(rng, [1, 1, 1, 3, 255])
    qid = rng.randrange(65536) if qid is None else qid
    flags = choice(rng, [0x0100, 0x0000])
    packet = qid.to_bytes(2, "big") + flags.to_bytes(2, "big") + b"\x00\x01\x00\x00\x00\x00"
    packet += b"\x00\x01" if rng.random() < 0.2 else b"\x00\x00"
    packet += name + qtype.to_bytes(2, "big") + qclass.to_bytes(2, "big")
    if packet[11] == 1:  # EDNS OPT record, as dig and phones send
        packet += b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"
    return packet


def dns_should_answer(p):
    """RFC 1035's well-formed standard query with one question and no
    answers, of at most 512 bytes, with a name of at most 255 bytes and no
    compression: the responder answers these and drops everything else."""
    if not 17 <= len(p) <= 512 or p[2] & 0xF8 or p[4:6] != b"\x00\x01" or p[6:8] != b"\x00\x00":
        return False
    i = 12
    while i < len(p) and p[i]:
        if p[i] > 63 or i + 1 + p[i] >= len(p):
            return False
        i += 1 + p[i]
    return i < len(p) and i - 12 + 1 <= 255 and i + 5 <= len(p)


def dns_input(rng):
    roll = rng.random()
    if roll < 0.1:
        return random_bytes(rng, 80)
    q = dns_query(rng)
    if roll < 0.3:
        return q
    if roll < 0.4:
        return q[:rng.randrange(len(q))]
    if roll < 0.5:  # long names, around the 255-byte limit
        labels = [b"a" * 63] * rng.randrange(2, 6) + [b"b" * rng.randrange(1, 64)]
        name = b"".join(bytes([len(x)]) + x for x in labels) + b"\x00"
        return q[:12] + name + b"\x00\x01\x00\x01"
    if roll < 0.55:  # a compression pointer that loops
        return q[:12] + b"\xc0\x0c\x00\x01\x00\x01"
    if roll < 0.6:
        return q + b"\x00" * rng.randrange(1, 700)
    if roll < 0.7:  # header fields
        p = bytearray(q)
        p[rng.randrange(2, 12)] = rng.randrange(256)
        return bytes(p)
    return mutate_bytes(rng, q)


SENTINEL = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x08sentinel\x04fuzz\x00\x00\x01\x00\x01"  # after the ID


def fuzz_dns(rng, board, tally, n):
    port = board.sim.ports["dns"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(LIVENESS_S)
        for i in range(n):
            data = dns_input(rng)
            tally.inputs += 1
            # A well-formed query after each input: the responder takes
            # packets in order, so once its answer is here, an answer to the
            # input would have come before it.
            sentinel = (int.from_bytes(data[:2].ljust(2, b"\0"), "big") ^ 0x5A5A).to_bytes(2, "big") + SENTINEL
            sock.sendto(data, ("127.0.0.1", port))
            sock.sendto(sentinel, ("127.0.0.1", port))
            replies = []
            try:
                while True:
                    reply = sock.recvfrom(2048)[0]
                    if reply[:2] == sentinel[:2] and reply[12:12 + len(SENTINEL) - 10] == SENTINEL[10:]:
                        break
                    replies.append(reply)
            except socket.timeout:
                tally.fail("hangs", data, "the query after it got no answer within %.0f s" % LIVENESS_S)
            expect = dns_should_answer(data)
            if expect and not replies:
                tally.fail("silent drops", data, "a well-formed query got no answer")
            elif replies and not expect:
                tally.fail("wrong acceptances", data, "a malformed packet was answered: %r" % replies[0][:60])
            for reply in replies[:1]:
                problem = dns_reply_problem(data, reply, board)
                if problem:
                    tally.fail("wrong acceptances", data, problem)
            tally.answered("answered" if replies else "dropped")
            tracebacks(board, tally, data)


def dns_reply_problem(query, reply, board):
    import dns.message

    try:
        msg = dns.message.from_wire(reply)
    except Exception as e:  # any parse failure of our reply is a defect
        return "reply not parsed by dnspython: %r" % e
    if reply[:2] != query[:2]:
        return "reply ID differs"
    qtype, qclass = query[-4:-2] if query[11] == 0 else None, None
    del qtype, qclass
    if msg.answer and msg.answer[0][0].to_text() != "127.0.0.1":
        return "answer %s is not the AP address" % msg.answer[0][0].to_text()
    return None


# ---- console

CONSOLE_SEEDS = ["wifiprov get", "wifiprov status", "wifiprov scan", "wifiprovhelp", "wifiprov help",
                 'wifiprov set 1 1 "GEN" 6 1 4 "FuzzAP" "fuzz-pass-1"', "wifiprov set 1 0 GEN 1 1 1 OpenAP",
                 'wifiprov set 0 1 GEN 0 1 4 "Nowhere" "password1"', "wifiprov set 0 0 USA 11 0 3 Net pass-word",
                 "wifiprov set", "wifiprov connect", "wifiprov disconnect", "wifiprov enable", "wifiprov bogus",
                 'wifiprov set 1 1 "GEN" 6 1 4 "unbalanced', "wifiprov,get", "wifiprov\tstatus", '"wifiprov" "get"']


# Python lines: the console runs what is not a wifiprov command as Python.
# A few fixed ones, not random text: compiling interns every new name for
# good (as at MicroPython's own prompt), and thousands of random names would
# fill the heap of any board, which says nothing about wifiprov.
PYTHON_SEEDS = ["1/0", "x = [1] * 10", "print('py', len(x))", "undefined_name", "def f(:", "import wifiprov",
                "wifiprov.status()['ok']", "(1,", "for i in range(3):", "    print(i)", "", "'\\xff'"]


def console_input(rng):
    roll = rng.random()
    if roll < 0.05:
        return choice(rng, PYTHON_SEEDS).encode()
    if roll < 0.15:
        line = b"wifiprov " + random_bytes(rng, 80)  # the CLI's parser, fed garbage
    elif roll < 0.3:
        line = choice(rng, CONSOLE_SEEDS).encode()
    else:
        seed = choice(rng, CONSOLE_SEEDS).encode()
        first, _, rest = seed.partition(b" ")
        # The words after the command's name; a mutated name would be Python.
        line = first + b" " + mutate_bytes(rng, rest) if rest and rng.random() < 0.9 else mutate_bytes(rng, seed)
        if not is_command(line):
            line = b"wifiprov " + line
    if rng.random() < 0.05:
        line += b"x" * rng.randrange(300, 400)
    # A line ends at CR or LF; the bytes that are special to a real UART
    # console (Ctrl-A..Ctrl-E: raw REPL, interrupt, paste, soft reset) are
    # the board's, not the CLI's, and are kept out.
    return bytes(b for b in line if b not in b"\n\r\x01\x02\x03\x04\x05")


def fuzz_console(rng, board, tally, n):
    for i in range(n):
        sim = board.sim  # a new one after a restore
        data = console_input(rng)
        before = board.stored()
        tally.inputs += 1
        sim.proc.stdin.write(data + b"\n")
        sim.proc.stdin.flush()
        lines = console_answer(board, i)
        if lines is None:
            tally.fail("hangs", data, "no console answer within %.0f s" % ANSWER_S)
            board.restore()
            continue
        command = is_command(typed(data))
        for j, line in enumerate(lines):
            # Python typed at the console may fail: its traceback runs
            # through the console's code, "<console>". Any other is ours.
            if line.startswith("Traceback") and (command or not any(
                    'File "<console>"' in later for later in lines[j + 1:j + 6])):
                tally.fail("tracebacks", data, "\n".join(lines[j:j + 8]))
        answer = [line for line in lines if not line.startswith(("EVENT ", "sim: ", "wifi"))]
        restarted = any(line.startswith("sim: restarting the board") for line in lines)
        first = answer[0] if answer else ""
        # A Python statement may print nothing, as at >>>.
        if not typed(data).strip(b" \t,") or answer or not command:
            tally.answered("OK" if first.startswith("OK") else "ERROR" if first.startswith("ERROR") else "output")
        elif restarted:
            # An earlier command's restart (after its answer and grace) came
            # while this line was typed: it was lost, as on a UART.
            tally.answered("lost in a restart")
        else:
            tally.fail("silent drops", data, "no answer to a console line; it printed %r" % lines[:6])
        accepted = any(line.startswith("OK: ") and "saved" in line or "joining" in line for line in lines) \
            or any(line.startswith("EVENT PROV_COMPLETE") for line in lines)
        check_store(board, tally, data, before, accepted or board.stored() != before and
                    any(line.startswith(("EVENT PROV_COMPLETE", "OK: config erased")) for line in lines), None)
        if (i + 1) % LIVENESS_EVERY == 0:
            liveness(tally, data, lambda: console_alive(board))


def is_command(line):
    """Is a console line a wifiprov command (else it is Python)? As
    wifiprov.console decides: by its first word."""
    words = line.replace(b",", b" ").replace(b'"', b" ").split(None, 1)
    return bool(words) and words[0] in (b"wifiprov", b"wifiprovhelp")


def typed(data):
    """A console line as the console reads it (wifiprov.console.feed):
    backspace and delete erase, and a terminal's key sequence is no part of
    it: ESC, the byte after it, and when that was [ or O everything up to
    a final byte (@ to ~); a control byte cuts a sequence short and counts
    as itself. (An up or down arrow would recall a line of the console's
    history, which this does not know: the inputs seldom hold one.) Seed
    31207 typed "wifiprov ESC BS 3..." while a Python block was open: the
    backspace erased the space, so the line was Python, and the block took
    it without a word, where this had read a command owed an answer."""
    line = bytearray()
    escape = 0
    for b in data:
        if escape and b < 0x20 and b != 27:
            escape = 0
        if escape or b == 27:
            if b == 27:
                escape = 1
            elif escape == 1:
                escape = 2 if b in b"[O" else 0
            elif 0x40 <= b <= 0x7E:
                escape = 0
            continue
        if b in (8, 127):
            del line[-1:]
        else:
            line.append(b)
    return bytes(line)


def console_answer(board, i):
    """The console lines a line printed: everything before the answer to a
    sentinel command typed after it. A restart loses what was typed while
    the board rebooted (as on a UART), so the sentinel is typed again."""
    sim = board.sim
    sentinel = "fuzz-sentinel-%d" % i
    deadline = time.monotonic() + ANSWER_S
    sim.send("wifiprov " + sentinel)
    collected = []
    while time.monotonic() < deadline:
        lines = board.new_output()
        for k, line in enumerate(lines):
            if sentinel in line:
                return collected + lines[:k]
            if line.startswith("sim: restarting the board"):
                sim.pos = max(sim.pos, board.mark - len(lines) + k)
                sim.expect(r"^READY mode=", READY_S)
                board.mark = sim.pos
                collected += lines
                sim.send("wifiprov " + sentinel)
                break
        else:
            collected += lines
            time.sleep(0.002)
    return None


def console_alive(board):
    started = time.monotonic()
    board.sim.send("wifiprov status")
    deadline = started + LIVENESS_S
    seen = []
    while time.monotonic() < deadline:
        seen += board.new_output()
        if any(line.startswith("heap: ") for line in seen):
            return True
        time.sleep(0.005)
    return False


def liveness(tally, data, check):
    try:
        ok = check()
    except (OSError, ValueError, IndexError):
        ok = False
    if not ok:
        tally.fail("hangs", data, "a valid request was not answered within %.0f s after this input" % LIVENESS_S)


# ---- power cuts

def power_cuts(rng, work, networks, heap, k):
    """Cut the power (SIGKILL) at a random moment during k saves; every boot
    must find the old or the new config, never the first-boot defaults."""
    board = Board(work, networks, heap)
    outcomes = {"old": 0, "new": 0, "other": 0}
    try:
        current = json.loads(board.stored())["AP"]["SSID"]
        for n in range(k):
            new = "cut-%d-%d" % (n, rng.randrange(1000))
            doc = {"mode": 1, "AP": {"SSID": new, "auth": 4, "PWD": "power-cut-pass", "ch": 1 + n % 11, "ssidv": 1}}
            with socket.create_connection(("127.0.0.1", board.sim.ports["tcp"]), timeout=5) as sock:
                sock.sendall(json.dumps(doc).encode() + b"\n")
                time.sleep(rng.random() * 0.04)  # the save is done within ~10-30 ms of the send
                board.sim.close()  # the power goes: SIGKILL to the board's process group
            board.start()
            loaded = board.sim.collect("wifiprov get", r"^AP: ")[-1]
            got = loaded.split('ssid="', 1)[1].split('"', 1)[0]
            kind = "old" if got == current else "new" if got == new else "other"
            outcomes[kind] += 1
            if kind == "other":
                print("FAIL power cut %d: booted %r, neither %r nor %r" % (n, got, current, new), flush=True)
            current = got
    finally:
        board.close()
    return outcomes


# ---------------------------------------------------------------- main



# ---- hostile text on the console

def hostile_text(rng):
    """Printable words with terminal controls in them: what a sender or a
    neighbour's AP name could put on the owner's console."""
    controls = ["\x1b[6n", "\x1b]0;owned\x07", "\x1b[2J\x1b[H", "\x07", "\x08\x08", "\r", "\x9b31m",
                "\x9d0;x\x9c", "\x7f", "\x1bc", "\x05", "\x1b[1A"]
    words = ["ap", "net", "AP passphrase: x", "wifiprov", "ok"]
    out = ""
    while len(out.encode()) < 20:
        out += choice(rng, words) + choice(rng, controls)
    return out[:24]


def console_control_bytes(raw):
    """Where the console's bytes hold a control character a terminal acts
    on: C0 but CR and LF, DEL, and C1 (as UTF-8, C2 80..9F)."""
    found = []
    for i, b in enumerate(raw):
        if (b < 0x20 and b not in (0x0A, 0x0D)) or b == 0x7F or (b == 0xC2 and raw[i + 1:i + 2] < b"\xa0"):
            found.append(bytes(raw[max(0, i - 30):i + 30]))
    return found


def fuzz_hostile(rng, board, tally, n):
    port = board.sim.ports["tcp"]
    for i in range(n):
        text = hostile_text(rng)
        kind = i % 3
        if kind == 0:  # a station network: tried, not found
            doc = {"mode": 0, "STA": {"SSID": text, "PWD": "", "auth": 1}}
        elif kind == 1:  # the AP's name: the AP restarts with it
            doc = {"mode": 1, "AP": {"SSID": text, "PWD": "hostile-ap-1", "auth": 4}}
        else:  # an app value: refused (this board's app declares none), quoted in the refusal
            doc = {"app": {text: text}}
        data = json.dumps(doc).encode()
        tally.inputs += 1
        try:
            answer = tcp_answered(port, doc, within_s=ANSWER_S)
        except (OSError, ValueError) as e:
            tally.fail("hangs", data, "no answer: %r" % e)
            board.restore()
            port = board.sim.ports["tcp"]
            continue
        tally.answered("ok" if answer["ok"] else "refused")
        for command in ("wifiprov status", "wifiprov get", "wifiprov scan", "wifiprov ap"):
            board.sim.send(command)
        # Typed again when the console's Python had no heap to compile it
        # (the AP restarting): it says so as >>> does, and that is no bug.
        refused = []
        for _ in range(REPL_TRIES):
            board.sim.send("print('HOSTILE-%d')" % i)
            said = board.sim.expect(r"^(HOSTILE-%d|MemoryError: .*)$" % i, ANSWER_S).group(1)
            if said.startswith("HOSTILE"):
                break
            refused.append(said)
        else:
            tally.fail("hangs", data, "the console's Python had no room %d times in a row: %s" % (REPL_TRIES, said))
        tracebacks(board, tally, data, refused)
        for where in console_control_bytes(board.sim.raw):
            tally.fail("control bytes", data, "on the console: %r" % where)
        board.sim.raw.clear()
        if kind == 1 and answer["ok"]:
            board.restore()
            port = board.sim.ports["tcp"]


# ---- load

def fuzz_load(rng, board, tally, seconds):
    """Bursts for `seconds` in all; after each, the board serves again."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        length = max(1.0, min(BURST_S, end - time.monotonic()))
        tally.inputs += burst(board.sim.ports["http"], length, clients=rng.randint(2, 5), knockers=rng.randint(1, 3))
        data = b"(burst %d)" % n
        status = answered(board.sim.ports["http"], within_s=RECOVER_S)
        answer = tcp_answered(board.sim.ports["tcp"], {"cmd": "status"}, within_s=RECOVER_S)
        tally.answered("served again" if status[0] == 200 and answer["ok"] else "stuck")
        if status[0] != 200 or not answer["ok"]:
            tally.fail("hangs", data, "not serving %d s after a burst: HTTP %r, TCP %r" % (RECOVER_S, status, answer))
            board.restore()
        for line in board.new_output():
            if line.startswith("Traceback") or "wasn't retrieved" in line:
                tally.fail("tracebacks", data, line)
                break


FUZZERS = {"tcp": fuzz_tcp, "http": fuzz_http, "dns": fuzz_dns, "console": fuzz_console, "hostile": fuzz_hostile,
           "load": fuzz_load}


def networks(rng):
    """Networks to scan, none joinable by the fuzzer: their passwords are
    random, and there is no open one. So a station config always fails, and
    the board comes back to provisioning with its fallback AP."""
    secret = "".join(choice(rng, string.ascii_letters) for _ in range(24))
    return [{"ssid": "HomeNet", "password": secret, "auth": 4, "channel": 6, "rssi": -48},
            {"ssid": "<img src=x onerror=alert(1)>", "password": secret, "auth": 3, "channel": 1, "rssi": -60},
            {"ssid_hex": "ff00fe", "password": secret, "auth": 4, "channel": 11, "rssi": -80},
            {"ssid": "\x1b[6nscan\x9b1m\x07", "password": secret, "auth": 4, "channel": 3, "rssi": -75}]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="inputs per network parser (default 2000)")
    ap.add_argument("--console", type=int, help="console lines (default: max(2000, n/10) capped at n)")
    ap.add_argument("--seed", type=int, help="the run's seed (default: a random one, printed)")
    ap.add_argument("--parsers", default="tcp,http,dns,console,hostile,load")
    ap.add_argument("--hostile", type=int, default=60, help="hostile texts sent (default 60)")
    ap.add_argument("--soak", type=float, default=60, help="seconds of load bursts (default 60)")
    ap.add_argument("--powercuts", type=int, default=0, help="saves to cut the power in (default 0)")
    ap.add_argument("--heap", default=HEAP)
    ap.add_argument("--json", help="also write the table to this file")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10 ** 9)
    console_n = args.console if args.console is not None else min(args.n, max(2000, args.n // 10))
    print("fuzz: seed %d (replay with --seed %d), heap %s" % (seed, seed, args.heap), flush=True)
    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wifiprov-fuzz-") as work:
        for name in args.parsers.split(","):
            rng = random.Random("%d-%s" % (seed, name))
            tally = Tally(name)
            board = Board(Path(work) / name, networks(rng), args.heap)
            t0 = time.monotonic()
            try:
                FUZZERS[name](rng, board, tally, {"console": console_n, "hostile": args.hostile,
                                                  "load": args.soak}.get(name, args.n))
                tracebacks(board, tally, b"(end of run)")
            finally:
                board.close()
            tally.seconds = time.monotonic() - t0
            print("fuzz: %s: %d inputs in %.0f s" % (name, tally.inputs, tally.seconds), flush=True)
            results.append(tally)
        cuts = None
        if args.powercuts:
            rng = random.Random("%d-powercut" % seed)
            cuts = power_cuts(rng, Path(work) / "powercut", networks(rng), args.heap, args.powercuts)
    table = report(results, cuts)
    print(table)
    print("fuzz: seed %d, %.0f s in all" % (seed, time.monotonic() - started))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": seed, "parsers": {t.name: {"inputs": t.inputs, "answers": t.answers, "failures": t.failures}
                                      for t in results}, "powercuts": cuts}, indent=2))
    failed = any(sum(t.failures.values()) for t in results) or (cuts and cuts["other"])
    return 1 if failed else 0


def report(results, cuts):
    rows = ["| parser | inputs | answers by kind | " + " | ".join(KINDS) + " |",
            "|---|---|---|" + "---|" * len(KINDS)]
    for t in results:
        kinds = ", ".join("%s %d" % (k, v) for k, v in sorted(t.answers.items(), key=lambda kv: -kv[1]))
        rows.append("| %s | %d | %s | %s |" % (t.name, t.inputs, kinds, " | ".join(str(t.failures[k]) for k in KINDS)))
    if cuts is not None:
        rows.append("")
        rows.append("power cuts during %d saves: booted the old config %d, the new %d, anything else %d" % (
            sum(cuts.values()), cuts["old"], cuts["new"], cuts["other"]))
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
