#!/usr/bin/python3
"""Validates the OME-XML of virtual OME-TIFFs against the OME schema.

Usage: check_ome_xml.py XSD WORKDIR KIND FILE...
Reads the ImageDescription of IFD0 of each FILE (tifffile), writes it to WORKDIR and runs
xmllint --schema XSD on all of them at once. A file without one must hold 64-bit integers
(OME has no such pixel type). Prints one "ok ome-xml KIND: ..." line, or a "FAIL ome-xml
KIND ...: ..." line per file refused; exits 1 when any file fails or none has OME-XML.
"""
import os
import subprocess
import sys

import tifffile

xsd, workdir, kind, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(workdir, exist_ok=True)
bad, docs, plain = [], {}, []
for i, path in enumerate(files):
    try:
        with tifffile.TiffFile(path) as tf:
            page = tf.pages[0]
            desc, dtype = page.description, page.dtype
    except Exception as e:  # noqa: BLE001 - any reader error is a failure of this file
        bad.append("FAIL ome-xml %s %s: tifffile cannot read it (%s)" % (kind, path, e))
        continue
    if not desc.startswith("<?xml"):
        if dtype is not None and dtype.kind in "iu" and dtype.itemsize == 8:
            plain.append(os.path.basename(path))
        else:
            bad.append("FAIL ome-xml %s %s: IFD0 has no OME-XML (%s pixels)" % (kind, path, dtype))
        continue
    doc = os.path.join(workdir, "%s-%d.xml" % (kind.replace(" ", "_"), i))
    with open(doc, "w", encoding="utf-8") as f:
        f.write(desc)
    docs[doc] = path

if docs:
    run = subprocess.run(["xmllint", "--noout", "--schema", xsd] + list(docs),
                         capture_output=True, text=True)
    lines = run.stderr.splitlines()
    for doc, path in docs.items():
        if doc + " validates" in lines:
            continue
        why = [ln[len(doc) + 1:][:300] for ln in lines if ln.startswith(doc + ":")]
        bad.append("FAIL ome-xml %s %s: %s" % (kind, path, " | ".join(why[:3]) or
                                               "xmllint: " + " ".join(lines[-2:])))
if not docs:
    bad.append("FAIL ome-xml %s: no file with OME-XML among %d" % (kind, len(files)))
for line in bad:
    print(line)
if bad:
    sys.exit(1)
print("ok ome-xml %s: the OME-XML of %d files valid against ome.xsd (2016-06)%s" % (
    kind, len(docs), "; %d without (64-bit integers: %s)" % (len(plain), " ".join(plain))
    if plain else ""))
