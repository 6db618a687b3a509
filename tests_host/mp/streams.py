# For the tests_host/mp scripts (imported from their folder, which
# MicroPython puts first on sys.path): a connection's stream that records
# what the code under test writes to it.


class Writer:
    """The connection's stream: what was written, each write's bytes."""

    def __init__(self):
        self.out = []

    def write(self, data):
        self.out.append(bytes(data))
        return True

    @property
    def s(self):  # the socket under the stream, for an answer made in advance
        return self

    def send(self, data):
        self.out.append(bytes(data))

    async def drain(self):
        pass


class Reader:
    """A client that sends data in pieces of at most 700 bytes (as a stream,
    or as the connection itself: its request is not read yet)."""

    def __init__(self, data):
        self.data = data
        self.method = None
        self.head_read = False

    async def readinto(self, view):
        n = min(len(view), 700, len(self.data))
        view[:n] = self.data[:n]
        self.data = self.data[n:]
        return n
