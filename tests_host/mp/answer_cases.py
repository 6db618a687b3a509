# Runs under MicroPython: a config sent over TCP or to POST /api/config was
# applied (its network joined and saved), and the heap has no room for the
# answer's words. The client must hear that it was applied, not "out of
# memory ... try again" for what is done already; a message that was not
# applied still gets the out-of-memory line. The web form's POST likewise
# (its result page).
import asyncio

from wifiprov import http, tcp_conn, web, web_result
from wifiprov.http_conn import Connection
from wifiprov.tcp import Client

from streams import Writer


class Service:
    """The provisioning service's hand-off, as the real one answers a joined try."""

    def refuse(self, reason):
        return {"ok": False, "error": reason}

    async def submit(self, doc):
        return {"ok": True, "changed": True, "saved": True, "next": 'joined "HomeNet" as 192.168.1.23'}

    async def settle(self, answer):
        return answer


class FullHeapJson:
    """json for tcp_conn, with no room left to write an answer."""

    @staticmethod
    def dumps(obj):
        raise MemoryError("memory allocation failed, allocating 339 bytes")


tcp_conn.json = FullHeapJson


async def send_json(writer, buf, answer, status=None):
    raise MemoryError("memory allocation failed, allocating 339 bytes")


web.send_json = send_json  # (web stays loaded: a job drops only what it imported)


async def applied(server, conn, buf, result, form):
    raise MemoryError("memory allocation failed, allocating 1024 bytes")


web_result.applied = applied  # the form's result page (loaded here, so the job keeps it)


class Server:
    service = Service()


async def main():
    client = Client()
    for message in (b'{"mode": 0, "STA": {"SSID": "HomeNet", "auth": 4, "PWD": "correct-horse-42"}}',
                    b'{"cmd": "no-such-command"}'):
        writer = Writer()
        refused = await tcp_conn._answer(Service(), writer, message, 0, client)
        print(refused, b"".join(writer.out).decode().strip())
    for result in ({"ok": True, "next": 'joined "HomeNet"'}, {"ok": False, "error": "no such network"}):
        writer = Writer()
        try:
            await http._applied(Server(), Connection(writer), bytearray(64), result, None)
            print("http:", b"".join(writer.out).decode().split("\r\n")[0], b"".join(writer.out).decode().split("\r\n\r\n")[1].strip())
        except MemoryError:
            print("http: MemoryError (the server's out-of-memory answer)")
    writer = Writer()
    await http._applied(Server(), Connection(writer), bytearray(64), {"ok": True, "next": "saved"}, {"apssid": "x"})
    print("form:", b"".join(writer.out).decode().split("\r\n")[0], b"".join(writer.out).decode().split("\r\n\r\n")[1].strip())


asyncio.run(main())
