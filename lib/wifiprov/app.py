# The firmware's main task (docs/internals.md, docs/app.md): config, the
# Wi-Fi and provisioning services, the console and the maker's own program,
# all in one asyncio loop. wifiprov.run() calls run().
import sys
import asyncio

from .core import job, job_async, readable, running, settle
from .settings import CONSOLE_ECHO, IMPROV
from .recovery import interrupt_char, unwatch_loop, watch_button, watch_loop


async def watch_console(service, stream, echo):
    """The console: its next byte is waited for here, and what came is read
    by a job (wifiprov.console.feed), so that the console's code is in RAM
    only while someone types. With Improv on, Ctrl-C (a byte 3) is read by
    the console, not raised wherever the code is: every Improv frame holds
    a 3 (its type), which must not stop wifiprov (docs/improv.md). The
    console outlives whatever goes wrong in reading it (a board nobody
    watches must not lose its console for good): a full heap is waited out
    (said once), and a bug is said, and the console starts again with an
    empty line. A line, and a config a line or an Improv frame made, are
    handled once the reader's code is dropped (wifiprov.console_line), and
    a network's try is awaited here, with that dropped too.
    (Ctrl-C is no Exception: it still ends wifiprov.)"""
    kept = []  # what the console keeps between feeds (console.state), made at the first byte
    if IMPROV:
        interrupt_char(-1)
    starved = False  # said once, until a feed runs again
    try:
        while True:
            try:
                if not (kept and kept[11]):
                    if not await job_async("console", "feed", service, kept, stream, echo):
                        return  # the console is gone (on the host: stdin closed)
                else:  # a line or an Improv frame, handled with the reader's code dropped
                    (work, frame), kept[11] = kept[11], None  # at most once
                    answer = None
                    try:
                        if not frame:  # a line, run: a config it made comes back
                            work = await job_async("console_line", "run", service, work, kept)
                        if work:  # applied with the console's code dropped (wifiprov.console_line)
                            try:
                                answer = job("provision", "apply", service, work, None)
                            except MemoryError:  # (the apply's own modules found no room): refused, not lost
                                answer = service.refuse("out of memory; try again")
                            except Exception as e:  # a bug in one request must not end the console
                                sys.print_exception(e)
                                answer = {"ok": False, "error": "internal error: %r" % (e,)}
                            job("console_line", "settled", service, kept, frame, answer)
                    except MemoryError:  # (the console's module found no room, or its end did not)
                        answer = None
                        refused = {"ok": False, "error": "out of memory; try again"}
                        if frame:  # the Improv client waits for an answer: this one, not its own timeout
                            job("improv", "answered", service, frame, refused)
                        else:
                            print("ERROR: " + refused["error"])
                    if answer and answer.get("trying"):  # a network's try: its end awaited with the console's code dropped
                        job("console_line", "settled", service, kept, frame, await service.settle(answer))
                starved = False
            except MemoryError:  # the bytes wait in the console's buffer meanwhile
                if not starved:
                    starved = True
                    try:
                        print("console: out of memory; what is typed now runs once there is room")
                    except MemoryError:
                        pass
                await asyncio.sleep_ms(1000)
            except Exception as e:
                try:
                    print("wifiprov: the console stopped (%r); starting it again" % (e,))
                except MemoryError:
                    pass
                kept = []
                await asyncio.sleep_ms(1000)
            if not (kept and kept[11]):
                await readable(stream)
    finally:
        interrupt_char(3)


async def guard(main):
    """Run the application's main(): its exceptions are its own. They are
    printed; provisioning, the console and the station carry on."""
    try:
        run = main()
        if not hasattr(run, "send"):
            print("app: main() is not an async function (define it with `async def`); it ran once")
            return
        await run
        print("app: main() returned")
    except Exception as e:
        print("app: app.py's main() raised; wifiprov keeps running, the app is not restarted:")
        sys.print_exception(e)


def task_failed(loop, context):
    """asyncio's handler for a task that ended by an exception no one
    awaited. Under a burst of clients, a connection's task may meet a full
    heap inside asyncio itself (the servers have said they refuse clients),
    or find its client gone: both end that connection only, and are not
    bugs to print a traceback for. Anything else is. asyncio keeps this
    context (one dict) until the next such task: the task it names holds its
    coroutine, and through it the code and globals of every module the job
    had loaded, dropped or not. Forgotten here, or a burst would leave tens
    of KB held for good."""
    error = context.get("exception")
    if not isinstance(error, (MemoryError, OSError)):
        # MicroPython's loop is a class whose handlers take it as an argument
        loop.default_exception_handler(loop, context)
    context["exception"] = context["future"] = None


async def main(app=None):
    asyncio.get_event_loop().set_exception_handler(task_failed)
    settle()  # what app imported stays; what a job imports is dropped after it
    service, app = job("launch", "services", job("startup", "boot", app))
    running[0] = service  # for wifiprov's API
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    # Each long-lived task outlives any exception by itself (a board nobody
    # watches must not lose its station link, its console or its button for
    # good), rather than under a supervisor: a frame of one per task held RAM.
    asyncio.create_task(service.wifi.run())
    asyncio.create_task(watch_console(service, stdin, CONSOLE_ECHO))
    if service.config["mode"] == 1:  # AP: the boot flow opens provisioning
        # Run as the service runs its actions: a full heap is tried again
        # each second (service.react), where a MemoryError from enable()
        # ended the boot, and the console, the button and the app with it.
        await service.react(("portal", "open"))
    if app:
        asyncio.create_task(guard(app))
    # The tasks above run for ever; this keeps the loop alive: the button's
    # watch and the loop's beat for the blocked-loop watch.
    await watch_button(service)


def run(app=None):
    if IMPROV:
        # Off before anything runs: ESP Web Tools sends Improv frames, each
        # with the byte of Ctrl-C, while the board boots (docs/improv.md).
        interrupt_char(-1)
        watch_loop()  # before app.py is imported: its import may block too
    try:
        asyncio.run(main(app))
    except KeyboardInterrupt:
        # Ctrl-C on the console (mpremote sends one too): MicroPython's own
        # REPL follows, so a portal must not stay up with nothing serving it.
        job("ctrl_c", "stop", running[0])
    finally:
        unwatch_loop()
        interrupt_char(3)  # MicroPython's own REPL comes next
