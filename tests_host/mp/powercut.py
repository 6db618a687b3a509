# Runs under MicroPython: cuts the power during a config save at every
# block write or erase, remounts the littlefs image left behind and loads the
# config the way boot does. Prints one line per cut: "<k> <how> <result>",
# result being old, new, none or mix; then "done <number of operations>".
import vfs
from wifiprov import store

BLOCK = 512
BLOCKS = 64
PATH = "/flash/wifiprov.json"
OLD = {"mode": 1, "save_config": 1, "countrycode": "GEN",
       "AP": {"ch": 1, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}}
NEW = {"mode": 0, "save_config": 1, "countrycode": "EMEA",
       "STA": {"ch": 0, "auto": 1, "auth": 4, "SSID": "HomeNet", "PWD": "correct-horse-42"},
       "AP": {"ch": 6, "ssidv": 1, "auth": 4, "SSID": "wifiprov-1A2B", "PWD": "k7f3m9q2x8vd"}}


class Flash:
    """A RAM block device (littlefs's extended interface) that loses power
    after `budget` program/erase operations: the one that would exceed it is
    not done (or, torn, half done), and from then on writes go nowhere, so
    the image stays as the cut left it."""

    def __init__(self, image=None):
        self.data = bytearray(image) if image else bytearray(b"\xff" * (BLOCK * BLOCKS))
        self.budget = None
        self.torn = False
        self.ops = 0
        self.dead = False

    def _powered(self):
        if not self.dead:
            self.ops += 1
            self.dead = self.budget is not None and self.ops > self.budget
            return not self.dead
        return False

    def readblocks(self, n, buf, off=0):
        a = n * BLOCK + off
        buf[:] = self.data[a:a + len(buf)]

    def writeblocks(self, n, buf, off=0):
        a = n * BLOCK + off
        was_dead = self.dead
        if self._powered():
            self.data[a:a + len(buf)] = buf
        elif self.torn and not was_dead:
            self.data[a:a + len(buf) // 2] = buf[:len(buf) // 2]

    def ioctl(self, op, arg):
        if op == 4:
            return BLOCKS
        if op == 5:
            return BLOCK
        if op == 6 and self._powered():
            self.data[arg * BLOCK:(arg + 1) * BLOCK] = b"\xff" * BLOCK
        return 0


def mount(dev):
    vfs.mount(vfs.VfsLfs2(dev), "/flash")


def release():
    try:
        vfs.umount("/flash")
    except OSError:
        pass


def boot_result(image):
    dev = Flash(image)
    try:
        mount(dev)
    except OSError:
        return "unmountable"
    try:
        config, source = store.load(PATH, lambda text: None)
    finally:
        release()
    if config is None:
        return "none"
    if config == OLD:
        return "old"
    if config == NEW:
        return "new"
    return "mix"


# The flash before the save: littlefs holding the old config.
base = Flash()
vfs.VfsLfs2.mkfs(base)
mount(base)
store.save(PATH, OLD)
release()
snapshot = bytes(base.data)

k = 0
while True:
    k += 1
    finished = True
    for torn in (False, True):
        dev = Flash(snapshot)
        mount(dev)
        dev.ops = 0
        dev.budget = k
        dev.torn = torn
        try:
            store.save(PATH, NEW)
        except OSError:
            pass  # the read-back of a frozen image can fail: that is the point
        finished = finished and not dev.dead
        release()
        print(k, "torn" if torn else "cut", boot_result(bytes(dev.data)))
    if finished:
        break
print("done", k)
