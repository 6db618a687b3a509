# A QR code encoder (ISO/IEC 18004), byte mode, error correction level L,
# versions 1..13 (up to 425 bytes), drawn in text for a console: what
# `wifiprov ap` shows so that a phone's camera joins the AP. Loaded for the
# command, dropped after.
from micropython import const

# Per version 1..13, level L, 4 bytes: error correction codewords per
# block; the blocks of group 1 and their data codewords; the blocks of
# group 2 (one data codeword more each). Bytes: one object, not 50 tuples.
_BLOCKS = const(b"\x07\x01\x13\x00\x0a\x01\x22\x00\x0f\x01\x37\x00\x14\x01\x50\x00\x1a\x01\x6c\x00"
                b"\x12\x02\x44\x00\x14\x02\x4e\x00\x18\x02\x61\x00\x1e\x02\x74\x00\x12\x02\x44\x02"
                b"\x14\x04\x51\x00\x18\x02\x5c\x02\x1a\x04\x6b\x00")
_VERSIONS = const(13)
_LEVEL_L = const(1)  # the format information's bits for level L
# The grid is two planes of one bit per module (module i = y * size + x):
# dark, then function (a module of a fixed pattern: never data, never
# masked). A byte per module would ask for one block of up to 3.2 KB while
# the servers hold the heap (version 10: 57 x 57); the planes are 2 x 407 B.


def wifi_text(ssid, password, secured, hidden):
    """The Wi-Fi network's QR text, as phone cameras read it:
    WIFI:T:WPA;S:<ssid>;P:<passphrase>;; with \\ ; , : " escaped."""
    text = "WIFI:T:%s;S:%s;" % ("WPA" if secured else "nopass", _escape(ssid))
    if secured:
        text += "P:%s;" % _escape(password)
    if hidden:
        text += "H:true;"
    return text + ";"


def _escape(value):
    out = value
    for c in '\\;,:"':
        if c in out:
            out = out.replace(c, "\\" + c)
    return out


def encode(data):
    """The QR code of `data` (bytes): (size, grid); dark(grid, size, x, y)
    reads a module. ValueError when it is too long."""
    for version in range(1, _VERSIONS + 1):
        ec, blocks1, length, blocks2 = _BLOCKS[4 * version - 4 : 4 * version]
        group1, group2 = (blocks1, length), (blocks2, length + 1)
        capacity = blocks1 * length + blocks2 * (length + 1)
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * len(data) <= 8 * capacity:
            break
    else:
        raise ValueError("too long for a QR code here (%d bytes)" % len(data))
    codewords = _interleave(_data_codewords(data, count_bits, capacity), ec, group1, group2)
    size = 17 + 4 * version
    grid = bytearray(2 * _plane(size))
    _patterns(grid, size, version)
    _place(grid, size, codewords)
    best = None
    for mask in range(8):
        _apply_mask(grid, size, mask)
        _format(grid, size, mask)
        score = _penalty(grid, size)
        if best is None or score < best[0]:
            best = (score, mask)
        _apply_mask(grid, size, mask)  # XOR again: undone
    _apply_mask(grid, size, best[1])
    _format(grid, size, best[1])
    return size, grid


def _data_codewords(data, count_bits, capacity):
    bits = _Bits()
    bits.put(0b0100, 4)  # byte mode
    bits.put(len(data), count_bits)
    for b in data:
        bits.put(b, 8)
    bits.put(0, min(4, 8 * capacity - bits.n))  # the terminator
    bits.put(0, -bits.n % 8)
    out = bits.out
    pad = 0xEC
    while len(out) < capacity:
        out.append(pad)
        pad ^= 0xEC ^ 0x11
    return out


class _Bits:
    def __init__(self):
        self.out = bytearray()
        self.n = 0

    def put(self, value, count):
        for i in range(count - 1, -1, -1):
            if not self.n % 8:
                self.out.append(0)
            if value >> i & 1:
                self.out[-1] |= 0x80 >> (self.n % 8)
            self.n += 1


