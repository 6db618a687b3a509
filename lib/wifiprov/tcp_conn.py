# One client of the TCP provisioning server (SPEC 8): the byte stream cut
# into messages, each answered with one JSON line. Loaded while a client is
# connected; what a message means is tcp_messages', imported per message.
import json
import time
import asyncio
from micropython import const

from . import call
from .tcp import MAX_MESSAGE

PAUSE_MS = const(250)  # a pause this long ends a message: the phone app sends no newline
MESSAGE_MS = const(10000)  # a message must be whole this long after its first byte (slow clients)
IDLE_MS = const(20000)  # a connection with nothing to say is closed after this
WRITE_MS = const(5000)  # an answer must be taken by the client within this
# Refused messages in a row that close a connection: a client trickling bytes
# of text (each pause ending a message) must not hold a slot for ever.
MAX_REFUSED = const(3)


async def serve(service, reader, writer, buf):
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
            await _send(writer, {"ok": False, "error": "%d refused messages in a row; closing" % refused})
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
            refused = await _answer(service, writer, message, refused)
            continue
        if used == MAX_MESSAGE:
            await _send(writer, {"ok": False, "error": "message longer than %d bytes; closing" % MAX_MESSAGE})
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
                await _send(writer, {"ok": False, "error": "idle for %d s; closing" % (IDLE_MS // 1000)})
                return
            if depth or wait == left:
                await _send(writer, {"ok": False, "error": "message not complete within %d s; closing"
                                                                % (MESSAGE_MS // 1000)})
                return
            end = used  # a pause after a plain-text message: it is whole
            message = bytes(view[:end])
            used = scanned = 0
            refused = await _answer(service, writer, message, refused)
            continue
        if not n:
            if used and not depth:
                await _answer(service, writer, bytes(view[:used]), 0)  # written, then closed
            return
        if not used:
            first = time.ticks_ms()
        used += n

async def _answer(service, writer, message, refused):
    """Answer one message; return the count of refused ones in a row."""
    message = message.strip()
    if not message:
        return refused
    try:
        answer = call("tcp_messages", "handle", service, message)  # loaded per message
    except MemoryError:
        answer = {"ok": False, "error": "out of memory; try again"}
    if "ok" not in answer:  # a config to apply: done once the parser is unloaded
        answer = service.apply(answer["apply"])
    await _send(writer, answer)
    return 0 if answer["ok"] else refused + 1

async def _send(writer, answer):
    writer.write(json.dumps(answer) + "\n")
    await asyncio.wait_for_ms(writer.drain(), WRITE_MS)
