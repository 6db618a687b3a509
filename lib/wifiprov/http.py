# The web provisioning servers (docs/web.md): HTTP on port 80 (or any port)
# and HTTPS on 443 when a certificate is on the flash. This is the resident
# part of the transport: listening, the connection cap, the deadline, and
# the request's steps. Reading a request is wifiprov.http_read's; what it
# means and its answer are wifiprov.web's (with web_form and web_page); a
# config to apply goes to the service once those are dropped, and web then
# answers with the result. One request per connection
# (`Connection: close`): a keep-alive connection would hold a buffer and a
# socket a board cannot spare.
import gc
import sys
import asyncio
from micropython import const

from .core import HttpError, job, job_async
from .listen import Listener, give_back, lend, linger, make_room, refuse, timed
from .http_conn import BUFFER, Connection

# Connections at once. A browser opens two or three; lwIP on a Pico W has
# few sockets for everything. One TLS session costs ~20 KB of RAM on rp2.
_MAX_CONNECTIONS = const(2)
_MAX_TLS_CONNECTIONS = const(1)
_REQUEST_MS = const(10000)  # the whole request (TLS handshake included); a slow client is dropped
# A connection's buffer while requests are cached (a roomy heap): an answer
# goes out in 4 KB writes, the form page in 2 instead of 8 (each write is a
# system call on the board's network stack). Requests are still read
# within the first BUFFER bytes of it.
_ROOMY_BUFFER = const(4096)

_FULL = const(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\nRefresh: 2\r\n"
              b"Content-Type: text/plain\r\nContent-Length: 29\r\n\r\nbusy: try again in a moment.\n")
# Made in advance: when the heap is short, there is no room to build it.
# (wifiprov.service's status page sends the same bytes, written there again.)
# Refresh: a browser showing either loads its page again by itself 2 s later
# (a phone polling the join page would otherwise stop at this text).
_NO_MEMORY = const(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\nRefresh: 2\r\n"
                   b"Content-Type: text/plain\r\nContent-Length: 59\r\n\r\n"
                   b"out of memory: the board could not answer this; try again.\n")

class HttpServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    def __init__(self, service, port, tls=None):
        self.service = service
        self.name = "https" if tls else "http"
        self.configured_port = port
        self.tls = tls  # (certificate, key) paths of DER files, for HTTPS
        self.port = None  # set while listening
        self.host = None  # the address it listens on: where the portal is
        # A TLS client cannot read a plain refusal: it is only closed.
        self._listener = Listener(self.name + ":", self._client, None if tls else _NO_MEMORY)
        self._open = self._listener.connections  # a Connection per client
        self._context = None  # the TLS context while HTTPS listens
        self._cap = _MAX_TLS_CONNECTIONS if tls else _MAX_CONNECTIONS

    async def start(self, host):
        if self.port is not None:
            return
        context = None
        if self.tls:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            with open(self.tls[0], "rb") as cert, open(self.tls[1], "rb") as key:
                context.load_cert_chain(cert.read(), key.read())
        # TLS is wrapped per connection here, not by the listener: after a
        # failed handshake MicroPython's TLS socket forgets its TCP socket
        # without closing it, and only a reference of ours can close it.
        self._context = context
        self._listener.open(host, self.configured_port, self._cap)
        self.host = host
        self.port = self.configured_port

    async def stop(self):
        if self.port is not None:
            self._listener.close()
            self.port = None

    async def _client(self, stream, _):
        conn = buf = None
        tcp = stream.s  # the TCP socket; for HTTPS, under the TLS one
        try:
            if self.port is None:
                return  # accepted just before the server stopped: it is only closed
            if self._context:
                stream = asyncio.StreamWriter(self._context.wrap_socket(tcp, server_side=True,
                                                                        do_handshake_on_connect=False))
            if not await make_room(self._open, self._cap):
                if not self.tls:  # (a TLS client could not read it before its handshake)
                    refuse(stream, _FULL)
                return
            conn = Connection(stream)
            self._listener.track(conn)
            from .core import cache_jobs  # (here: this module's table is full)

            try:
                buf = lend(_ROOMY_BUFFER if cache_jobs() else BUFFER)
            except MemoryError:  # the heap has less room than when caching began: the usual 1 KB
                cache_jobs(False)
                buf = lend(BUFFER)
            try:
                request = await timed(conn, job_async("http_read", "read", conn, buf), _REQUEST_MS)
            except asyncio.TimeoutError:
                if self.tls and not conn.received:
                    return  # the TLS handshake never finished: no answer can be sent (docs/web.md)
                request = HttpError(408, "the request was not complete within %d s" % (_REQUEST_MS // 1000))
            except EOFError:
                if not conn.received:
                    return  # connected and closed without a word: nothing to answer
                # The client closed its side early; it may still read.
                request = HttpError(400, "the request ended after %d bytes, before it was complete" % conn.received)
            except HttpError as e:
                request = e
            conn.reading = False
            await self._answer(conn, buf, request)
            self._listener.served()
            # Closing on unread input resets the connection, and the client
            # can lose the answer it was just sent. A refusal may come
            # before its request is all in; any client may send more than
            # its request (a body past its Content-Length, a second request
            # behind the first). Otherwise the close comes at once: a page
            # ends at the close, so a browser waits for it.
            if isinstance(request, HttpError) or _more_waiting(tcp, buf):
                conn.done = True
                await linger(conn, stream if stream.s is tcp else asyncio.StreamReader(tcp), buf)
        except (OSError, EOFError, asyncio.TimeoutError):
            pass  # the client vanished or stopped reading: normal
        except MemoryError:
            # What the failed job held is garbage now; the answer made in
            # advance needs no heap. Once a part of an answer went out, a
            # 503 would only garble it: the connection is closed instead.
            gc.collect()
            self._listener.no_memory()
            if (conn is None or not conn.sent) and (not self.tls or conn and conn.received):
                refuse(stream, _NO_MEMORY)  # (TLS: once its handshake is done, the client reads it)
        except Exception as e:
            sys.print_exception(e)
        finally:
            if conn in self._open:
                self._open.remove(conn)
            try:
                await stream.wait_closed()  # closes the socket; without it the socket leaks
            except OSError:
                pass
            tcp.close()  # a no-op when the line above closed it
            if buf is not None and len(buf) == BUFFER:
                give_back(buf)  # for the next connection (a roomy one is not kept)

    async def _answer(self, conn, buf, request):
        """A request's steps, each a job of its own, so that no two of the
        modules they import are in RAM together: web routes it (and gives
        the short answers itself), then the form or a page; a config to
        apply goes to the service once those are dropped (validation needs
        the RAM), and the result is answered after."""
        step = await job_async("web", "answer", self, conn, buf, request)
        if step == "scan":
            # The scan, its JSON and the answer's sending, each a job: the
            # radio's work, routing and the text checks in RAM together
            # were the whole flow's fullest moment.
            found = job("radio", "scan", self.service.wifi)
            return await job_async("web", "send_json", conn, buf, job("report", "scan_json", found))
        if isinstance(step, str):  # a page or the form: the next step's own job
            try:
                module, name = _STEPS[step]
                step = await job_async(module, name, self, conn, buf, request)
            except HttpError as e:
                step = await job_async("web", "answer", self, conn, buf, e)
        if step is None:
            return
        request.body = request.headers = None  # read: not held through the answer's page
        if step[0] is None:  # the form again, filled in, with what is wrong when anything is
            return await _form(self, conn, buf, step[1], step[2], step[3])
        document, form = step
        await _applied(self, conn, buf, job("provision", "apply", self.service, document), form)


def _more_waiting(tcp, buf):
    """Has the client sent bytes past its request? Read without waiting
    (the socket is non-blocking): None is nothing there, 0 is its close.
    For HTTPS, the TLS records under the session: they are only dropped."""
    try:
        return bool(tcp.readinto(buf))
    except OSError:
        return False


# After wifiprov.web routed a request to a page or the form, by the step's
# name: the module that step loads, and its function (server, conn, buf,
# request).
_STEPS = {"join": ("web_join", "answer"), "post": ("web_form", "post"), "form": ("web_page", "form"),
          "index": ("web_page", "index")}


async def _form(server, conn, buf, form, error, status):
    """The form, filled in with `form` (web_form's field values), with what
    is wrong when `error` is given (in the page's words, made before the
    page's module loads)."""
    if error:
        error = job("web_words", "plain", error)
    await job_async("web_page", "config", server, conn, buf, status, form, error)


async def _applied(server, conn, buf, result, form):
    """The answer to an applied config: the service's own for the API, the
    result page for the form (the join page when a network is tried first)."""
    if form is None:
        result = await server.service.settle(result)  # a network to join: its try's answer
    elif not result["ok"]:
        return await _form(server, conn, buf, form, result["error"], 400)
    elif result.get("trying"):
        return await job_async("web_join", "joining", server, conn, buf)
    try:
        if form is None:
            return await job_async("web", "send_json", conn, buf, result)
        await job_async("web_result", "applied", server, conn, buf, result, form)
    except MemoryError:
        if not result["ok"] or conn.sent:
            raise  # (wifiprov.http's out-of-memory answer, or the close)
        # Applied (joined, saved): not "try again" for what is done, to the
        # API or the form alike. Made in advance; the body ends at the close.
        from .listen import APPLIED  # (here: one name less in this module's table, at its 29-slot step)

        gc.collect()
        refuse(conn.stream, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n")
        refuse(conn.stream, APPLIED)