def _interleave(data, ec, group1, group2):
    blocks = []
    start = 0
    for count, length in (group1, group2):
        for _ in range(count):
            blocks.append(data[start : start + length])
            start += length
    exp, log = _gf_tables()
    checks = [_reed_solomon(block, ec, exp, log) for block in blocks]
    out = bytearray()
    for i in range(max(len(b) for b in blocks)):
        for block in blocks:
            if i < len(block):
                out.append(block[i])
    for i in range(ec):
        for check in checks:
            out.append(check[i])
    return out


def _gf_tables():
    exp = bytearray(512)
    log = bytearray(256)
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


def _reed_solomon(block, ec, exp, log):
    """The error correction codewords of a block (GF(256), polynomial 0x11D)."""
    generator = bytearray([1])
    for i in range(ec):  # multiply by (x - a^i)
        nxt = bytearray(len(generator) + 1)
        for j, g in enumerate(generator):
            nxt[j] ^= g
            if g:
                nxt[j + 1] ^= exp[log[g] + i]
        generator = nxt
    remainder = bytearray(ec)
    for b in block:
        factor = b ^ remainder[0]
        remainder[:-1] = remainder[1:]
        remainder[-1] = 0
        if factor:
            lf = log[factor]
            for j in range(ec):
                if generator[j + 1]:
                    remainder[j] ^= exp[lf + log[generator[j + 1]]]
    return remainder


def _plane(size):
    return (size * size + 7) >> 3


def dark(grid, size, x, y):
    """Is the module at column x, row y dark?"""
    i = y * size + x
    return grid[i >> 3] >> (i & 7) & 1


def _set(grid, size, x, y, on):
    """A module of a fixed pattern, dark when `on`."""
    i = y * size + x
    bit = 1 << (i & 7)
    grid[_plane(size) + (i >> 3)] |= bit
    if on:
        grid[i >> 3] |= bit
    else:
        grid[i >> 3] &= ~bit


