"""One reader process of the fault-injection suite: reads random byte ranges of a mounted file
for DURATION seconds and compares each with the same range of a reference file written by the
library. Prints JSON: reads, eio (reads that failed with EIO), other (other errors), wrong (bytes
that differ: must be 0), worst (slowest read, seconds).
Usage: fault_reader.py MOUNTED REFERENCE DURATION SEED"""
import errno
import json
import os
import random
import sys
import time


def main():
    path, ref_path, duration, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    with open(ref_path, "rb") as f:
        ref = f.read()
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    assert size == len(ref), (size, len(ref))
    out = {"reads": 0, "eio": 0, "other": 0, "wrong": 0, "worst": 0.0}
    end = time.monotonic() + duration
    while time.monotonic() < end:
        # at most one FUSE request (128 KiB) per read, so the bound of one request applies
        length = rng.choice([4096, 65536, 100000, 131072])
        off = rng.randrange(0, max(1, size - length)) // 4096 * 4096
        # drop cached pages so the read reaches the daemon (no-op for direct I/O files)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        t0 = time.monotonic()
        try:
            # like a careful reader: a short read is followed by another read of the rest
            want_len = min(length, size - off)
            data = b""
            while len(data) < want_len:
                part = os.pread(fd, want_len - len(data), off + len(data))
                if not part:
                    break
                data += part
            want = ref[off:off + want_len]
            out["wrong"] += abs(want_len - len(data))  # missing bytes: a false end of file
            if data != want[:len(data)]:
                out["wrong"] += sum(a != b for a, b in zip(data, want))
        except OSError as e:
            if e.errno == errno.EIO:
                out["eio"] += 1
            else:
                out["other"] += 1
        out["worst"] = max(out["worst"], time.monotonic() - t0)
        out["reads"] += 1
    os.close(fd)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
