# What serving loaded outside the package, let go when it is done:
# asyncio's streams (asyncio.stream, 0.9 KB on a 32-bit board) and waits
# (asyncio.funcs, 0.5 KB), which asyncio loads on demand and then keeps for
# good as its own attributes, and the frozen pages' table. A module of its
# own, loaded for the call: in one of the servers' it would be held while
# provisioning is open, at its busiest moment (0.3 KB as .mpy).


def drop():
    """Drop them, once the servers have closed (wifiprov.portal) or the
    status page has answered (wifiprov.status_page). Each loads again when
    next asked for (the next connection, an app's asyncio.open_connection);
    what was made with it before keeps working, with its own classes."""
    import sys
    import asyncio

    modules = sys.modules
    modules.pop("wifiprov_pages", None)
    for name, attributes in (("stream", ("StreamReader", "StreamWriter", "open_connection", "start_server")),
                             ("funcs", ("wait_for", "wait_for_ms", "gather"))):
        if modules.pop("asyncio." + name, None) is not None:
            for attribute in (name,) + attributes:
                try:
                    delattr(asyncio, attribute)
                except (AttributeError, KeyError):  # (not asked for yet; a module's delattr says KeyError)
                    pass
