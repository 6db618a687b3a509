# Python typed at the console (docs/console.md): a line that is not a
# wifiprov command runs here, in one namespace that lasts until a reset, as
# at MicroPython's >>> prompt, while the servers and the app keep running.
# Loaded for a line, dropped after.
import sys


def line(raw, state):
    """One line typed (bytes). state: [the namespace, the block being typed
    (bytes) or None]. A line that ends with ":" opens a block, run at the
    first empty line, as at >>>."""
    if state[1] is not None:  # inside a block
        if raw.strip():
            state[1] += raw + b"\n"
            return
        raw, state[1] = state[1], None
    elif not raw.strip():
        return
    elif raw.rstrip()[-1:] == b":":
        state[1] = raw + b"\n"
        return
    try:
        source = raw.decode()
    except UnicodeError:
        print("ERROR: the line is not valid UTF-8")
        return
    if state[0] is None:  # made at the first line of Python: a board that never runs one never holds it
        state[0] = {"__name__": "__console__"}
    run(source, state[0])


def run(source, namespace):
    """Run source (text: a line, or a block of lines); an expression's value
    is printed as its repr and kept as `_`. An exception prints its
    traceback; Ctrl-C (KeyboardInterrupt) and SystemExit go on up, as at
    MicroPython's own prompt."""
    try:
        try:
            code = compile(source, "<console>", "eval")
            expression = True
        except SyntaxError:  # not an expression: a statement
            code = compile(source, "<console>", "exec")
            expression = False
    except Exception as e:  # a syntax error, a name too long, no room to compile
        # Its traceback would show only this module; the text says it all.
        print("%s: %s" % (type(e).__name__, e))
        return
    from .recovery import interrupt_char
    from .settings import IMPROV

    interrupt_char(3)  # while the user's code runs, Ctrl-C interrupts it, as at >>>
    try:
        if not expression:
            exec(code, namespace)
            return
        value = eval(code, namespace)
        if value is not None:
            print(repr(value))
            namespace["_"] = value
    except Exception as e:
        _traceback(e)
    finally:
        if IMPROV:
            interrupt_char(-1)  # the console reads it again (docs/improv.md)


def _traceback(e):
    """The exception's traceback as MicroPython's >>> prints it: the typed
    code's frames (and any library's it called), without this module's own
    frame, which the user did not write."""
    import io

    text = io.StringIO()
    sys.print_exception(e, text)
    for line in text.getvalue().split("\n"):
        if line and not (line.startswith('  File "wifiprov') and "repl" in line):
            print(line)
