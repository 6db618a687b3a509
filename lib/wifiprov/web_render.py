# A page's rendering (docs/web.md), for every page: the provisioning pages
# (wifiprov.web_page), the join pages (wifiprov.web_join) and the status page.
# A page is a template in www/, streamed through the connection's buffer
# with its {{keys}} filled in (read line by line from a file; frozen,
# stored split in flash), so a page is never whole in RAM. Loaded with the
# page, on its own: the join page, polled every second while a network is
# tried, loads this and not the form's code.
#
# Loaded where the heap is tightest, so its table of globals stays within
# 12 slots (docs/internals.md, RAM; held by tests_host/test_load.py): names
# one function uses are imported or written in it.
from .core import cache_jobs
from .http_conn import PAGES, WWW, head, send


async def page(server, writer, buf, status, name, fill):
    from .core import __version__
    from .http_conn import random_token

    # The keys every page has, beside the page's own (fill's win): a second
    # table, made at its size. Added to fill, they grew its table (to 17
    # slots, 272 bytes on 64-bit) while the old one was still held, the
    # block a page polled at a full heap did not find.
    every = {"nonce": fill.get("nonce") or random_token(),  # a fresh nonce per page: only our script runs
             "refresh": "", "version": __version__, "device": html(server.service.config["AP"]["SSID"]),
             # the provisioning pages' (the status page has none: its fill says so)
             "nav": '<nav><a href="/">Overview</a><a href="/config.htm">Network Configuration</a></nav>'}
    # The page's security policy, around its nonce.
    first = head(status, "text/html; charset=utf-8",
                 b"Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-",
                 every["nonce"], b"'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n")
    await send(writer, buf, _render(name, fill, every, first))


def _render(name, fill, every, first=()):
    """The pieces of `first` (the head), then the template's, each {{key}}
    replaced by fill[key], else every[key] (a str, or a list of str), each
    {{>file}} by that template (a frozen firmware's pages have it in place
    already), and each {{name=value}} by " selected" when the form's field
    `name` has that value (fill["choices"], else fill["defaults"]). The
    text between keys goes out as it is stored (in flash, frozen) or as
    views of a file's lines, not copies."""
    yield from first
    is_a, string = isinstance, str  # (locals, looked up once: see http_conn.send)
    for text, key in _parts(name):
        yield text
        if key is None:
            continue
        if is_a(key, tuple):  # (name, value): an option of a select
            field, value = key
            if (fill["choices"].get(field) or fill["defaults"].get(field)) == value:
                yield " selected"
        elif key.startswith(">"):
            yield from _render(key[1:], fill, every)
        else:
            value = fill[key] if key in fill else every[key]
            if is_a(value, string):
                yield value
            else:
                yield from value


def _parts(name, _split={}):
    """A template as (text, key) pairs: the text up to a {{key}}, and the
    key (None after the last text; a tuple for {{name=value}}): the rule
    of wifiprov.template. A frozen firmware's pages are stored split so, in
    flash, by tools/frozen_pages.py, so a request scans nothing; a file is
    split line by line (a page is never whole in RAM), except while
    requests' code is cached (wifiprov.core.cache_jobs, a heap with room to
    spare): then this module stays loaded, and keeps each page split in
    _split after its first request, as a frozen firmware has it."""
    # (_split: a default argument, kept by the function, where a global
    # would take this module's table a size up.)
    if PAGES is not None:
        return PAGES[name]
    if not cache_jobs():
        return _file_parts(WWW + name)
    parts = _split.get(name)
    if parts is None:
        parts = _split[name] = tuple((bytes(text), key) for text, key in _file_parts(WWW + name))
    return parts


def _file_parts(path):
    from .template import lines, parts

    with open(path, "rb") as f:
        yield from parts(lines(f))


def html(value):
    """Text safe inside an element or a quoted attribute, its control
    characters shown (a scanned SSID may hold any byte)."""
    s = str(value)
    for c, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        if c in s:
            s = s.replace(c, entity)
    data = s.encode()
    # A byte that may start a control character (C0, DEL, C1 is C2 80..9F):
    # only then is wifiprov.text loaded, which a page rarely needs. (min()
    # and `in` look at the bytes in C: a loop here was most of a page's
    # filling in. A bytes needle is searched for as such; an int one
    # costs five times as much.)
    if data and (min(data) < 0x20 or b"\x7f" in data or b"\xc2" in data):
        from .text import printable

        return printable(s)
    return s
