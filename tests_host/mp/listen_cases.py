# Runs under MicroPython: a server whose start finds no heap for its task
# (MemoryError from asyncio.create_task) must leave its port free, or every
# later start meets "OSError(98,)" (EADDRINUSE) and the server never comes
# back (make test under load: http server did not start, then 98 for good).
import sys

sys.path.append(sys.argv[1])  # firmware/unix: the board's machine and network modules
import socket
import asyncio

port = int(sys.argv[2])
real = asyncio.create_task


def no_heap(coro):
    coro.close()
    raise MemoryError("memory allocation failed, allocating 176 bytes")


def port_free():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        s.listen(1)
        return "free"
    except OSError as e:
        return "taken (%r)" % e
    finally:
        s.close()


def attempt(name, start):
    asyncio.create_task = no_heap
    try:
        start()
        print(name, "started")
    except MemoryError:
        print(name, "MemoryError; port", port_free())
    finally:
        asyncio.create_task = real


from wifiprov.listen import Listener
from wifiprov import status_server
from wifiprov.dns import DnsServer



async def never_served(service, sock):  # the accept loop's place: its task gets no heap here
    pass


listener = Listener("test:", None, None)
attempt("listener", lambda: listener.open("127.0.0.1", port, 2))
attempt("status server", lambda: status_server.start(None, "127.0.0.1", port, never_served))
dns = DnsServer(port)
attempt("dns", lambda: asyncio.run(dns.start("127.0.0.1")))
print("dns holds no socket:", dns._sock is None)
import wifiprov.listen as listen

print("no spare after a failed open:", listen._spare is None)


# One connection buffer for the servers, made as provisioning opens
# (wifiprov.portal), lent to one connection at a time (of either server),
# gone with the last server.
async def lend_and_give_back():
    web, tcp = Listener("web:", None, None), Listener("tcp:", None, None)
    listen.reserve(bytearray(1024))
    web.open("127.0.0.1", 0, 2)  # (any free port)
    tcp.open("127.0.0.1", 0, 2)
    spare = listen._spare
    first, second = listen.lend(1024), listen.lend(1024)
    print("lent: the spare first, then a new one:", first is spare, second is not spare, len(second))
    listen.give_back(second)
    listen.give_back(first)
    print("given back: the first returned is the spare:", listen._spare is second)
    web.close()
    print("kept while a server listens:", listen._spare is second)
    tcp.close()
    print("gone with the last server:", listen._spare is None)


asyncio.run(lend_and_give_back())


# A server opened when provisioning's opening had no 1 KB piece for the
# spare listens all the same; its first connection makes its own buffer,
# the spare once given back (make test: a fallback AP's TCP and HTTP
# servers did not start, for the want of that one piece at that moment).
def no_room_for_the_spare():
    server = Listener("web:", None, None)
    server.open("127.0.0.1", 0, 2)  # with no listen.reserve() before it
    print("listens without a spare:", server._sock is not None, listen._spare is None)
    buf = listen.lend(1024)
    print("its first connection makes its own buffer:", len(buf))
    listen.give_back(buf)
    print("given back, it is the spare:", listen._spare is buf)
    server.close()


no_room_for_the_spare()


# A connection whose handler takes a while before it is known to its
# server (more than one period of the deadline watch) still has its
# deadline kept. Before, the watch started at the accept, woke before the
# handler's first step under load, saw no connection and ended: the
# connection was never watched (make test under load: a refused request
# lingered for ever, its client waiting for the close).
from wifiprov.listen import Connection, timed

late = Listener("late:", None, None)


async def slow_handler(reader, writer):
    await asyncio.sleep_ms(300)  # three periods of the watch
    conn = Connection()
    late.track(conn)
    try:
        await timed(conn, asyncio.sleep_ms(10000), 200)
        print("deadline: not kept")
    except asyncio.TimeoutError:
        print("deadline: kept")
    finally:
        late.connections.remove(conn)
        await writer.wait_closed()  # (asyncio closes the socket here)


async def connect_once():
    late.handler = slow_handler
    late.open("127.0.0.1", port, 2)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await asyncio.wait_for_ms(reader.read(1), 5000)
        print("closed")
    except asyncio.TimeoutError:
        print("never closed")
    await writer.wait_closed()
    late.close()


asyncio.run(connect_once())
