# Run under MicroPython by tests_host/test_qr.py: the QR code of each line of
# the file given (text), as the console draws it, between marker lines.
import sys
from wifiprov.qr import encode, lines

with open(sys.argv[1]) as f:
    for text in f.read().split("\n"):
        if not text:
            continue
        size, grid = encode(text.encode())
        print("QR %d" % size)
        for line in lines(size, grid):
            print(line)
        print("END")
