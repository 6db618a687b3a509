# Runs under MicroPython: a TCP client's config was applied (its network
# joined and saved), and the heap has no room for the answer's words. The
# client must hear that it was applied, not "out of memory ... try again"
# for what is done already; a message that was not applied still gets the
# out-of-memory line.
import asyncio

from wifiprov import tcp_conn
from wifiprov.tcp import Client


class Writer:
    """The connection's stream: what was written."""

    def __init__(self):
        self.out = []

    def write(self, data):
        self.out.append(bytes(data))
        return True

    async def drain(self):
        pass


class Service:
    """The provisioning service's hand-off, as the real one answers a joined try."""

    def refuse(self, reason):
        return {"ok": False, "error": reason}

    async def submit(self, doc):
        return {"ok": True, "changed": True, "saved": True, "next": 'joined "HomeNet" as 192.168.1.23'}


class FullHeapJson:
    """json for tcp_conn, with no room left to write an answer."""

    @staticmethod
    def dumps(obj):
        raise MemoryError("memory allocation failed, allocating 339 bytes")


tcp_conn.json = FullHeapJson


async def main():
    client = Client()
    for message in (b'{"mode": 0, "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "correct-horse-42"}}',
                    b'{"cmd": "no-such-command"}'):
        writer = Writer()
        refused = await tcp_conn._answer(Service(), writer, message, 0, client)
        print(refused, b"".join(writer.out).decode().strip())


asyncio.run(main())
