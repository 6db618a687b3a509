"""The servers under load (docs/internals.md): a burst of clients as a phone
opening the captive portal sends, with connections opened and dropped at
once, at a board's heap. Whatever runs out of memory, every server keeps
accepting, says once on the console that it could not serve, and serves
again once the burst is over."""
import http.client
import json
import socket
import threading
import time

from test_tcp import connect, read_answer

BURST_S = 40
POST_BODY = json.dumps({"mode": 1, "AP": {"SSID": "y" * 1000}}).encode()


def burst(port, seconds, clients=4, knockers=2):
    """Clients that loop on the page, an apply and a scan (1.5 s timeouts,
    errors ignored), beside clients that connect and close at once."""
    stop = threading.Event()

    def client():
        while not stop.is_set():
            for method, path, body in (("GET", "/config.htm", None), ("POST", "/api/config", POST_BODY),
                                       ("GET", "/api/scan", None)):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.5)
                try:
                    conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
                    conn.getresponse().read()
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    conn.close()

    def knocker():
        while not stop.is_set():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1.5).close()
            except OSError:
                time.sleep(0.05)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    threads += [threading.Thread(target=knocker, daemon=True) for _ in range(knockers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(10)


def answered(port, path="/api/status", within_s=60):
    """The status of GET path once the server answers it with 200 (a 503
    says to retry), or the last failure within the time."""
    deadline = time.monotonic() + within_s
    last = None
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200:
                return 200, body
            last = (resp.status, body)
        except (OSError, http.client.HTTPException) as e:
            last = (None, repr(e))
        finally:
            conn.close()
        time.sleep(1)
    return last


def tcp_answered(sim, message, within_s=60):
    """The answer to a TCP message once it is not the out-of-memory one."""
    deadline = time.monotonic() + within_s
    while True:
        with connect(sim) as s:
            s.sendall(json.dumps(message).encode() + b"\n")
            answer = read_answer(s)
        if answer["ok"] or "out of memory" not in answer["error"] or time.monotonic() > deadline:
            return answer
        time.sleep(1)


def test_a_burst_of_clients_never_kills_the_web_server(board):
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    burst(sim.ports["http"], BURST_S)
    status = answered(sim.ports["http"])
    assert status[0] == 200, (status, sim.transcript()[-3000:])
    assert json.loads(status[1])["provisioning"] is True
    assert tcp_answered(sim, {"cmd": "status"})["ok"]
    text = sim.transcript()
    assert "Task exception wasn't retrieved" not in text and "Traceback" not in text, text[-3000:]


def test_requests_meet_no_stale_code_while_the_servers_reload(board):
    # Closing provisioning drops the servers' code; opening it loads it
    # anew. A request that meets both must not meet two versions of a class
    # (isinstance() failed on a reloaded HttpError: AttributeError in web.answer).
    sim = board.start()
    sim.expect(r"^READY mode=ap ")
    port = sim.ports["http"]
    stop = threading.Event()

    def requests():
        while not stop.is_set():
            for raw in (b"GET /config.htm HTTP/1.1\r\nHost: x\r\n\r\n", b"BREW /x HTTP/1.1\r\n\r\n",
                        b"GET /" + b"a" * 600 + b" HTTP/1.1\r\n\r\n", b"GET /api/status HTTP/1.1\r\n\r\n"):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                        s.sendall(raw)
                        s.recv(4096)
                except OSError:
                    time.sleep(0.02)

    threads = [threading.Thread(target=requests, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(40):
            sim.cmd("wifiprov disable", r"^OK: provisioning disabled$")
            sim.cmd("wifiprov enable", r"^OK: provisioning enabled$")
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert answered(port)[0] == 200
    text = sim.transcript()
    assert "Traceback" not in text and "AttributeError" not in text, text[-3000:]
