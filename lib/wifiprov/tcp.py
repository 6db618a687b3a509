# The TCP provisioning server (SPEC 8), port 6666: compatible with the seed's
# clients (tcp_client.py's JSON, the phone app's `apply,...,NULL` and
# `finish`). It frames the byte stream into messages and answers every one
# with one JSON line (the seeds answered nothing, so their clients could not
# know what happened). What a message means is in tcp_messages, imported per
# message so that it costs no RAM between messages.
import sys
import json
import time
import asyncio
from micropython import const

from . import call

MAX_MESSAGE = const(1024)  # SPEC 10: a longer message is refused, never buffered whole
MAX_CLIENTS = const(2)  # each holds a buffer and a socket; lwIP on rp2 has ~5 TCP PCBs for everything
PAUSE_MS = const(250)  # a pause this long ends a message: the phone app sends no newline
MESSAGE_MS = const(10000)  # a message must be whole this long after its first byte (slow clients)
IDLE_MS = const(20000)  # a connection with nothing to say is closed after this
WRITE_MS = const(5000)  # an answer must be taken by the client within this
# Refused messages in a row that close a connection: a client trickling bytes
# of text (each pause ending a message) must not hold a slot for ever.
MAX_REFUSED = const(3)

_BUSY = b'{"ok": false, "error": "busy: too many clients are connected; try again in a moment"}\n'


class TcpServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    name = "tcp"

    def __init__(self, service, port):
        self.service = service
        self.configured_port = port
        self.port = None  # set while listening
        self._server = None
        self._writers = []  # open connections, closed on stop()

    async def start(self, host):
        if self._server:
            return
        self._server = await asyncio.start_server(self._client, host, self.configured_port, backlog=MAX_CLIENTS)
        self.port = self.configured_port

    async def stop(self):
        if not self._server:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        self.port = None
        for writer in self._writers:
            writer.close()  # their handlers finish the close

    async def _client(self, reader, writer):
        buf = None
        try:
            if len(self._writers) < MAX_CLIENTS:
                try:
                    buf = bytearray(MAX_MESSAGE)  # held only while connected
                except MemoryError:
                    pass
            if buf is None:
                writer.write(_BUSY)  # at the cap (or out of RAM): say so and hang up at once
                await asyncio.wait_for_ms(writer.drain(), 1000)
                return
            self._writers.append(writer)
            await self._serve(reader, writer, buf)
        except (OSError, asyncio.TimeoutError):
            pass  # the client vanished or stopped reading: normal for TCP
        except Exception as e:
            sys.print_exception(e)
        finally:
            if buf is not None:
                self._writers.remove(writer)
            writer.close()
            try:
                await writer.wait_closed()  # without it the socket leaks
            except OSError:
                pass

    async def _serve(self, reader, writer, buf):
        """Read into buf and cut messages out of it. A message ends at a
        newline, at the brace that closes a JSON object, or at a pause; while
        a JSON object is open only its closing brace ends it, so a document
        split over several writes is read whole."""
        view = memoryview(buf)
        used = 0  # bytes in buf
        scanned = 0  # bytes of buf already looked at
        depth = 0  # JSON object nesting at `scanned`
        in_string = escaped = False
        first = 0  # ticks of the current message's first byte
        refused = 0  # refused messages in a row
        while True:
            if refused >= MAX_REFUSED:
                await self._send(writer, {"ok": False, "error": "%d refused messages in a row; closing" % refused})
                return
            end = 0
            while scanned < used and not end:
                b = buf[scanned]
                scanned += 1
                if in_string:
                    if escaped:
                        escaped = False
                    elif b == 0x5C:  # backslash
                        escaped = True
                    elif b == 0x22:
                        in_string = False
                elif depth:
                    if b == 0x22:
                        in_string = True
                    elif b == 0x7B:
                        depth += 1
                    elif b == 0x7D:
                        depth -= 1
                        if not depth:
                            end = scanned
                elif b == 0x7B:
                    depth = 1
                elif b == 0x0A:
                    end = scanned
            if end:
                message = bytes(view[:end])
                buf[: used - end] = view[end:used]
                used -= end
                scanned = depth = 0
                in_string = escaped = False
                first = time.ticks_ms()
                refused = await self._answer(writer, message, refused)
                continue
            if used == MAX_MESSAGE:
                await self._send(writer, {"ok": False, "error": "message longer than %d bytes; closing" % MAX_MESSAGE})
                return
            if used:
                left = MESSAGE_MS - time.ticks_diff(time.ticks_ms(), first)
                wait = left if depth else min(PAUSE_MS, left)
            else:
                wait = IDLE_MS
            try:
                n = await asyncio.wait_for_ms(reader.readinto(view[used:]), max(wait, 1))
            except asyncio.TimeoutError:
                if not used:
                    await self._send(writer, {"ok": False, "error": "idle for %d s; closing" % (IDLE_MS // 1000)})
                    return
                if depth or wait == left:
                    await self._send(writer, {"ok": False, "error": "message not complete within %d s; closing"
                                                                    % (MESSAGE_MS // 1000)})
                    return
                end = used  # a pause after a plain-text message: it is whole
                message = bytes(view[:end])
                used = scanned = 0
                refused = await self._answer(writer, message, refused)
                continue
            if not n:
                if used and not depth:
                    await self._answer(writer, bytes(view[:used]), 0)  # written, then closed
                return
            if not used:
                first = time.ticks_ms()
            used += n

    async def _answer(self, writer, message, refused):
        """Answer one message; return the count of refused ones in a row."""
        message = message.strip()
        if not message:
            return refused
        try:
            answer = call("tcp_messages", "handle", self.service, message)  # loaded per message
        except MemoryError:
            answer = {"ok": False, "error": "out of memory; try again"}
        if "ok" not in answer:  # a config to apply: done once the parser is unloaded
            answer = self.service.apply(answer["apply"])
        await self._send(writer, answer)
        return 0 if answer["ok"] else refused + 1

    async def _send(self, writer, answer):
        writer.write(json.dumps(answer) + "\n")
        await asyncio.wait_for_ms(writer.drain(), WRITE_MS)
