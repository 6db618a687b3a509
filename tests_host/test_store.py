"""The store's power-cut safety, run under the MicroPython unix port on a
littlefs image (the firmware's own code, not a copy)."""
from conftest import ROOT, run_micropython

HERE = ROOT / "tests_host" / "mp"


def test_power_cut_at_every_write_leaves_old_or_new_config():
    run = run_micropython(HERE / "powercut.py", heap="1M", timeout=300)
    assert run.returncode == 0, run.stderr + run.stdout
    lines = run.stdout.splitlines()
    assert lines[-1].startswith("done ")
    results = [line.split() for line in lines[:-1]]
    steps = int(lines[-1].split()[1])
    assert steps >= 4 and len(results) == 2 * steps
    outcomes = {r[2] for r in results}
    assert outcomes <= {"old", "new"}, [r for r in results if r[2] not in ("old", "new")]
    assert outcomes == {"old", "new"}  # the cut points span the whole save
    assert results[-1][2] == "new"  # a save that completes is what boot loads
