"""Reads LENGTH bytes at OFFSET of a mounted file, as a Python program does, with a handler for
SIGUSR1 that gives up (raises), like Ctrl-C's KeyboardInterrupt (Python runs it once the read
returns). Prints JSON: outcome ("data", "interrupted" or "error: ..."), whether the bytes equal
the reference file's, and the seconds the read took.
Usage: interrupt_reader.py MOUNTED REFERENCE OFFSET LENGTH"""
import json
import os
import signal
import sys
import time


class GaveUp(Exception):
    pass


def main():
    path, ref_path, off, length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    def on_signal(signum, frame):
        raise GaveUp()

    signal.signal(signal.SIGUSR1, on_signal)
    with open(ref_path, "rb") as f:
        f.seek(off)
        want = f.read(length)
    t0 = time.monotonic()
    out = {"outcome": "", "right": False}
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, length, off)
        out["outcome"] = "data"
        out["right"] = data == want
    except GaveUp:
        out["outcome"] = "interrupted"
    except OSError as e:
        out["outcome"] = "error: " + os.strerror(e.errno)
    out["seconds"] = round(time.monotonic() - t0, 3)
    os.close(fd)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
