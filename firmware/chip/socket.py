# Inert sockets for the emulated chip (tools/chip.py; the RPI_PICO firmware
# has no network stack), so that wifiprov's provisioning servers start there
# as on a Pico W: they bind and listen, and no client ever comes, since the
# emulated chip has no network. It never goes onto a board and is never
# part of the deployed package. asyncio polls these sockets like real ones
# (io.IOBase: MicroPython calls ioctl() for the poll), and they are never
# ready.
import io

AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOL_SOCKET = 1
SO_REUSEADDR = 4
_EAGAIN = 11


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    return [(AF_INET, type or SOCK_STREAM, proto, "", (host, port))]


class socket(io.IOBase):
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        self.type = type
        self.closed = False

    def ioctl(self, request, arg):
        return 0  # poll: nothing to read, nothing to write, ever

    def setsockopt(self, level, option, value):
        pass

    def setblocking(self, flag):
        pass

    def bind(self, address):
        self.address = address

    def listen(self, backlog=0):
        pass

    def accept(self):
        raise OSError(_EAGAIN)

    def recvfrom(self, n):
        raise OSError(_EAGAIN)

    def close(self):
        self.closed = True
