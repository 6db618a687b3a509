# The read-only status page on the home network (docs/web.md): once the
# board has joined and provisioning is closed, the address the "Connected"
# page gave (http://wifiprov-93f1.local/) answers with what the board is
# doing. This module opens the listening socket, for a job, and says that
# address (board_url: the try's answer, Improv and the console name it).
# The accept loop that then waits on it is the service's
# (wifiprov.service.serve_status, handed in: a job's module never imports
# its caller), a module that stays loaded anyway, so that no module of the
# page's is held while it listens. A request loads wifiprov.status_page
# (and the HTTP reader it uses) and drops it after.
import socket
import asyncio


def start(service, host, port, serve):
    """Listen on host:port, and run serve(service, sock) on it as a task:
    (the socket, its task), which the
    service keeps, and stops by cancelling the one and closing the other
    (Provisioning.status_page)."""
    address = socket.getaddrinfo(host, port)[0]
    sock = socket.socket(address[0], socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address[-1])
        sock.listen(2)
        sock.setblocking(False)
        return sock, asyncio.create_task(serve(service, sock))
    except Exception:  # a full heap for the task too: the port must not stay bound with no one on it
        sock.close()
        raise


def board_url(service):
    """Where the board answers on the home network: this status page, on the
    HTTP port, named when it is not 80 (a board that moved it; the
    simulator's 8080)."""
    from .settings import HTTP_PORT

    return "http://%s.local%s/" % (service.hostname, "" if HTTP_PORT == 80 else ":%d" % HTTP_PORT)
