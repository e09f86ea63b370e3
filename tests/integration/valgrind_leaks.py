#!/usr/bin/python3
"""Reads a valgrind memcheck log and prints the bytes definitely or indirectly lost by blocks
that omefs allocated: the allocation's innermost frame outside the C library and valgrind (the
code that asked for the memory) is omefs's own (ome_*, ops_*, omefs_* functions or the omefs
binary). Blocks libfuse allocates for itself, even when called from omefs (a directory
listing's entries, requests still in flight at unmount), are listed on stderr and not counted.
Usage: valgrind_leaks.py LOG"""
import re
import sys

OURS = re.compile(r"(: (ome|ops|omefs|vt|ij|main)_?\w*\b|\(in [^)]*/build/omefs\))")
# frames of the allocator itself: valgrind's replacements and the C library
ALLOCATOR = re.compile(r"vgpreload_memcheck|/libc\.so|^(malloc|calloc|realloc|strdup|strndup|"
                       r"memalign|posix_memalign|aligned_alloc)\b|\((strdup|strndup|malloc)\.c:")
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
        frame = re.match(r"\s*(?:at|by) 0x[0-9A-F]+: (.*)", body)
        if frame and record.get("decided") is None and not ALLOCATOR.search(frame.group(1)):
            record["decided"] = True  # the code that asked for the memory
            record["ours"] = bool(OURS.search(body))
print(total)
