# The captive portal's DNS responder (docs/web.md): while the provisioning AP is
# up, every A query is answered with the AP's own address, so a phone that
# joins the AP finds its connectivity check answered by the board and opens
# the portal by itself. Other query types get an empty answer; anything
# that is not a well-formed standard query is dropped unanswered.
import sys
import socket
import asyncio
from micropython import const

from .core import readable

_MAX_PACKET = const(512)  # a DNS query over UDP is at most this long (RFC 1035); a longer one is dropped
_MAX_NAME = const(255)  # a name's length on the wire, its length bytes and final zero included (RFC 1035)
_TTL_S = const(10)  # short: once the board joins the home network, phones must ask again
_TYPE_A = const(1)
_CLASS_IN = const(1)


def reply(query, address):
    """The answer to one query packet (bytes), or None to drop it."""
    n = len(query)
    if n < 17 or n > _MAX_PACKET:
        return None
    flags = query[2]
    # A standard query (QR=0, opcode 0) with exactly one question, no answers.
    if flags & 0xF8 or query[4:6] != b"\x00\x01" or query[6:8] != b"\x00\x00":
        return None
    i = 12
    while True:  # the question's name: labels of 1..63 bytes, no compression
        size = query[i]
        if not size:
            break
        if size > 63 or i + 1 + size >= n:
            return None
        i += 1 + size
        if i - 12 >= _MAX_NAME:  # with the final zero it would be over 255
            return None
    end = i + 5  # the zero byte, QTYPE, QCLASS
    if end > n:
        return None
    qtype = query[i + 1] << 8 | query[i + 2]
    qclass = query[i + 3] << 8 | query[i + 4]
    answer = qclass == _CLASS_IN and qtype == _TYPE_A
    # Header: same ID; QR=1, AA=1, RD copied; RA=1, NOERROR; 1 question.
    out = bytearray(query[:2])
    out += bytes((0x84 | (flags & 0x01), 0x80, 0, 1, 0, 1 if answer else 0, 0, 0, 0, 0))
    out += query[12:end]
    if answer:
        # The name as a pointer to the question's (offset 12), A, IN, TTL, 4 bytes.
        out += bytes((0xC0, 12, 0, _TYPE_A, 0, _CLASS_IN, 0, 0, _TTL_S >> 8, _TTL_S & 0xFF, 0, 4))
        out += bytes(int(part) for part in address.split("."))
    return out


class DnsServer:
    """One of the provisioning servers: name, port, start(host), stop()."""

    name = "dns"

    def __init__(self, port):
        self.configured_port = port
        self.port = None
        self._sock = None
        self._task = None

    async def start(self, host):
        if self._sock:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(socket.getaddrinfo(host, self.configured_port)[0][-1])
            sock.setblocking(False)
            self._task = asyncio.create_task(self._serve(sock, host))
        except Exception:  # a full heap for the task too: the port must not stay bound with no one on it
            sock.close()
            raise
        self._sock = sock
        self.port = self.configured_port

    async def stop(self):
        if not self._sock:
            return
        self._task.cancel()
        self._sock.close()
        self._sock = self._task = None
        self.port = None

    async def _serve(self, sock, address):
        while True:
            try:
                query, client = await _receive(sock)
                answer = reply(query, address)
                if answer:
                    sock.sendto(answer, client)
            except (OSError, MemoryError):
                await asyncio.sleep_ms(100)  # a failed packet is dropped; the responder goes on
            except Exception as e:
                sys.print_exception(e)


async def _receive(sock):
    # MicroPython's asyncio has no datagram API: wait until the socket is
    # readable, then take one packet.
    await readable(sock)
    # One byte more than a query may have: a datagram that fills it is too
    # long (recvfrom cuts a datagram at the size asked for), and is dropped.
    return sock.recvfrom(_MAX_PACKET + 1)
