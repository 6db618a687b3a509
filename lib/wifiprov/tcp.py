# The TCP provisioning server (SPEC 8), port 6666: compatible with the seed's
# clients (tcp_client.py's JSON, the phone app's `apply,...,NULL` and
# `finish`). It frames the byte stream into messages, hands each to the
# provisioning service, and answers every message with one JSON line (the
# seeds answered nothing, so their clients could not know what happened).
import sys
import json
import time
import asyncio
from micropython import const

MAX_MESSAGE = const(1024)  # SPEC 10: a longer message is refused, never buffered whole
MAX_CLIENTS = const(2)  # each holds a buffer and a socket; lwIP on rp2 has ~5 TCP PCBs for everything
PAUSE_MS = const(250)  # a pause this long ends a message: the phone app sends no newline
MESSAGE_MS = const(10000)  # a message must be whole this long after its first byte (slow clients)
IDLE_MS = const(20000)  # a connection with nothing to say is closed after this
WRITE_MS = const(5000)  # an answer must be taken by the client within this

_BUSY = b'{"ok": false, "error": "busy: 2 clients are connected; try again in a moment"}\n'
_USAGE = "send a JSON config document, apply,<ssid>,<auth>,<password>,NULL, or finish"
# The phone app's auth field -> the config's auth (SPEC 8): 2 is WPA/WPA2, 4 WPA3.
_APP_AUTH = {"1": 1, "2": 3, "4": 6}
_COMMANDS = ("scan", "status", "get")


def strict_utf8(raw):
    """Decode bytes as UTF-8, refusing what MicroPython's decode() lets
    through: overlong forms (b"\\xc0\\xaf" would be "/"), surrogates, and
    code points above U+10FFFF. Raises UnicodeError."""
    i = 0
    n = len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            size, lo, hi = 2, 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            size = 3
            lo = 0xA0 if b == 0xE0 else 0x80
            hi = 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            size = 4
            lo = 0x90 if b == 0xF0 else 0x80
            hi = 0x8F if b == 0xF4 else 0xBF
        else:
            raise UnicodeError()
        if i + size > n or not lo <= raw[i + 1] <= hi:
            raise UnicodeError()
        for k in range(i + 2, i + size):
            if not 0x80 <= raw[k] <= 0xBF:
                raise UnicodeError()
        i += size
    return raw.decode()


class TcpServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    name = "tcp"

    def __init__(self, service, port):
        self.service = service
        self.configured_port = port
        self.port = None  # set while listening
        self._server = None
        self._buffers = []  # free per-connection buffers
        self._writers = []  # open connections, closed on stop()

    async def start(self, host):
        if self._server:
            return
        # Allocated once, up front: a board's heap fragments, and 1 KB in one
        # piece may not be there later.
        self._buffers = [bytearray(MAX_MESSAGE) for _ in range(MAX_CLIENTS)]
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
        self._buffers = []

    async def _client(self, reader, writer):
        buf = self._buffers.pop() if self._buffers else None
        try:
            if buf is None:
                writer.write(_BUSY)  # the cap is reached: say so and hang up at once
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
                if self._server:
                    self._buffers.append(buf)
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
        while True:
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
                await self._answer(writer, message)
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
                await self._answer(writer, message)
                continue
            if not n:
                if used and not depth:
                    await self._answer(writer, bytes(view[:used]))  # written, then closed
                return
            if not used:
                first = time.ticks_ms()
            used += n

    async def _answer(self, writer, message):
        message = message.strip()
        if message:
            await self._send(writer, self.handle(message))

    async def _send(self, writer, answer):
        writer.write(json.dumps(answer) + "\n")
        await asyncio.wait_for_ms(writer.drain(), WRITE_MS)

    def handle(self, message):
        """One message (bytes, stripped) -> its answer (a dict)."""
        service = self.service
        try:
            text = strict_utf8(message)
        except UnicodeError:
            return service.refuse("the message is not valid UTF-8")
        if "{" in text:
            try:
                doc = json.loads(text[text.index("{"):])
            except (ValueError, MemoryError) as e:
                return service.refuse("not valid JSON (%s)" % (e.args[0] if e.args else "syntax error"))
            if isinstance(doc, dict) and "cmd" in doc:
                return self._command(doc)
            return service.apply(doc)
        if text.startswith("apply"):
            return self._apply(text)
        if text == "finish":
            return {"ok": True, "next": "finish: nothing more to do"}
        return service.refuse("unknown message; %s" % _USAGE)

    def _apply(self, text):
        """The phone app's apply,<ssid>,<auth>,<password>,NULL: a station
        config, saved and connected at boot, on any channel (SPEC 8)."""
        fields = text.split(",")
        if fields[-1] == "NULL":
            fields.pop()
        if fields[0] != "apply" or len(fields) < 3:
            return self.service.refuse("apply: expected apply,<ssid>,<auth>,<password>,NULL")
        auth = _APP_AUTH.get(fields[2])
        if auth is None:
            return self.service.refuse("apply: auth must be 1 (open), 2 (WPA/WPA2) or 4 (WPA3), not %r" % fields[2])
        # A password may hold commas; an open network's password is ignored, as the app may send one.
        password = ",".join(fields[3:]) if auth != 1 else ""
        return self.service.apply({"mode": 0, "save_config": 1,
                                   "STA": {"SSID": fields[1], "auth": auth, "PWD": password, "ch": 0, "auto": 1}})

    def _command(self, doc):
        cmd = doc["cmd"]
        if len(doc) != 1 or cmd not in _COMMANDS:
            return self.service.refuse('cmd: must be {"cmd": "scan"}, {"cmd": "status"} or {"cmd": "get"} alone')
        if cmd == "status":
            return self.service.status()
        if cmd == "get":
            return self.service.get()
        networks = []
        for ssid, channel, rssi, auth in self.service.scan()["networks"]:
            try:
                name = strict_utf8(ssid)
            except UnicodeError:
                name = None  # not text: ssid_hex carries it
            networks.append({"ssid": name, "ssid_hex": "".join("%02x" % b for b in ssid),
                             "rssi": rssi, "channel": channel, "auth": auth})
        return {"ok": True, "networks": networks}
