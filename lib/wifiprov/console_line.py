# What the console's reader (wifiprov.console) hands over, handled once it is
# dropped (wifiprov.app runs this as a job): a line typed, run (a wifiprov
# command, whose module wifiprov.cli's table names, or Python: wifiprov.repl),
# returning the config a command made; and the answer to that config, or to
# an Improv frame's, said (settled). wifiprov.app applies the config as
# every transport's request is applied (service.submit's way) with this
# module dropped. So the reader's code is in RAM neither while a command or
# Python runs, nor through a config's validation, save or try; nor is this
# module.
import sys

from .core import job, job_async, say
from .settings import CONSOLE_PROMPT


async def run(service, raw, kept):
    """One line: a wifiprov command (its first word as wifiprov.cli splits
    words; never Python), or Python, with the namespace the console keeps
    (kept[6]). Returns the config message a command made, to be applied
    (the prompt then follows its answer: settled); else shows the prompt."""
    python = kept[6]
    words = raw.replace(b",", b" ").replace(b'"', b" ").split()
    try:
        if words[:1] == [b"wifiprovhelp"] or words[:2] == [b"wifiprov", b"help"]:
            job("help", "show", say)  # the text alone, without the commands' module
        elif words[:1] == [b"wifiprov"]:
            # One module at a time: cli's table names the command's module,
            # loaded once cli is dropped; a config that command makes is
            # validated once that one is dropped too.
            command = job("cli", "parse", raw, say)
            if command is not None:
                module, name, args = command
                if module is None:  # enable, disable: the AP and its servers
                    await getattr(service, name)()
                    if service.enabled == (name == "enable"):
                        say("OK: provisioning %sd" % name)
                    else:  # the AP or its servers could not open: the line before says why
                        say("ERROR: provisioning is still closed")
                else:
                    message = await job_async(module, name, service, args, say)
                    if message:
                        return message
        elif words or python[1] is not None:  # an empty line only ends a block
            job("repl", "line", raw, python)
    except MemoryError:
        print("ERROR: out of memory; try again")
    except Exception as e:  # a bug in one command must not end the console
        sys.print_exception(e)
        say("ERROR: internal error: %r" % e)
    _prompt(python)


def settled(service, kept, frame, answer):
    """The answer to a config that a line or an Improv frame (frame) made:
    the console's way or Improv's. An answer that says a network is being
    tried is said while it is (a frame's state said it already);
    wifiprov.app awaits the try's end, and brings its answer here again."""
    if answer.get("trying"):
        if not frame:
            say("... %s" % answer["next"])
        return
    if frame:
        job("improv", "answered", service, frame, answer)
        return
    job("text", "answer", say, answer)
    _prompt(kept[6])


def _prompt(python):
    if CONSOLE_PROMPT:
        sys.stdout.write("... " if python[1] else ">>> ")
