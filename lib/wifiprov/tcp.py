# The TCP provisioning server (docs/tcp.md), port 6666: compatible with the seed's
# clients (tcp_client.py's JSON, the phone app's `apply,...,NULL` and
# `finish`). It frames the byte stream into messages and answers every one
# with one JSON line (the seeds answered nothing, so their clients could not
# know what happened). Framing a connection's bytes is wifiprov.tcp_conn's,
# loaded while a client is connected; what a message means is
# tcp_messages', imported per message.
import sys
import time
import asyncio
from micropython import const

from .core import job_async
from .listen import Connection, Listener, give_back, lend, make_room, refuse

MAX_MESSAGE = const(1024)  # docs/tcp.md: a longer message is refused, never buffered whole
_MAX_CLIENTS = const(2)  # each holds a buffer and a socket; lwIP on rp2 has ~5 TCP PCBs for everything
# A connection keeps its slot at least this long after it connected or after
# its last whole message; past that, a new client may take the slot.
_HOLD_MS = const(500)

_BUSY = const(b'{"ok": false, "error": "busy: too many clients are connected; try again in a moment"}\n')
# Made in advance: when the heap is short, there is no room to build it.
NO_MEMORY = b'{"ok": false, "error": "out of memory: the board could not handle this message; try again"}\n'


class Client(Connection):
    """One connection's place on the server: its task, and when it last
    made progress (connected, or sent a whole message that was answered)."""

    NO_MEMORY = NO_MEMORY  # for wifiprov.tcp_conn, which imports nothing of its server

    def __init__(self):
        super().__init__()
        self.progress = time.ticks_ms()
        self.answering = False  # one of its messages is being answered: never dropped then
        self.done = False  # told why it is closed; it only lingers (see wifiprov.listen.linger)

    def droppable(self):
        """Not while answering, nor within _HOLD_MS of connecting or of its
        last whole message (a real client that just connected keeps its
        slot long enough to ask); at once when it is done."""
        return self.done or not self.answering and time.ticks_diff(time.ticks_ms(), self.progress) >= _HOLD_MS

    def drop_before(self, other):
        """The one that has gone longest without a whole message goes first
        (a client trickling bytes, or blanks, never sends one)."""
        return time.ticks_diff(self.progress, other.progress) < 0


class TcpServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    name = "tcp"

    def __init__(self, service, port):
        self.service = service
        self.configured_port = port
        self.port = None  # set while listening
        self._listener = Listener("tcp:", self._client, NO_MEMORY)
        self._open = self._listener.connections  # a Client per connection, ended on stop()

    async def start(self, host):
        if self.port is None:
            self._listener.open(host, self.configured_port, _MAX_CLIENTS)
            self.port = self.configured_port

    async def stop(self):
        if self.port is not None:
            self._listener.close()
            self.port = None

    async def _client(self, reader, writer):
        me = buf = None
        try:
            if self.port is None:
                return  # accepted just before the server stopped: it is only closed
            if not await make_room(self._open, _MAX_CLIENTS):
                refuse(writer, _BUSY)  # no slot: say so and hang up at once
                return
            # Held only while connected. No room for it is said as such (below),
            # not as "busy": the client is alone, and a retry may find room.
            buf = lend(MAX_MESSAGE)
            me = Client()
            self._listener.track(me)
            await job_async("tcp_conn", "serve", self.service, reader, writer, buf, me)
            self._listener.served()
        except (OSError, asyncio.TimeoutError):
            pass  # the client vanished or stopped reading: normal for TCP
        except MemoryError:
            # Out of memory between messages (loading the framing code, a
            # timer): the line made in advance says so, and the client may retry.
            import gc

            gc.collect()
            self._listener.no_memory()
            refuse(writer, NO_MEMORY)
        except Exception as e:
            sys.print_exception(e)
        finally:
            if buf is not None:
                give_back(buf)
            if me in self._open:
                self._open.remove(me)
            try:
                await writer.wait_closed()  # without it the socket leaks
            except OSError:
                pass
