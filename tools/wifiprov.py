#!/usr/bin/env python3
"""Provision a wifiprov board over TCP (port 6666) from a laptop.

    wifiprov.py [--host H] [--port N] [--timeout S] [--raw] COMMAND ...

    json FILE|-                         send a config document (docs/config.md)
    apply SSID --auth A [--password P]  join a network: saved, connect at boot
    scan | status | get                 ask the board

--auth takes the network's security by name: open, wpa (WPA/WPA2), wpa2,
wpa3 or wpa2/wpa3, sent as a config document in the config's numbering (1
open, 3 WPA/WPA2, 4 WPA2, 6 WPA3, 5 WPA2/WPA3). A number is the phone app's
numbering instead (1 open, 2 WPA/WPA2, 4 WPA3), sent as the phone app's
apply,<ssid>,<auth>,<password>,NULL message. The two numberings differ:
4 is WPA2 in a config document and WPA3 in the phone app's message.

Join the board's access point first; it answers at 192.168.4.1 on esp32 and
rp2 (the default --host). Exit code: 0 when the board answered ok, 1 when it
answered an error, 2 for a usage error, 3 when the board could not be reached
or did not answer.
"""
import argparse
import json
import socket
import sys

AUTH = {1: "open", 2: "WEP", 3: "WPA/WPA2", 4: "WPA2", 5: "WPA2/WPA3", 6: "WPA3"}
# --auth by name -> the config's auth number.
AUTH_BY_NAME = {"open": 1, "wpa": 3, "wpa2": 4, "wpa3": 6, "wpa2/wpa3": 5}
APP_AUTH = ("1", "2", "4")  # the phone app's numbering: open, WPA/WPA2, WPA3


def auth_arg(text):
    """--auth: a name (the config's numbering) or the phone app's number."""
    name = text.lower()
    if name in AUTH_BY_NAME or name in APP_AUTH:
        return name
    raise argparse.ArgumentTypeError("%r: use open, wpa, wpa2, wpa3 or wpa2/wpa3 (or the phone app's "
                                     "numbers 1 open, 2 WPA/WPA2, 4 WPA3)" % text)


class ClientError(Exception):
    """The board could not be reached, or answered nothing usable."""


def exchange(host, port, message, timeout):
    """Send one message, return the board's one-line JSON answer."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(message)
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
    except OSError as e:
        raise ClientError("cannot talk to %s:%d: %s (joined the board's access point?)" % (host, port, e))
    if not reply:
        raise ClientError("%s:%d closed the connection without an answer" % (host, port))
    try:
        return json.loads(reply)
    except ValueError:
        raise ClientError("the answer is not JSON: %r" % reply[:200])


def message_for(args):
    if args.command == "json":
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise ClientError("%s is not valid JSON: %s" % (args.file, e))
        return (json.dumps(doc, separators=(",", ":")) + "\n").encode()
    if args.command == "apply":
        if args.auth in APP_AUTH:  # the phone app's message, as it sends it
            return ("apply,%s,%s,%s,NULL" % (args.ssid, args.auth, args.password)).encode()
        doc = {"mode": 0, "save_config": 1,
               "STA": {"SSID": args.ssid, "auth": AUTH_BY_NAME[args.auth], "PWD": args.password, "ch": 0, "auto": 1}}
        return (json.dumps(doc, separators=(",", ":")) + "\n").encode()
    return (json.dumps({"cmd": args.command}) + "\n").encode()


def show(answer):
    """Print an answer for a person."""
    if not answer.get("ok"):
        print("ERROR: %s" % answer.get("error", answer))
        return
    if "networks" in answer:
        print("%-34s %5s %3s  %s" % ("SSID", "RSSI", "CH", "SECURITY"))
        for n in answer["networks"]:
            name = n["ssid"] if n["ssid"] is not None else "0x" + n["ssid_hex"]
            print("%-34s %5d %3d  %s" % (name, n["rssi"], n["channel"], AUTH.get(n["auth"], "unknown")))
    elif "config" in answer:
        print(json.dumps(answer["config"], indent=2, sort_keys=True))
    elif "sta" in answer:
        sta, ap = answer["sta"], answer["ap"]
        print("mode: %s%s" % ("STA" if answer["mode"] == 0 else "AP", ", fallback AP" if answer["fallback"] else ""))
        print("station: %s%s%s" % (sta["state"], ' "%s"' % sta["ssid"] if sta["ssid"] else "",
                                   ": " + sta["reason"] if sta["reason"] else ""))
        print("ip: %s" % (sta["ip"] or "-"))
        print("access point: %s" % ('up "%s" ch %d, %d clients' % (ap["ssid"], ap["channel"], ap["clients"])
                                    if ap["up"] else "down"))
        print("heap: %d bytes used, %d free" % (answer["heap"]["alloc"], answer["heap"]["free"]))
    else:
        print("OK: %s" % answer.get("next", "done"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="192.168.4.1", help="the board's address (default 192.168.4.1)")
    ap.add_argument("--port", type=int, default=6666)
    # A network to join is tried first: its answer comes after up to 20 s.
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer (default 30)")
    ap.add_argument("--raw", action="store_true", help="print the answer's JSON as it came")
    sub = ap.add_subparsers(dest="command", required=True)
    # --raw after the command too (`status --raw`): SUPPRESS keeps the
    # subcommand from overwriting a --raw given before it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--raw", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub.add_parser("json", help="send a config document", parents=[after]).add_argument(
        "file", help="a JSON file, or - for stdin")
    p = sub.add_parser("apply", help="the phone app's apply message", parents=[after])
    p.add_argument("ssid")
    p.add_argument("--auth", type=auth_arg, required=True,
                   help="open, wpa, wpa2, wpa3 or wpa2/wpa3 (sent as a config document, whose numbers are "
                        "1 open, 3 WPA/WPA2, 4 WPA2, 5 WPA2/WPA3, 6 WPA3); or the phone app's number, sent as "
                        "its apply message: 1 open, 2 WPA/WPA2, 4 WPA3 (4 is WPA2 in a config document)")
    p.add_argument("--password", default="")
    for name in ("scan", "status", "get"):
        sub.add_parser(name, help="ask the board for its %s" % name, parents=[after])
    args = ap.parse_args(argv)
    try:
        answer = exchange(args.host, args.port, message_for(args), args.timeout)
    except ClientError as e:
        print("error: %s" % e, file=sys.stderr)
        return 3
    if args.raw:
        print(json.dumps(answer))
    else:
        show(answer)
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
