"""The apps in examples/ (docs/app.md), run on the simulated board the way
a maker runs them: `make sim APP=examples/<file>` copies one onto the flash."""
import contextlib
import http.server
import json
import threading
import time

from conftest import HOME_PASSWORD, ROOT

EXAMPLES = ROOT / "examples"


def provisioned(board, app):
    sim = board.start(extra=("--app", str(EXAMPLES / app)))
    sim.expect(r"^READY mode=ap")
    # Joined, then saved: the app's connected() returns after this line.
    sim.cmd('wifiprov set 0 1 "GEN" 0 1 4 "HomeNet" "%s"' % HOME_PASSWORD, r"^READY mode=sta ip=127\.0\.0\.1$")
    return sim


def test_status_logger_logs_once_online_and_reacts_to_a_drop(board):
    sim = provisioned(board, "status_logger.py")
    sim.expect(r"^logger: online: 127\.0\.0\.1 on HomeNet, hostname wifiprov-[0-9a-f]{4}$")
    sim.expect(r"^logger: station connected, heap free \d+$")
    sim.cmd("wifiprov disconnect", r"^logger: off the network: disconnect requested$")
    assert (board.flash / "app.py").read_bytes() == (EXAMPLES / "status_logger.py").read_bytes()


@contextlib.contextmanager
def reading_server():
    """A local HTTP server that keeps what the reporter POSTs."""
    got = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.append((self.path, self.headers.get("Authorization"), json.loads(body)))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d/readings" % server.server_port, got
    finally:
        server.shutdown()


def wait_for(got, n, timeout=20):
    end = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < end:
        time.sleep(0.05)
    assert len(got) >= n, got


def test_reporter_posts_readings_where_its_settings_say(board):
    with reading_server() as (url, got):
        sim = provisioned(board, "reporter.py")
        sim.expect(r"^reporter: no server URL yet: fill it in on the board's page")
        sim.cmd("wifiprov app set token tok-123", r"^OK: app settings saved; the app uses them now$")
        sim.cmd("wifiprov app set every_s 1", r"^OK: app settings saved; the app uses them now$")
        sim.cmd("wifiprov app set server_url " + url, r"^reporter: sent a reading to %s: HTTP 201$" % url)
        wait_for(got, 2)  # and again a second later
        path, auth, body = got[0]
        assert path == "/readings" and auth == "Bearer tok-123"
        assert body["board"].startswith("wifiprov-") and body["heap_free"] > 0
        assert "sim: restarting the board" not in sim.transcript()[sim.transcript().index("READY mode=sta"):]
    # The server gone: the reporter says so and carries on.
    sim.expect(r"^reporter: could not send to %s: " % url)
    sim.cmd("wifiprov status", r'^station: connected "HomeNet"$')
