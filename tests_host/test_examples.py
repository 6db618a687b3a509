"""The apps in examples/ (docs/app.md), run on the simulated board the way
a maker runs them: `make sim APP=examples/<file>` copies one onto the flash."""
from conftest import HOME_PASSWORD, ROOT

EXAMPLES = ROOT / "examples"


def provisioned(board, app):
    sim = board.start(extra=("--app", str(EXAMPLES / app)))
    sim.expect(r"^READY mode=ap")
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^OK: saved; restarting")
    sim.expect(r"^READY mode=sta ip=127\.0\.0\.1$")
    return sim


def test_status_logger_logs_once_online_and_reacts_to_a_drop(board):
    sim = provisioned(board, "status_logger.py")
    sim.expect(r"^logger: online: 127\.0\.0\.1 on HomeNet, hostname wifiprov-[0-9a-f]{4}$")
    sim.expect(r"^logger: station connected, heap free \d+$")
    sim.cmd("wifiprov disconnect", r"^logger: off the network: disconnect requested$")
    assert (board.flash / "app.py").read_bytes() == (EXAMPLES / "status_logger.py").read_bytes()
