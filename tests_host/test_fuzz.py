"""A short pass of the fuzz suite (tools/fuzz.py; `make fuzz` runs a long
one): about 2,000 mutated inputs for each of the TCP, HTTP, DNS and console
parsers of a simulated board at the tests' heap, 20 hostile texts scanned
for on the console, 20 s of load bursts, and power cuts during saves.
Every failure count must be zero. FUZZ_SEED picks another seed."""
import os
import subprocess
import sys

from conftest import HEAP, ROOT, TOOLS

SEED = os.environ.get("FUZZ_SEED", "20261130")


def test_short_fuzz_pass_finds_no_failure():
    run = subprocess.run([sys.executable, str(TOOLS / "fuzz.py"), "--n", "2000", "--seed", SEED, "--heap", HEAP,
                          "--powercuts", "10", "--hostile", "20", "--soak", "20"],
                         capture_output=True, text=True, cwd=str(ROOT), timeout=900)
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    table = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    rows = {line.split("|")[1].strip(): line for line in table[1:]}
    assert set(rows) == {"tcp", "http", "dns", "console", "hostile", "load"}, table
    for name, row in rows.items():
        cells = [c.strip() for c in row.split("|")[1:-1]]
        if name == "hostile":
            assert int(cells[1]) == 20, row
        elif name == "load":
            assert int(cells[1]) > 1000 and "stuck" not in cells[2], row
        else:
            assert int(cells[1]) == 2000, row
        assert cells[3:] == ["0", "0", "0", "0", "0"], row
    assert "anything else 0" in run.stdout
