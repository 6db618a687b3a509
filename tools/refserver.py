# The reference for make bench's page latency (tools/bench.py): the least
# asyncio web server, as the peers (WiFiManager, phew, microdot) answer a
# page: read the request's head, write an answer held in memory, close.
# Runs under MicroPython, on the same build as the firmware it is compared
# with:
#   micropython tools/refserver.py PORT PATH=FILE [PATH=FILE ...]
# Each FILE holds a whole answer (head and body) that wifiprov gave for PATH;
# read once at start, it is served from memory. Prints "REFSERVER ready PORT"
# once listening.
import asyncio
import sys

_MAX_HEAD_LINES = 64  # a head longer than a browser's is refused, as a server on a board would


def load(pairs):
    answers = {}
    for pair in pairs:
        path, _, name = pair.partition("=")
        with open(name, "rb") as f:
            answers[path.encode()] = f.read()
    return answers


async def main(port, answers):
    async def serve(reader, writer):
        try:
            line = await reader.readline()
            parts = line.split()
            for _ in range(_MAX_HEAD_LINES):
                if (await reader.readline()) in (b"\r\n", b"\n", b""):
                    break
            answer = answers.get(parts[1].partition(b"?")[0]) if len(parts) == 3 else None
            writer.write(answer or b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except OSError:
            pass  # a client that went away
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.start_server(serve, "127.0.0.1", port, backlog=4)
    print("REFSERVER ready %d" % port)
    while True:
        await asyncio.sleep(3600)


asyncio.run(main(int(sys.argv[1]), load(sys.argv[2:])))
