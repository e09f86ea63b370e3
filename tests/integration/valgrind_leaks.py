#!/usr/bin/python3
"""Reads a valgrind memcheck log and prints the bytes definitely or indirectly lost by blocks
that omefs allocated (a frame of the allocation stack in omefs's own code: ome_*, ops_*,
omefs_* functions or the omefs binary). Blocks libfuse allocates for itself (requests still in
flight at unmount) are listed on stderr and not counted. Usage: valgrind_leaks.py LOG"""
import re
import sys

OURS = re.compile(r"(: (ome|ops|omefs|vt|ij|main)_?\w*\b|\(in [^)]*/build/omefs\))")
total = 0
record = None
for line in open(sys.argv[1], errors="replace"):
    body = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
    m = re.match(r"([\d,]+) (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are "
                 r"(definitely|indirectly) lost", body)
    if m:
        record = {"bytes": int(m.group(1).replace(",", "")), "ours": False, "text": [body]}
        continue
    if record is not None:
        if not body.strip():
            if record["ours"]:
                total += record["bytes"]
            else:
                print("not omefs's: " + " | ".join(record["text"][:4]), file=sys.stderr)
            record = None
            continue
        record["text"].append(body.strip())
        if OURS.search(body):
            record["ours"] = True
print(total)
