# The config file on flash: written so that a power cut at any moment leaves
# the old or the new document, read back at boot through a fallback chain
# (live file, temporary file, backup). Loaded for a job, dropped after.
import json
import os
from micropython import const

from . import core

# Bookkeeping keys only the stored file carries: the format's version, the
# release that wrote the file ("by"), and the checksum.
_FORMAT_VERSION = const(1)
# A valid document is under 1 KB, 3 KB with the app's settings at their
# limits (wifiprov.fields); anything bigger is not ours, and is refused by
# its size before it is read into RAM.
MAX_FILE_BYTES = const(4096)
_S_IFDIR = const(0x4000)  # os.stat()'s mode bit of a directory
_CHUNK = const(64)  # bytes read at a time when a file is compared with what was written

# A stored file that cannot be used raises ValueError, whose text says why.
# Few names here: past 17, this module's table takes a 23-slot block (184
# bytes on 32-bit) at the save of a try, the web-only flow's edge (frozen,
# 24 KB), where that block was the one the heap did not have (tests_host/
# test_load.py holds it); so no class of its own, no helper called from one
# place, core reached by its module's name (core.job, core.__version__),
# and crc32 imported where it is used.


def _pieces(obj):
    """The canonical text of obj, in pieces (bytes): sorted keys, since
    MicroPython dicts have no insertion order and the checksum needs one
    text for the same document. The file is their join; the checksum is fed
    them one by one, so that checking a file read at boot never builds its
    text again (a few KB at the boot's peak, beside the file and its
    document)."""
    if isinstance(obj, dict):
        yield b"{"
        sep = b""
        for k in sorted(obj):
            yield sep + json.dumps(k).encode() + b": "
            yield from _pieces(obj[k])
            sep = b", "
        yield b"}"
    else:
        yield json.dumps(obj).encode()


def _crc(obj):
    from binascii import crc32

    crc = 0
    for piece in _pieces(obj):
        crc = crc32(piece, crc)
    return crc


def serialize(config):
    """The stored file in pieces (bytes): the document plus version and
    checksum, then a newline. A save writes them, and compares the file
    with them, one at a time: the file is never whole in RAM. (Made whole,
    it took one block of its size at a provisioning's fullest moment, where
    the heap had room in small holes only: a try's save failed 6 times with
    4.5 KB free and no hole of its 283 bytes, the frozen web-only flow at
    24 KB. Joined from a list, the pieces were all held at once beside
    their temporaries.)"""
    doc = dict(config)
    doc["version"] = _FORMAT_VERSION
    doc["by"] = "wifiprov " + core.__version__
    doc["crc"] = "%08x" % _crc(doc)
    yield from _pieces(doc)
    yield b"\n"


def _checked(raw):
    """The document of a stored file whose JSON, checksum and version are
    right, or ValueError."""
    try:
        doc = core.job("strict_json", "load", raw, "the file")  # strict: a damaged file is not half-read
    except ValueError:  # UnicodeError is one; a MemoryError is no judgement of the file, and goes up
        raise ValueError("not valid JSON")
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    crc = doc.pop("crc", None)
    # A hand-written file may leave out the bookkeeping; a written one must match.
    if crc is not None and crc != "%08x" % _crc(doc):
        raise ValueError("checksum mismatch (file damaged)")
    version = doc.pop("version", _FORMAT_VERSION)
    if version != _FORMAT_VERSION:
        raise ValueError("format version %r is not %d" % (version, _FORMAT_VERSION))
    doc.pop("by", None)
    return doc


def _read(f):
    """A stored file's document as the boot reads it, and whether it is one
    this release of wifiprov wrote and nobody changed since: (document,
    True) or (document, False); ValueError when it cannot be used. f: the
    file, open (_open), read as a stream: no block of its size is needed,
    but for the strict reading. A file this release wrote passed the rules
    before it was written (the service's apply, the deploy tool) or was
    made by the firmware itself (first-boot defaults), so the boot takes it
    without them: their modules are the largest the boot loads (23 KB of
    code and names on a 32-bit board), and their names would stay interned
    for good. It is read by the built-in json: the checksum covers the
    document read, so text that reads differently fails it. Any other file
    (written by hand, edited, or by another release, whose rules may
    differ) gets the strict reading, whole, and the boot runs the whole
    check on it."""
    try:
        doc = json.load(f)
        if isinstance(doc, dict) and doc.get("by") == "wifiprov " + core.__version__:
            crc = doc.pop("crc", None)
            if crc == "%08x" % _crc(doc) and doc.pop("version", None) == _FORMAT_VERSION:
                del doc["by"]
                return doc, True
    except (ValueError, RuntimeError, MemoryError):
        # Damaged, or nested deeper than a written file ever is (the
        # reader's stack, the checksum's recursion): the strict reading
        # says what is wrong, and a heap that is really full fails there too.
        pass
    doc = None  # not held beside the strict reading's own
    size = f.seek(0, 2)  # (_open checked it)
    f.seek(0)
    return _checked(f.read(size)), False  # one buffer of its size: read() grows one a step at a time, copying


