# What Ctrl-C on the console does (docs/app.md): it ends wifiprov's asyncio
# loop, and MicroPython's own REPL follows (mpremote sends a Ctrl-C to reach
# it), so the provisioning AP must not stay up with nothing answering a phone
# that joins it. Loaded only then.
import asyncio

from .core import job


def stop(service):
    """The provisioning AP down at once, then its servers' sockets closed by
    the tasks that own them (a second Ctrl-C, or a second too long, leaves
    those to the reset). In a new event loop: the old one's tasks stay
    stopped, and the console's must not read the bytes meant for
    MicroPython's REPL (mpremote's raw-REPL request follows its Ctrl-C)."""
    from .recovery import interrupt_char

    interrupt_char(3)  # MicroPython's own REPL comes next: Ctrl-C is an interrupt again
    if service is not None:
        try:
            service.status_page(False)
            job("radio", "stop_ap", service.wifi)
            if service.enabled:
                asyncio.new_event_loop()  # a cancelled server task joins the new loop to close its socket
                asyncio.run(asyncio.wait_for_ms(service.disable(), 1000))
        except (KeyboardInterrupt, Exception) as e:
            print("wifiprov: stopping: %r" % e)
    print("wifiprov: stopped by Ctrl-C; the AP and its servers are down. Press Ctrl-D (soft reset) to start it again")
