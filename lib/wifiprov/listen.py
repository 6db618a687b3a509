# What the TCP and HTTP servers share: the listening socket and its accept
# loop, their connections and the deadlines on them, the cap on connections,
# and the linger before a close. Loaded with them, while provisioning is open.
#
# asyncio.start_server's accept loop guards only accept(): a MemoryError
# while it makes the connection's stream or task ended the loop for good,
# with the socket still bound, and the port then accepted and never
# answered, until a reset (a burst of clients, as a phone opening the
# captive portal sends, was enough). Here a connection the heap cannot
# take gets the refusal made in advance and is closed, the loop goes on,
# and the console hears once that the server could not serve, and once
# that it serves again.
#
# Deadlines are not asyncio.wait_for's: it runs the awaited work in a task
# of its own, and when a full heap broke wait_for in the middle, that task
# was left behind, waiting for ever on a client's socket with the request's
# buffer and code (a burst left enough of them that nothing could be served
# again). Here a connection has one task, and one watch per server cancels
# the task whose deadline has passed (timed() turns that into TimeoutError).
import gc
import sys
import time
import socket
import asyncio
from micropython import const

from .core import readable

_PAUSE_MS = const(50)  # after a failure: the tasks that hold the heap get to finish first
# "serving again" once no client was refused for this long: under a burst,
# refusals and answers alternate, and the console would hear of each.
_QUIET_MS = const(5000)
_WATCH_MS = const(100)  # deadlines are looked at this often

# A connection's buffer, made as provisioning opens, before its AP and its
# servers cut the heap up (reserve()), and lent to each connection in turn,
# of either server (a second one at the same time makes its own). When the
# opening found no room for it, the servers listen all the same: the first
# connection makes its own, the spare once it is given back. 1 KB in one
# piece is what a heap cut up by a provisioning's jobs could no longer find:
# a TCP client was refused right after a page had been served, with 4 KB
# free.
_spare = None
_listening = 0  # listeners open: the spare goes with the last one

# The answer to a config that was applied (its network joined, saved) when
# the heap had no room left for the answer's own words, on either server:
# made in advance, so the client is not told to try again what is done.
APPLIED = b'{"ok": true, "next": "applied; the board ran out of memory for the rest of this answer"}\n'


class Connection:
    """What the watch needs of a connection: its task, its deadline (ticks,
    or None), and whether the watch ended what it waited for."""

    def __init__(self):
        self.task = asyncio.current_task()
        self.deadline = None
        self.expired = False


class Listener:
    """A listening socket whose connections each get handler(stream,
    stream) as a task of their own. label: the console's name for the
    server ("http:"); refusal: the bytes a connection gets when the heap
    cannot take it (None: it is just closed, as a TLS one must be).
    connections: the server's Connection objects, watched for deadlines."""

    def __init__(self, label, handler, refusal):
        self.label = label
        self.handler = handler
        self.refusal = refusal
        self.connections = []
        self.starved = False  # told the console it cannot serve, and not yet that it serves again
        self._refused = 0  # ticks_ms of the last refusal
        self._sock = None
        self._accepting = None  # the accept loop's task
        self._pausing = None  # the socket whose accept loop sleeps after a failure
        self._watching = None  # the watch's task, while there are connections

    def open(self, host, port, backlog):
        """Listen on host:port. (The connections' spare buffer is the
        opening's, reserve().)"""
        global _listening
        address = socket.getaddrinfo(host, port)[0]
        sock = socket.socket(address[0], socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address[-1])
            sock.listen(backlog)
            sock.setblocking(False)
            self._sock = sock
            self._accepting = asyncio.create_task(self._accept(sock))
            _listening += 1
        except Exception:  # a full heap for the task too: the port must not stay bound with no one on it
            self._sock = None
            sock.close()
            raise

    def close(self):
        """Stop accepting (the socket is closed at once: the port is free)
        and end every connection. A listener is not opened again: each
        opening of provisioning makes its servers anew."""
        global _spare, _listening
        if self._sock:
            _listening -= 1
            if not _listening:
                _spare = None
            # A task asleep on the clock (the watch; the accept loop in its
            # pause) is told, not cancelled: asyncio's cancel() takes a
            # sleeping task out of the current loop's queue, and after
            # Ctrl-C (wifiprov.ctrl_c) that is a new loop, which never held
            # it. A task waiting on its socket is cancelled.
            if self._pausing is not self._sock:
                self._accepting.cancel()
            self._watching = None
            self._sock.close()
            self._sock = self._accepting = self._watching = None
            # The watch, told, ends at its next tick (up to _WATCH_MS): until
            # then it holds this listener, and through the handler its
            # server and that server's modules, which the close is about to
            # drop (8 KB for the HTTP server on the 64-bit simulator, a
            # status page's request right after the close then found no
            # room). The listener alone is a few hundred bytes.
            self.handler = None
        for c in self.connections:
            c.task.cancel()

    async def _accept(self, sock):
        while self._sock is sock:  # until close()
            try:
                await readable(sock)
                self._take(sock)
                continue
            except MemoryError:
                gc.collect()
                self.no_memory()
            except Exception as e:  # a bug must not end the loop: the port would accept and never answer
                sys.print_exception(e)
            self._pausing = sock
            await asyncio.sleep_ms(_PAUSE_MS)
            if self._pausing is sock:
                self._pausing = None

    def _take(self, sock):
        try:
            client, _ = sock.accept()
        except OSError:
            return  # gone before it was taken
        try:
            client.setblocking(False)
            stream = asyncio.StreamWriter(client)
            asyncio.create_task(self.handler(stream, stream))
        except MemoryError:
            if self.refusal:
                try:
                    client.send(self.refusal)
                except OSError:
                    pass
            client.close()
            raise

    def track(self, conn):
        """A server's new connection (a Connection, made in its task): from
        now its deadline is watched. The watch starts here, with the first
        one: started at the accept, it could wake before the handler's
        first step, see no connection, end, and leave this one unwatched
        (found by make test under load: a refused request whose connection
        lingered for ever)."""
        self.connections.append(conn)
        if not self._watching:
            self._watching = asyncio.create_task(self._watch())

    async def _watch(self):
        """Cancel each connection whose deadline has passed; forget those
        whose task ended without leaving the list (a full heap in its own
        clean-up). It runs only while there are connections: an idle
        server holds no task for it and never wakes the board."""
        me = asyncio.current_task()
        while True:
            await asyncio.sleep_ms(_WATCH_MS)
            if self._watching is not me:
                return  # the server closed
            if not self.connections:
                self._watching = None
                return
            now = time.ticks_ms()
            for c in self.connections:
                if c.task.done():
                    self.connections.remove(c)
                    break  # the list changed under the loop: the rest next time
                if c.deadline is not None and time.ticks_diff(now, c.deadline) >= 0:
                    c.deadline = None
                    c.expired = True
                    c.task.cancel()

    def no_memory(self):
        """Out of memory for a client: said once, until it serves again."""
        self._refused = time.ticks_ms()
        if not self.starved:
            self.starved = True
            print(self.label, "out of memory: clients are refused until memory is free")

    def served(self):
        if self.starved and time.ticks_diff(time.ticks_ms(), self._refused) >= _QUIET_MS:
            self.starved = False
            print(self.label, "serving again")