def _patterns(grid, size, version):
    for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):  # the finders and their separators
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                x, y = cx + dx, cy + dy
                if 0 <= x < size and 0 <= y < size:
                    ring = max(abs(dx), abs(dy))
                    _set(grid, size, x, y, ring != 2 and ring != 4)
    for i in range(8, size - 8):  # timing
        _set(grid, size, i, 6, i % 2 == 0)
        _set(grid, size, 6, i, i % 2 == 0)
    if version > 1:
        # The alignment patterns' centres: 6 and size - 7, and from version 7
        # one between (the standard's table, for versions up to 13).
        last = size - 7
        centres = (6, last) if version < 7 else (6, (6 + last) // 2, last)
        for cy in centres:
            for cx in centres:
                if cx == 6 and (cy == 6 or cy == last) or cy == 6 and cx == last:
                    continue  # a finder's corner (the others cross the timing patterns, as they should)
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        _set(grid, size, cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
    _format(grid, size, 0)  # reserves the format areas and the dark module
    if version >= 7:
        bits = version << 12 | _bch(version, 0x1F25, 12)
        for i in range(18):
            dark = bits >> i & 1
            a, b = size - 11 + i % 3, i // 3
            _set(grid, size, a, b, dark)
            _set(grid, size, b, a, dark)


def _bch(value, generator, degree):
    """The check bits of a (value: at most 6 bits) for a generator of that degree."""
    rem = value << degree
    for bit in range(degree + 5, degree - 1, -1):
        if rem >> bit & 1:
            rem ^= generator << (bit - degree)
    return rem


def _format(grid, size, mask):
    data = _LEVEL_L << 3 | mask
    bits = (data << 10 | _bch(data, 0x537, 10)) ^ 0x5412
    for i in range(15):
        dark = bits >> i & 1
        # Around the top-left finder...
        if i < 6:
            _set(grid, size, 8, i, dark)
        elif i < 8:
            _set(grid, size, 8, i + 1, dark)
        elif i == 8:
            _set(grid, size, 7, 8, dark)
        else:
            _set(grid, size, 14 - i, 8, dark)
        # ...and split between the other two.
        if i < 8:
            _set(grid, size, size - 1 - i, 8, dark)
        else:
            _set(grid, size, 8, size - 15 + i, dark)
    _set(grid, size, 8, size - 8, True)  # the dark module


def _place(grid, size, codewords):
    """The codewords' bits, in the zigzag of two-module columns from the
    bottom right, skipping the fixed patterns."""
    total = len(codewords) * 8
    plane = _plane(size)
    i = 0
    right = size - 1
    upward = True
    while right > 0:
        if right == 6:
            right = 5  # the vertical timing pattern's column
        for step in range(size):
            y = size - 1 - step if upward else step
            for x in (right, right - 1):
                at = y * size + x
                if grid[plane + (at >> 3)] >> (at & 7) & 1:
                    continue
                if i < total and codewords[i >> 3] >> (7 - (i & 7)) & 1:
                    grid[at >> 3] |= 1 << (at & 7)
                i += 1  # the remainder bits stay light
        upward = not upward
        right -= 2


def _masked(mask, x, y):
    if mask == 0:
        return (x + y) % 2 == 0
    if mask == 1:
        return y % 2 == 0
    if mask == 2:
        return x % 3 == 0
    if mask == 3:
        return (x + y) % 3 == 0
    if mask == 4:
        return (y // 2 + x // 3) % 2 == 0
    if mask == 5:
        return x * y % 2 + x * y % 3 == 0
    if mask == 6:
        return (x * y % 2 + x * y % 3) % 2 == 0
    return ((x + y) % 2 + x * y % 3) % 2 == 0


def _apply_mask(grid, size, mask):
    plane = _plane(size)
    for y in range(size):
        row = y * size
        for x in range(size):
            at = row + x
            bit = 1 << (at & 7)
            if not grid[plane + (at >> 3)] & bit and _masked(mask, x, y):
                grid[at >> 3] ^= bit


def _penalty(grid, size):
    """The standard's four penalty rules: runs, 2x2 blocks, finder-like
    patterns, and the balance of dark and light. (It reads each module
    about six times for each of the 8 masks: the bit is read inline, as in
    _place and _apply_mask; a call to dark() per read made the encoder 1.3
    times slower.)"""
    score = 0
    darks = 0
    for horizontal in (True, False):
        for a in range(size):
            run = 0
            last = -1
            window = 0
            for b in range(size):
                at = a * size + b if horizontal else b * size + a
                cell = grid[at >> 3] >> (at & 7) & 1
                darks += cell if horizontal else 0
                if cell == last:
                    run += 1
                    if run == 5:
                        score += 3
                    elif run > 5:
                        score += 1
                else:
                    run = 1
                    last = cell
                window = (window << 1 | cell) & 0x7FF
                if b >= 10 and (window == 0b10111010000 or window == 0b00001011101):
                    score += 40
    for y in range(size - 1):
        for x in range(size - 1):
            at = y * size + x
            c = grid[at >> 3] >> (at & 7) & 1
            at += 1
            if c == grid[at >> 3] >> (at & 7) & 1:
                at += size - 1
                if c == grid[at >> 3] >> (at & 7) & 1:
                    at += 1
                    if c == grid[at >> 3] >> (at & 7) & 1:
                        score += 3
    score += abs(darks * 20 - size * size * 10) // (size * size) * 10
    return score


def lines(size, grid, quiet=4):
    """The code as text lines, two rows of modules per line in half-block
    characters. Light modules (and the quiet zone around the code, the
    standard's 4 modules) are the blocks: on a console's dark background the
    code is dark on light, as a camera expects."""
    full = size + 2 * quiet

    def light(x, y):
        x -= quiet
        y -= quiet
        return not (0 <= x < size and 0 <= y < size and dark(grid, size, x, y))

    for y in range(0, full, 2):  # one line at a time: the whole drawing is never in RAM
        chars = []
        for x in range(full):
            top = light(x, y)
            bottom = y + 1 < full and light(x, y + 1)
            chars.append("█" if top and bottom else "▀" if top else "▄" if bottom else " ")
        yield "".join(chars)
