#!/usr/bin/env python3
"""Write package.json, the mip package of the firmware, from lib/.

    python tools/package.py [--check]

`mpremote mip install github:OWNER/REPO` reads package.json at the top of the
repository and fetches every file it lists (relative URLs, so a fork or a
local web server works too) into the board's /lib. The version is the one in
lib/wifiprov/core.py; firmware/manifest.py repeats it (a test keeps the
two equal). --check exits 1 when package.json is out of date
(the tests run it).
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"
PACKAGE_JSON = ROOT / "package.json"


def version():
    text = (LIB / "wifiprov" / "core.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"$', text, re.M).group(1)


def package():
    files = sorted(p.relative_to(LIB).as_posix() for p in (LIB / "wifiprov").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return {"urls": [[rel, "lib/" + rel] for rel in files], "deps": [], "version": version()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only say whether package.json is up to date")
    args = ap.parse_args(argv)
    text = json.dumps(package(), indent=2) + "\n"
    if args.check:
        if not PACKAGE_JSON.exists() or PACKAGE_JSON.read_text() != text:
            print("package.json is out of date: run python tools/package.py", file=sys.stderr)
            return 1
        return 0
    PACKAGE_JSON.write_text(text)
    print("wrote %s: wifiprov %s, %d files" % (PACKAGE_JSON, version(), len(package()["urls"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
