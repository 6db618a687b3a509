# The TCP provisioning server (SPEC 8), port 6666: compatible with the seed's
# clients (tcp_client.py's JSON, the phone app's `apply,...,NULL` and
# `finish`). It frames the byte stream into messages and answers every one
# with one JSON line (the seeds answered nothing, so their clients could not
# know what happened). Framing a connection's bytes is wifiprov.tcp_conn's,
# loaded while a client is connected; what a message means is
# tcp_messages', imported per message.
import sys
import asyncio
from micropython import const

from . import acall, close_listener

MAX_MESSAGE = const(1024)  # SPEC 10: a longer message is refused, never buffered whole
MAX_CLIENTS = const(2)  # each holds a buffer and a socket; lwIP on rp2 has ~5 TCP PCBs for everything

_BUSY = b'{"ok": false, "error": "busy: too many clients are connected; try again in a moment"}\n'
# Made in advance: when the heap is short, there is no room to build it.
NO_MEMORY = b'{"ok": false, "error": "out of memory: the board could not handle this message; try again"}\n'


class TcpServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    name = "tcp"

    def __init__(self, service, port):
        self.service = service
        self.configured_port = port
        self.port = None  # set while listening
        self._server = None
        self._tasks = []  # open connections, ended on stop()

    async def start(self, host):
        if self._server:
            return
        self._server = await asyncio.start_server(self._client, host, self.configured_port, backlog=MAX_CLIENTS)
        self.port = self.configured_port

    async def stop(self):
        if self._server:
            await close_listener(self._server, self._tasks)
            self._server = self.port = None

    async def _client(self, reader, writer):
        buf = None
        try:
            if len(self._tasks) < MAX_CLIENTS:
                try:
                    buf = bytearray(MAX_MESSAGE)  # held only while connected
                except MemoryError:
                    pass
            if buf is None:
                writer.write(_BUSY)  # at the cap (or out of RAM): say so and hang up at once
                await asyncio.wait_for_ms(writer.drain(), 1000)
                return
            me = asyncio.current_task()
            self._tasks.append(me)
            await acall("tcp_conn", "serve", self.service, reader, writer, buf)
        except (OSError, asyncio.TimeoutError):
            pass  # the client vanished or stopped reading: normal for TCP
        except Exception as e:
            sys.print_exception(e)
        finally:
            if buf is not None:
                self._tasks.remove(me)
            try:
                await writer.wait_closed()  # without it the socket leaks
            except OSError:
                pass
