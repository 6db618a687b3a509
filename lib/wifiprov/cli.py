# The console commands (docs/console.md): a `wifiprov ...` line split into
# words and checked against the table below, which names the module and
# function that run each subcommand. wifiprov.console loads this module for
# the check and drops it before it loads the one named, so one command's
# code is in RAM at a time: cli_config (set, join, app: the config they
# make is applied by the console), cli_show (get, scan, status), cli_ap
# (ap, with its QR code) and cli_station (connect, disconnect, reset,
# forget). They decide nothing:
# requests go to the provisioning service (connect and disconnect straight
# to the Wi-Fi one). wifiprov.console shows the help itself (wifiprov.help).

# subcommand: (module, function, whether it takes values); no module: the
# service's own method (enable, disable: the AP and its servers, opened or
# closed).
_COMMANDS = {
    "set": ("cli_config", "do_set", True),
    "join": ("cli_config", "do_join", True),
    "app": ("cli_config", "do_app", True),
    "get": ("cli_show", "do_get", False),
    "scan": ("cli_show", "do_scan", False),
    "status": ("cli_show", "do_status", False),
    "ap": ("cli_ap", "do_ap", False),
    "connect": ("cli_station", "do_connect", False),
    "disconnect": ("cli_station", "do_disconnect", False),
    "reset": ("cli_station", "do_reset", True),
    "forget": ("cli_station", "do_forget", False),
    "enable": (None, "enable", False),
    "disable": (None, "disable", False),
}

def split(line):
    """The tokens (text) of a line (UTF-8 bytes), split on space, tab and
    comma; double quotes keep a token together and are removed. Raises
    ValueError on an unmatched quote. It walks the bytes, not the
    characters: see wifiprov.text."""
    tokens = []
    token = None  # None: between tokens; b"" is a real (quoted) empty token
    quoted = False
    for b in line:
        if quoted:
            if b == 0x22:
                quoted = False
            else:
                token.append(b)
        elif b == 0x22:
            quoted = True
            token = token or bytearray()
        elif b in b" \t,":
            if token is not None:
                tokens.append(token.decode())
                token = None
        else:
            token = token or bytearray()
            token.append(b)
    if quoted:
        raise ValueError("unmatched double quote")
    if token is not None:
        tokens.append(token.decode())
    return tokens


def parse(raw, out):
    """One console line (bytes) -> (module, function, the values after the
    subcommand) from the table, or None once an error has been printed."""
    try:
        raw.decode()  # the whole line must be UTF-8
        words = split(raw)
    except UnicodeError:
        out("ERROR: the line is not valid UTF-8")
        return
    except ValueError as e:
        out("ERROR: %s" % e)
        return
    if len(words) < 2:
        out("ERROR: wifiprov needs a subcommand; type wifiprov help")
        return
    command = _COMMANDS.get(words[1])
    if command is None:
        out('ERROR: unknown subcommand "%s"; type wifiprov help for the commands' % words[1])
        return
    if not command[2] and len(words) > 2:
        out("ERROR: wifiprov %s takes no values; type wifiprov help" % words[1])
        return
    return command[0], command[1], words[2:]