def _open(path):
    """The stored file, open to be read (_read), once its size and kind are
    ones the boot reads; None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None  # not there: nothing to report
    if info[0] & _S_IFDIR:
        raise ValueError("a directory, not a file")
    size = info[6]
    if size > MAX_FILE_BYTES:
        raise ValueError("%d bytes, more than the %d allowed" % (size, MAX_FILE_BYTES))
    return open(path, "rb")


def load(path, report):
    """Return (config, source) from the first usable file of live, temporary
    and backup copy, or (None, None). report(text) hears of each bad file
    and of each file operation that failed: nothing here may stop a boot
    (flash full, a directory where the file should be, a read error), or
    the board would never reach provisioning again. A MemoryError is raised:
    a file that could not be read for want of heap is no bad file, and must
    not be replaced."""
    for source in (path, path + ".tmp", path + ".bak"):
        try:
            f = _open(source)
            if f is None:
                continue
            with f:
                config, written = _read(f)
            if not written:  # (the strict reading's bytes are free before the rules load: the boot's peak)
                config = core.job("validation", "validate", config, {}, True)  # the rules of any message
        except (ValueError, OSError) as e:  # the file's (ValueError), the rules' (ConfigError)
            report("config: %s: %s; skipped" % (source, e))
            continue
        if source == path:
            erase(path, (".tmp",))  # left by a save that was cut before its rename
        elif source == path + ".tmp":
            # The save was cut between writing the temporary file and renaming
            # it; the file was read back before, so finishing the rename is safe.
            try:
                os.rename(source, path)
            except OSError as e:
                report("config: could not finish the interrupted save of %s (%s); using it as it is" % (source, e))
        return config, source
    return None, None


def save(path, config):
    """Persist config so that a power cut at any moment leaves the old or the
    new file: write a temporary file, read it back, rename it over the live
    one (atomic on littlefs). Return False when the flash already holds it.
    The file is written, checked and compared a piece at a time
    (serialize): nothing of its size is made."""
    # Never write what the next boot would skip (and lose the network for):
    # the boot's own reading of the file (load), before it replaces the
    # live one; the config's rules ran on the document just before. For a
    # file this release writes, that is the built-in json and the
    # checksum, and strict UTF-8, which that json lets through: what is
    # written passes the strict reading too, which is what the boot's trust
    # in a stamped file rests on. The strict reader's module is then not
    # loaded here, at a provisioning's fullest moment (the servers up, the
    # message's modules loaded).
    try:
        core.job("utf8", "check_utf8", serialize(config))  # (each piece is whole characters: JSON's tokens)
    except UnicodeError:  # (as the strict reading says: JSON text is UTF-8)
        raise OSError("it would not load at the next boot: not valid JSON")
    same = _same(path, config)
    tmp = path if same else path + ".tmp"  # (the live file itself, when it holds this already)
    try:
        if not same:
            with open(tmp, "wb") as f:
                for piece in serialize(config):  # (a full heap can meet a piece: the file is then removed)
                    f.write(piece)
                f.flush()
        try:
            with _open(tmp) as f:
                _read(f)
        except ValueError as e:
            raise OSError("it would not load at the next boot: %s" % e)
        if same:
            return False
        if not _same(tmp, config):
            raise OSError("read-back of %s did not match what was written" % tmp)
    except Exception:  # (a full heap too, or a full flash: the next try writes it again)
        if not same:
            erase(path, (".tmp",))
        raise
    try:  # a live file that loads (so there is one) becomes the backup
        f = _open(path)
        if f:
            with f:
                _read(f)
            os.rename(path, path + ".bak")  # keep the previous good one
    except (ValueError, OSError):
        # One the boot would skip; or something unusable is in the backup's
        # place (a directory): the save goes on without a backup rather
        # than not at all.
        pass
    os.rename(tmp, path)
    return True


def erase(path, which=("", ".tmp", ".bak")):
    """Remove the live file, its temporary and its backup, or those of
    `which` (the suffixes); one that is not there is no error."""
    for suffix in which:
        try:
            os.remove(path + suffix)
        except OSError:
            pass


def _same(path, config):
    """Does the file hold config's file (serialize), byte for byte? Read a
    few bytes at a time and compared piece by piece: the file whole took a
    block of its size, which the heap of a save (the servers up, a page
    being polled) did not always have."""
    try:
        chunk = memoryview(bytearray(_CHUNK))
        with open(path, "rb") as f:
            for piece in serialize(config):
                view = memoryview(piece)
                at = 0
                while at < len(piece):
                    n = f.readinto(chunk[: min(_CHUNK, len(piece) - at)])
                    if not n or chunk[:n] != view[at : at + n]:
                        return False
                    at += n
            return not f.read(1)
    except OSError:
        return False
