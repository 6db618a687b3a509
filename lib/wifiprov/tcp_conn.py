# One client of the TCP provisioning server (docs/tcp.md): the byte stream cut
# into messages, each answered with one JSON line. Loaded while a client is
# connected; what a message means is tcp_messages', imported per message.
import gc
import json
import time
import asyncio
from micropython import const

from .core import job
from .listen import APPLIED, linger, timed

_PAUSE_MS = const(250)  # a pause this long ends a message: the phone app sends no newline
_MESSAGE_MS = const(10000)  # a message must be whole this long after its first byte (slow clients)
_IDLE_MS = const(20000)  # a connection with nothing to say is closed after this
_WRITE_MS = const(5000)  # an answer must be taken by the client within this
# Refused messages in a row that close a connection: a client trickling bytes
# of text (each pause ending a message) must not hold a slot for ever.
_MAX_REFUSED = const(3)


async def serve(service, reader, writer, buf, client):
    """Read into buf and cut messages out of it. A message ends at a
    newline, at the brace that closes a JSON object, or at a pause; while
    a JSON object is open only its closing brace ends it, so a document
    split over several writes is read whole. client (wifiprov.tcp.Client)
    hears of each answered message: the server's choice of whom to drop."""
    view = memoryview(buf)
    used = 0  # bytes in buf
    scanned = 0  # bytes of buf already looked at
    depth = 0  # JSON object nesting at `scanned`
    in_string = escaped = False
    after_json = False  # a JSON object just ended: its line's end belongs to it
    first = 0  # ticks of the current message's first byte
    refused = 0  # refused messages in a row (blank ones count)
    while True:
        if refused >= _MAX_REFUSED:
            return await _close(reader, writer, buf, client, "%d refused messages in a row; closing" % refused)
        end = 0
        while scanned < used and not end:
            b = buf[scanned]
            scanned += 1
            if after_json:  # then scanned is 1: the byte is the first in buf
                if b in b" \t\r\n":  # the blanks up to the newline after a JSON object: dropped
                    after_json = b != 0x0A
                    buf[: used - 1] = view[1:used]
                    used -= 1
                    scanned = 0
                    continue
                after_json = False
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
                        after_json = True
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
            refused = await _answer(service, writer, message, refused, client)
            continue
        if used == len(buf):  # wifiprov.tcp's MAX_MESSAGE
            why = service.refuse("message longer than %d bytes; closing" % used)["error"]
            return await _close(reader, writer, buf, client, why)
        if used:
            left = _MESSAGE_MS - time.ticks_diff(time.ticks_ms(), first)
            wait = left if depth else min(_PAUSE_MS, left)
        else:
            # Idle time runs from the last answered message (or the
            # connection's start), not from the last byte: a client sending
            # a blank now and then must not keep its slot.
            left = wait = _IDLE_MS - time.ticks_diff(time.ticks_ms(), client.progress)
        try:
            n = await timed(client, reader.readinto(view[used:]), max(wait, 1))
        except asyncio.TimeoutError:
            if not used:
                return await _close(reader, writer, buf, client, "idle for %d s; closing" % (_IDLE_MS // 1000))
            if depth or wait == left:
                why = service.refuse("message not complete within %d s; closing" % (_MESSAGE_MS // 1000))["error"]
                return await _close(reader, writer, buf, client, why)
            end = used  # a pause after a plain-text message: it is whole
            message = bytes(view[:end])
            used = scanned = 0
            after_json = False
            refused = await _answer(service, writer, message, refused, client)
            continue
        if not n:  # the client closed its side; it may still read the answer
            if depth:
                await _send(client, writer, service.refuse("the connection closed inside a JSON object; "
                                                   "the message was not complete"))
            elif used:
                await _answer(service, writer, bytes(view[:used]), 0, client)
            return
        if not used:
            first = time.ticks_ms()
        used += n


async def _answer(service, writer, message, refused, client):
    """Answer one message; return the count of refused ones in a row. A
    blank message gets no answer but counts as refused: whitespace alone
    is how a client would hold a slot without ever asking anything."""
    message = message.strip()
    if not message:
        return refused + 1
    client.answering = True  # not dropped while answered; its progress is set when done
    applied = False
    try:
        answer = job("tcp_messages", "handle", service, message)  # per message
        if "ok" not in answer:  # a config to apply: done once the parser is dropped
            # A network to join is tried first: the answer waits for the
            # try (up to 20 s); the try goes on if the client leaves.
            phone = "phone" in answer
            answer = await service.submit(answer["apply"])
            applied = answer["ok"]
            if phone and not answer["ok"]:  # the phone app's numbering: 2 is WPA/WPA2, 4 WPA3
                answer["error"] = answer["error"].replace("auth 3 (", "auth 2 (").replace("auth 6 (", "auth 4 (")
        await _send(client, writer, answer)
    except MemoryError:
        # No room to build an answer: the one made in advance says so.
        gc.collect()
        if applied:
            await _write(client, writer, APPLIED)
            return 0
        await _write(client, writer, client.NO_MEMORY)
        return refused + 1
    finally:
        client.answering = False
        client.progress = time.ticks_ms()
    return 0 if answer["ok"] else refused + 1

async def _close(reader, writer, buf, client, why):
    """Say why the connection is closed, and close it so that the client
    reads it (see wifiprov.listen.linger); meanwhile its slot may be taken."""
    await _send(client, writer, {"ok": False, "error": why})
    client.done = True
    await linger(client, reader, buf)


async def _send(client, writer, answer):
    await _write(client, writer, json.dumps(answer) + "\n")


async def _write(client, writer, data):
    writer.write(data)
    await timed(client, writer.drain(), _WRITE_MS)
