#!/usr/bin/python3
"""smb_reader: reads a Samba share through libsmbclient (Debian's python3-smbc), for
test_samba.sh and the gateway benchmark. The user and password are SMB_USER and SMB_PASS.

  smb_reader.py ls URL                      names in the folder, one a line
  smb_reader.py ranges URL LOCAL N SEED     N random ranges of URL, compared with LOCAL's bytes
  smb_reader.py time URL [REPEAT]           reads the whole file REPEAT times (default 1):
                                            "BYTES SECONDS" for the fastest
  smb_reader.py read URL OFFSET LENGTH      one read: "ok BYTES SECONDS" or "error SECONDS WHY"
Exits 1 on a difference or an error."""
import os
import random
import sys
import time

import smbc


def context():
    user, password = os.environ.get("SMB_USER", ""), os.environ.get("SMB_PASS", "")
    ctx = smbc.Context(auth_fn=lambda server, share, workgroup, u, p: ("WORKGROUP", user, password))
    ctx.optionNoAutoAnonymousLogin = True
    return ctx


def main(argv):
    cmd, url = argv[1], argv[2]
    ctx = context()
    if cmd == "ls":
        names = sorted(e.name for e in ctx.opendir(url).getdents() if e.name not in (".", ".."))
        print("\n".join(names))
        return 0
    if cmd == "ranges":
        local, n, rng = argv[3], int(argv[4]), random.Random(int(argv[5]))
        size = os.path.getsize(local)
        f = ctx.open(url, os.O_RDONLY)
        with open(local, "rb") as ref:
            for _ in range(n):
                off = rng.randrange(size)
                length = rng.choice([1, 7, 512, 4096, 65537, 1 << 20])
                f.seek(off)
                got = f.read(length)
                ref.seek(off)
                want = ref.read(length)
                if got != want:
                    print(f"differ at {off}+{length}: {len(got)} bytes, expected {len(want)}")
                    return 1
        f.close()
        print(f"ok {n}")
        return 0
    if cmd == "time":
        best, total = None, 0
        for _ in range(int(argv[3]) if len(argv) > 3 else 1):
            t = time.monotonic()
            f = ctx.open(url, os.O_RDONLY)
            total = 0
            while True:
                b = f.read(4 << 20)
                if not b:
                    break
                total += len(b)
            f.close()
            t = time.monotonic() - t
            best = t if best is None else min(best, t)
        print(f"{total} {best:.4f}")
        return 0
    if cmd == "read":
        t = time.monotonic()
        try:
            f = ctx.open(url, os.O_RDONLY)
            f.seek(int(argv[3]))
            n = len(f.read(int(argv[4])))
            print(f"ok {n} {time.monotonic() - t:.2f}")
            return 0
        except Exception as e:  # libsmbclient's errors come as several exception types
            print(f"error {time.monotonic() - t:.2f} {e}")
            return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
