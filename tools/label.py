#!/usr/bin/env python3
"""A printable label for handing a board to someone else: the name and
password of the board's own Wi-Fi, the QR code a phone's camera joins it
with, and where the setup page and (once joined) the status page are.

    python tools/label.py --port /dev/ttyACM0 [--out FILE.svg]    the board's config, over its USB port
    python tools/label.py --flash build/sim/flash [--out FILE.svg]   a simulator's (or any flash copy)

(`make label PORT=...` or `make label FLASH=...` runs this.) The label is an
SVG (print it at 100%: it is 90 x 50 mm), written to
build/label-<AP name>.svg unless --out says otherwise. The QR code is the
one the board's console shows (`wifiprov ap`): made by the firmware's own
encoder, under the MicroPython unix port. The passphrase is on the label in
clear: keep the label with the board, as a router's sticker is.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MM_PER_MODULE = 0.9  # a 29-module code with its quiet zone is 33 mm: cameras read it from 30 cm


class LabelError(Exception):
    pass


def read_config(port=None, flash=None):
    """The board's config document: from its flash over mpremote, or from a
    flash directory."""
    if flash:
        path = Path(flash) / "wifiprov.json"
        if not path.exists():
            raise LabelError("%s has no config yet: boot the simulator on it once (it makes the AP passphrase at "
                             "first boot)" % path)
        text = path.read_text()
    else:
        import deploy

        local = deploy.board_config(port)
        if local is None:
            raise LabelError("could not read wifiprov.json from the board on %s: is wifiprov deployed (make deploy "
                             "PORT=%s) and has it booted once?" % (port, port))
        text = local.read_text()
    try:
        config = json.loads(text)
        ap = config["AP"]
        return ap["SSID"], ap["PWD"], ap["auth"] != 1, not ap.get("ssidv", 1)
    except (ValueError, KeyError, TypeError) as e:
        raise LabelError("the board's config is not one wifiprov wrote (%s): boot it once to repair it" % e)


def from_firmware(ssid, password, secured, hidden):
    """(the board's host name, the join code's size, the set of its dark
    (x, y)), by the firmware's own code: what the board calls itself, and
    the code its console shows."""
    code = ("import sys\nfrom wifiprov.qr import dark, encode, wifi_text\nfrom wifiprov.text import host_name\n"
            "args = eval(sys.stdin.read())\nsize, grid = encode(wifi_text(*args).encode())\n"
            "print(host_name(args[0]))\nprint(size)\n"
            "print(''.join('1' if dark(grid, size, i % size, i // size) else '0' for i in range(size * size)))\n")
    run = subprocess.run([mpy.find_tool("micropython"), "-c", code], input=repr((ssid, password, secured, hidden)),
                         env=mpy.micropython_env(mpy.build()), capture_output=True, text=True, timeout=60)
    if run.returncode:
        raise LabelError("the QR code could not be made: %s" % (run.stdout + run.stderr).strip())
    name, size_line, bits = run.stdout.split()
    size = int(size_line)
    return name, size, {(i % size, i // size) for i, bit in enumerate(bits) if bit == "1"}


def svg(ssid, password, secured, hidden, name, size, dark):
    quiet = 4
    side = (size + 2 * quiet) * MM_PER_MODULE
    rects = "".join('<rect x="%d" y="%d" width="1" height="1"/>' % (x + quiet, y + quiet) for x, y in sorted(dark))
    lines = [("Wi-Fi setup", 4.6, "bold"), ("Network:", 2.6, "normal"), (ssid + (" (hidden)" if hidden else ""), 3.4, "bold"),
             ("Password:", 2.6, "normal"), (password if secured else "none (open)", 3.4, "bold"),
             ("Scan the code or join that network:", 2.3, "normal"),
             ("the setup page opens by itself", 2.3, "normal"),
             ("(else http://192.168.4.1/config.htm).", 2.3, "normal"),
             ("Afterwards: http://%s.local/" % name, 2.3, "normal"),
             ("To set it up again: hold BOOT 3 s.", 2.3, "normal")]
    text, y = [], 6.5
    for words, points, weight in lines:
        text.append('<text x="%.1f" y="%.1f" font-size="%.1f" font-weight="%s">%s</text>'
                    % (side + 1.5, y, points, weight, escape(words)))
        y += points * 1.45
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="50mm" viewBox="0 0 90 50">\n'
            '<rect width="90" height="50" fill="#fff"/>\n'
            '<g transform="translate(0 %.2f) scale(%.2f)" fill="#000" shape-rendering="crispEdges" id="qr">%s</g>\n'
            '<g font-family="DejaVu Sans, Arial, sans-serif" fill="#000">%s</g>\n'
            '</svg>\n' % ((50 - side) / 2, MM_PER_MODULE, rects, "".join(text)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="the board's serial port: its config is read over mpremote")
    where.add_argument("--flash", help="a flash directory (the simulator's: build/sim/flash)")
    ap.add_argument("--out", help="the SVG to write (default build/label-<AP name>.svg)")
    args = ap.parse_args(argv)
    try:
        ssid, password, secured, hidden = read_config(args.port, args.flash)
        name, size, dark = from_firmware(ssid, password, secured, hidden)
    except (LabelError, mpy.BuildError) as e:
        print("label: error: %s" % e, file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else ROOT / "build" / ("label-%s.svg" % name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg(ssid, password, secured, hidden, name, size, dark))
    print("label: %s (90 x 50 mm: print at 100%%) for the board's Wi-Fi \"%s\"" % (out, ssid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