def lend(size):
    """A connection's buffer of size bytes: the spare when it is free and of
    that size, else a new one (MemoryError when the heap has no room)."""
    global _spare
    buf = _spare
    if buf is not None and len(buf) == size:
        _spare = None
        return buf
    return bytearray(size)


def reserve(buf):
    """buf is the spare from now (provisioning's opening made it while the
    heap was whole, wifiprov.portal._reserve). (If no server comes to
    listen, it goes with this module, which provisioning's close drops.)"""
    global _spare
    if _spare is None:
        _spare = buf


def give_back(buf):
    """A connection is over: its buffer is the next one's, while a server
    listens."""
    global _spare
    if _spare is None and _listening:
        _spare = buf


async def timed(conn, aw, ms):
    """await aw (a coroutine) within ms, or TimeoutError: the connection's
    deadline, which its server's watch enforces."""
    conn.deadline = time.ticks_add(time.ticks_ms(), ms)
    try:
        return await aw
    except asyncio.CancelledError:
        if not conn.expired:
            raise  # the server is stopping
        conn.expired = False
        raise asyncio.TimeoutError
    finally:
        conn.deadline = None


def refuse(stream, text):
    """A short answer on a connection that is closed next, sent as far as
    the socket takes it now: no deadline is needed, and no heap."""
    try:
        stream.s.send(text)
    except OSError:
        pass


async def make_room(connections, cap):
    """A server at its cap of connections drops the one best dropped, so
    that clients that trickle bytes and reconnect cannot keep a real one
    out: each connection object says whether it may be dropped now
    (droppable()) and whether it is a better one to drop than another
    (drop_before(other)). False when none may go: the new one is refused.
    The dropped one's task unwinds before the new one goes on, so the heap
    never holds more connections than the cap (its buffer and its job's
    objects are garbage by then, not still held beside the newcomer's)."""
    while len(connections) >= cap:
        victim = None
        for c in connections:
            if c.droppable() and (victim is None or c.drop_before(victim)):
                victim = c
        if victim is None:
            return False
        connections.remove(victim)
        victim.task.cancel()
        await asyncio.sleep_ms(0)
    return True


async def linger(conn, stream, buf, ms=300):
    """Before closing on a client that may still be sending: take its input
    for a moment (at most 16 buffers). Closing a socket with unread input
    resets the connection, and the client would lose the answer it was just
    sent (an error that says why it is closed)."""
    end = time.ticks_add(time.ticks_ms(), ms)
    taken = 0
    while taken < 16 * len(buf):
        left = time.ticks_diff(end, time.ticks_ms())
        if left <= 0:
            return
        try:
            n = await timed(conn, stream.readinto(buf), left)
        except (asyncio.TimeoutError, OSError):
            return
        if n == 0:
            return
        taken += n or 0
