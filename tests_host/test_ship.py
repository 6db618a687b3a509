"""Building and shipping the firmware: every module compiles with mpy-cross,
the manifest and package.json are in step with the version, the mip package
installs with the unix port's own mip and boots, a frozen-like layout serves
the pages; and port differences the simulator (an esp32-like radio) cannot
show."""
import functools
import hashlib
import http.client
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading

from conftest import HEAP, ROOT, Sim, micropython, mpy, run_micropython

import simdrive


def test_package_json_is_up_to_date_and_versions_agree():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "package.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    version = re.search(r'^__version__ = "(.+)"$', (ROOT / "lib/wifiprov/core.py").read_text(), re.M).group(1)
    assert '"version": "%s"' % version in (ROOT / "package.json").read_text()
    assert 'version="%s"' % version in (ROOT / "firmware" / "manifest.py").read_text()


def test_mip_installs_the_package_and_it_boots(tmp_path, world):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = tmp_path / "lib"
    try:
        url = "http://127.0.0.1:%d/package.json" % server.server_address[1]
        run = subprocess.run([micropython(), "-m", "mip", "install", "--target", str(target), url],
                             capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 0 and "Done" in run.stdout, run.stdout + run.stderr
    assert (target / "wifiprov" / "app.py").exists() and (target / "wifiprov" / "www" / "config.htm").exists()
    # Installed as source: compiling it on import needs a roomier heap than .mpy.
    sim = simdrive.Sim(tmp_path / "flash", world, "256K", extra=("--lib", str(target)))
    try:
        sim.expect(r"^READY mode=ap tcp=\d+ http=%d " % sim.ports["http"])
        conn = http.client.HTTPConnection("127.0.0.1", sim.ports["http"], timeout=10)
        conn.request("GET", "/config.htm")
        resp = conn.getresponse()
        assert resp.status == 200 and b"Apply Wi-Fi Configuration" in resp.read()
        conn.close()
    finally:
        sim.close()


def test_make_firmware_says_what_it_needs():
    run = subprocess.run(["make", "--no-print-directory", "firmware"], cwd=str(ROOT), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert "BOARD=<RPI_PICO_W, ESP32_GENERIC, unix or unix32> and MICROPY=<a micropython source checkout>" in run.stdout


def test_rp2_scan_security_bits_become_auth_numbers(tmp_path):
    # cyw43 reports 0 open, 1 WEP (privacy only), 3 WPA, 5 RSN (WPA2 or WPA3),
    # 7 WPA/WPA2 mixed.
    script = tmp_path / "scan_bits.py"
    script.write_text("from wifiprov.radio import cyw43_auth\n"
                      "print([cyw43_auth(bits) for bits in (0, 1, 3, 5, 7, 4, 6)])\n")
    run = run_micropython(script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[1, 2, 3, 4, 3, 4, 3]"


def test_a_frozen_layout_serves_the_pages_from_the_pages_module(tmp_path, world):
    # A frozen firmware has no www/ beside its modules: the pages are in
    # wifiprov_pages, split at their keys (tools/frozen_pages.py, frozen by
    # firmware/manifest.py).
    lib = tmp_path / "lib"
    shutil.copytree(mpy.build() / "wifiprov", lib / "wifiprov", ignore=shutil.ignore_patterns("www"))
    subprocess.run([sys.executable, str(ROOT / "tools" / "frozen_pages.py"), str(tmp_path / "gen")], check=True,
                   capture_output=True)
    subprocess.run([mpy.find_tool("mpy-cross"), "-o", str(lib / "wifiprov_pages.mpy"),
                    str(tmp_path / "gen" / "wifiprov_pages.py")], check=True)
    # Frozen, the pages' bytes stay in flash; loaded here from wifiprov_pages.mpy, all
    # of them (14 KB of text: each page with the head and foot it includes
    # in place) sit in the heap while one is served: more than the tests'
    # small-board heap leaves for a page, so this board has 16K more.
    sim = Sim(tmp_path / "flash", world, "144K", extra=("--lib", str(lib)))
    try:
        sim.expect(r"^READY mode=ap ")
        for path, text in (("/", b"wifiprov"), ("/config.htm", b"Apply Wi-Fi Configuration")):
            conn = http.client.HTTPConnection("127.0.0.1", sim.ports["http"], timeout=10)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            assert resp.status == 200 and text in body and body.rstrip().endswith(b"</html>"), body[-200:]
    finally:
        sim.close()


def test_every_firmware_module_compiles_with_mpy_cross(tmp_path):
    import mpy

    out = mpy.build(tmp_path / "mpy")
    compiled = sorted(p.relative_to(out).with_suffix("") for p in out.rglob("*.mpy"))
    sources = sorted(p.relative_to(ROOT / "lib").with_suffix("") for p in mpy.sources())
    assert compiled == sources and len(sources) >= 10


# The service's functions that run an action pair handed to them as a job.
RUNNERS = ("act", "react")


def _package_imports():
    """{module: {(module it loads, function or None)}} for lib/wifiprov: its
    relative imports, and the jobs it runs (core.job("store", "save", ...)
    loads wifiprov.store), which are imports too, by name. A job named by
    variables takes them from its module's table of steps, _STEPS (http's):
    {step: (module, function)}, or from such a table of a module it runs a
    job of (_COMMANDS: wifiprov.cli's, which wifiprov.console asks, counted
    as cli's imports; a (None, method) there is the service's own method),
    or is run by a function of the service
    that takes an `action` (act(), which runs an apply's action, and
    react(), which runs a reaction to the link or the boot's AP): an action pair such as
    ("outcome", "restart"), named where the action is chosen
    (wifiprov.outcome's RESTART = ..., or a pair handed to the runner as it
    is) and counted as that module's."""
    import ast

    package = ROOT / "lib" / "wifiprov"
    modules = {p.stem for p in package.glob("*.py")}

    def pair(node, table=False):
        """(module, function) of a pair of constants, or of a table's entry
        (_COMMANDS' entries have a third element: whether it takes values)."""
        if (isinstance(node, ast.Tuple) and (len(node.elts) == 2 or table and len(node.elts) == 3)
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts[:2])
                and node.elts[0].value in modules):
            return node.elts[0].value, node.elts[1].value
        return None

    found = {}
    unnamed = {}  # module: the lines of its jobs named by variables
    tables = set()  # the modules with a table of (module, function) pairs
    for path in package.glob("*.py"):
        uses = found.setdefault(path.stem, set())
        unnamed[path.stem] = []
        tree = ast.parse(path.read_text())
        steps = [n.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.targets[0], ast.Name) and n.targets[0].id in ("_STEPS", "_COMMANDS")
                 and isinstance(n.value, ast.Dict)]
        for table in steps:
            tables.add(path.stem)
            uses.update(pair(v, True) for v in table.values if pair(v, True))
            # (None, method): the provisioning service's own, which it must have
            own = [v.elts[1].value for v in table.values if isinstance(v, ast.Tuple)
                   and isinstance(v.elts[0], ast.Constant) and v.elts[0].value is None]
            service = next(n for n in ast.parse((package / "service.py").read_text()).body
                           if isinstance(n, ast.ClassDef) and n.name == "Provisioning")
            methods = {n.name for n in service.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            assert set(own) <= methods, "%s.py: its table names %s, not methods of the service" % (
                path.stem, sorted(set(own) - methods))
        actions = [pair(n.value) for n in tree.body if isinstance(n, ast.Assign) and pair(n.value)]
        uses.update(actions)
        runner = set()  # the lines of the functions that run the action pairs handed to them
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "action" in {a.arg for a in node.args.args}:
                runner.update(n.lineno for n in ast.walk(node) if hasattr(n, "lineno"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                uses.update((node.module, None) if node.module else (a.name, None) for a in node.names)
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in RUNNERS and node.args:
                assert pair(node.args[0]) or not isinstance(node.args[0], ast.Tuple), (
                    "%s.py: %s() runs a (module, function) pair of constants (line %d)"
                    % (path.stem, node.func.attr, node.lineno))
                if pair(node.args[0]):
                    uses.add(pair(node.args[0]))
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
                    "job", "job_async") and len(node.args) >= 2:
                module, name = node.args[0], node.args[1]
                if isinstance(module, ast.Constant) and isinstance(name, ast.Constant):
                    uses.add((module.value, name.value))
                elif node.lineno not in runner:
                    unnamed[path.stem].append(node.lineno)
    for user, lines in unnamed.items():
        for line in lines:
            assert user in tables or any(m in tables and f for m, f in found[user]), (
                "%s.py: a job names its module and function as constants, or takes them from a table "
                "(_STEPS, _COMMANDS) or an action pair (line %d)" % (user, line))
    return found


def test_every_job_names_a_function_its_module_has():
    import ast

    package = ROOT / "lib" / "wifiprov"
    jobs = 0
    for user, uses in _package_imports().items():
        for module, name in uses:
            if name is None:
                continue
            jobs += 1
            source = package / (module + ".py")
            assert source.exists(), "%s.py runs a job of wifiprov.%s, which does not exist" % (user, module)
            top = {n.name for n in ast.parse(source.read_text()).body
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            assert name in top, "%s.py runs %s.%s, which %s.py does not define" % (user, module, name, module)
    assert jobs >= 30


def test_the_opening_interns_modules_the_package_has():
    """portal._intern_ahead imports each module a phone's provisioning
    loads, by name, and stops quietly at one it cannot import (a firmware
    may leave one out): a name that is no module would end the interning
    there, unseen, and the sixth block of names would come mid-request."""
    import ast

    package = ROOT / "lib" / "wifiprov"
    tree = ast.parse((package / "portal.py").read_text())
    table = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "_REQUEST_MODULES")
    names = [e.value for e in table.args[0].elts]  # _REQUEST_MODULES = const((...))
    missing = [name for name in names if not (package / (name + ".py")).exists()]
    assert len(names) >= 10 and not missing, missing


def test_the_packages_lookup_names_every_function_of_the_api_and_no_other():
    """wifiprov.__getattr__ finds the API's names in wifiprov.api by a list
    of its own (a lookup must not load api.py for every submodule import):
    the list and api.py's public functions are the same names."""
    import ast

    package = ROOT / "lib" / "wifiprov"
    api = {n.name for n in ast.parse((package / "api.py").read_text()).body
           if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")} - {"named"}
    lookup = next(n for n in ast.parse((package / "__init__.py").read_text()).body
                  if isinstance(n, ast.FunctionDef) and n.name == "__getattr__")
    listed = {e.value for node in ast.walk(lookup) if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In)
              for e in node.comparators[0].elts}
    assert listed == api, (sorted(listed - api), sorted(api - listed))
    docs = (ROOT / "docs" / "app.md").read_text()
    assert all("wifiprov.%s(" % name in docs for name in api), [n for n in api if "wifiprov.%s(" % n not in docs]


def test_imports_run_one_way_jobs_included():
    """No import cycle, counting every import and every job's module (the
    shared tools/cycles.py sees only import statements)."""
    graph = {user: {m for m, _ in uses if m != user} for user, uses in _package_imports().items()}
    state = {}

    def visit(module, path):
        state[module] = "open"
        for used in sorted(graph.get(module, ())):
            assert state.get(used) != "open", "import cycle: %s" % " -> ".join(path + [module, used])
            if used not in state:
                visit(used, path + [module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_firmware_manifest_freezes_the_package_at_the_package_version():
    import re

    manifest = (ROOT / "firmware" / "manifest.py").read_text()
    version = re.search(r'^__version__ = "([^"]+)"', (ROOT / "lib/wifiprov/core.py").read_text(), re.M)
    assert 'version="%s"' % version.group(1) in manifest
    assert 'package("wifiprov", base_path="../lib")' in manifest


def test_the_chips_images_are_the_ones_their_provenance_names():
    # tools/firmware.py --chip-images writes PROVENANCE.md beside the images
    # it builds; an image changed by hand would no longer match it.
    images = ROOT / "tools" / "chip" / "images"
    text = (images / "PROVENANCE.md").read_text()
    assert "| MicroPython | v1.28.0 (commit " in text
    for name in ("RPI_PICO.uf2", "RPI_PICO_W.uf2", "bootrom-b1.bin"):
        data = (images / name).read_bytes()
        assert "| %s | %d | %s |" % (name, len(data), hashlib.sha256(data).hexdigest()) in text, name
    lock = json.loads((ROOT / "tools" / "chip" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/rp2040js"]["version"] == "1.4.1"  # what tools/chip/run.mjs was written for


def test_where_it_stands_gives_the_figures_bench_json_has():
    # docs/internals.md's table of the heap rows is bench.json's, cell by
    # cell: a bench run that moves a row shows here until the table follows.
    bench = json.loads((ROOT / "bench.json").read_text())
    text = (ROOT / "docs" / "internals.md").read_text()
    section = text[text.index("### Where it stands"):text.index("## Fuzzing")]
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("| "))}
    columns = ("_32_frozen", "_32_mpy", "_32_board", "", "_frozen")
    keys = {"whole flow": "min_heap_full%s_kb", "web-only": "min_heap_web%s_kb",
            "boot and join": "min_heap_boot_join%s_kb", "held after joining": "held_after_join%s_bytes"}
    for row, key in keys.items():
        for cell, column in zip(rows[row], columns):
            value = bench[key % column]
            budget = bench["budgets"].get(key % column)
            shown = ("%d KB" % value) if key.endswith("_kb") else ("{:,} B".format(value))
            if budget is not None and column in ("_32_frozen", "_32_mpy"):
                shown += " (%s)" % ("{:,}".format(budget) if key.endswith("_bytes") else budget)
            assert cell == shown, (row, column, cell, shown)
    ratios = rows["GET of the form page against the reference"]
    for cell, column in zip(ratios, columns):
        if column == "_32_board":
            continue
        shown = "%gx" % bench["get_form_ratio%s" % column]
        budget = bench["budgets"].get("get_form_ratio%s" % column)
        if budget is not None:
            shown += " (%gx)" % budget
        assert cell == shown, (column, cell, shown)
    assert "{:,} B held once a provisioned flash".format(bench["chip_held_after_joining_bytes"]) in section


def test_the_docs_give_the_figures_the_code_has():
    # Figures the docs repeat, read from the code, so that a change to one
    # shows here: the laptop client's --timeout, a third TCP client's hold.
    client = (ROOT / "tools" / "wifiprov.py").read_text()
    timeout = re.search(r'"--timeout", type=float, default=(\d+)\.0', client).group(1)
    assert "`--timeout` (%s s)" % timeout in (ROOT / "docs" / "tcp.md").read_text()
    hold_ms = int(re.search(r"^_HOLD_MS = const\((\d+)\)", (ROOT / "lib/wifiprov/tcp.py").read_text(), re.M).group(1))
    hold = "%g s" % (hold_ms / 1000)
    assert "if that is at least %s" % hold in (ROOT / "docs" / "tcp.md").read_text()
    assert "if that is %s or\n  more" % hold in (ROOT / "docs" / "internals.md").read_text()
    # The console's help command is `wifiprov help` wherever a newcomer reads of it.
    for page in ["README.md"] + ["docs/%s" % p.name for p in (ROOT / "docs").glob("*.md")]:
        text = (ROOT / page).read_text()
        assert "type `wifiprovhelp`" not in text, page
        assert "the seed's" not in text, page  # our word for Microchip's service; a maker never met it
        # esptool v5's spellings; v4's are named once, as such, in boards.md.
        assert text.count("erase_flash") + text.count("write_flash") <= (2 if page == "docs/boards.md" else 0), page
