# Runs under MicroPython: what a job hands back must not hold the job's
# module. A request read by wifiprov.http_read lives until its answer is
# sent, through every step after the reading (routing, the page, the
# apply); its class was http_read's, and an instance holds its class, the
# class its module: the reader's code stayed in RAM all that time. The
# heap's map (micropython.mem_info(1), M: a module) is printed before the
# request is read, then with it held: the same number of modules both times.
import gc
import sys
import asyncio
import micropython

from wifiprov.core import job_async
from wifiprov.http_conn import Connection

from streams import Reader


def heap_map(label):
    gc.collect()
    print("MAP", label)
    micropython.mem_info(1)
    print("MAP END")


async def read():
    # (in a frame of its own, which ends here: main's keeps only the request)
    conn = Connection(Reader(b"POST /config.htm HTTP/1.1\r\nHost: 192.168.4.1\r\nContent-Length: 4\r\n\r\na=b&"))
    return await job_async("http_read", "read", conn, bytearray(1024))


async def main():
    heap_map("before")
    request = await read()
    print("read:", request.method.decode(), request.target.decode(), request.body.decode())
    print("reader loaded:", "wifiprov.http_read" in sys.modules)
    heap_map("held")


asyncio.run(main())
