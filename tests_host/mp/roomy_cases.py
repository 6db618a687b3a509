# Runs under MicroPython: the real HTTP server on a loopback port. While
# requests are cached, a connection asks for the 4 KB buffer; when the heap
# cannot give it, caching ends and the connection is served with the usual
# 1 KB one (a heap that had room when provisioning opened may have less
# now: an app took it).
import sys
import asyncio

from wifiprov import core, http, listen

PORT = int(sys.argv[2])
asked = []


def lend(size):
    asked.append(size)
    if size > http.BUFFER:
        raise MemoryError("memory allocation failed, allocating %d bytes" % size)
    return listen.lend(size)


http.lend = lend


async def get(path):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"GET %s HTTP/1.1\r\n\r\n" % path)
    await writer.drain()
    answer = b""
    while True:
        data = await reader.read(512)
        if not data:
            break
        answer += data
    writer.close()
    await writer.wait_closed()
    return answer.split(b"\r\n")[0].decode()


async def main():
    server = http.HttpServer(None, PORT)
    await server.start("127.0.0.1")
    core.cache_jobs(True)
    print("caching:", bool(core.cache_jobs()))
    print("first:", await get(b"/nothing"), asked, "caching:", bool(core.cache_jobs()))
    print("next:", await get(b"/nothing"), asked)
    await server.stop()


asyncio.run(main())
