# The read-only status page on the home network (docs/web.md): once the
# board has joined and provisioning is closed, the address the "Connected"
# page gave (http://wifiprov-93f1.local/) answers with what the board is
# doing. Only the listening socket and this loop stay in RAM; a request loads
# wifiprov.status_page (and the HTTP reader it uses) and drops it after.
# One request at a time: the others wait in the socket's backlog.
import socket
import asyncio
from micropython import const

from .core import job_async, readable

_REQUEST_MS = const(5000)  # the whole request and answer; a slow client is dropped
# Made in advance: when the heap is short, there is no room to build it.
_NO_MEMORY = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\n"
              b"Content-Type: text/plain\r\nContent-Length: 54\r\n\r\n"
              b"out of memory: the board could not answer; try again.\n")


def start(service, host, port):
    """Listen on host:port: (the socket, its accept task), which the
    service keeps, and stops by cancelling the one and closing the other
    (Provisioning.status_page). Not a stop() here: this module stays
    alive while the page listens (its accept loop's code), and a function
    more in it costs that time's RAM (32 B frozen, 0.1 KB as .mpy)."""
    address = socket.getaddrinfo(host, port)[0]
    sock = socket.socket(address[0], socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address[-1])
        sock.listen(2)
        sock.setblocking(False)
        return sock, asyncio.create_task(_accept(service, sock))
    except Exception:  # a full heap for the task too: the port must not stay bound with no one on it
        sock.close()
        raise


async def _accept(service, sock):
    while True:
        await readable(sock)
        client = None
        try:
            client, _ = sock.accept()
            client.setblocking(False)
            await asyncio.wait_for_ms(job_async("status_page", "serve", service, asyncio.StreamWriter(client)),
                                     _REQUEST_MS)
        except asyncio.CancelledError:
            raise
        except MemoryError:
            try:
                client.send(_NO_MEMORY)
            except Exception:
                pass
        except Exception:  # a client gone or too slow: that request only
            pass
        finally:
            if client is not None:
                client.close()
