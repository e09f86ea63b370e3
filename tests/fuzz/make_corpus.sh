#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the test fixtures (written by zarr-python)
# and, when present, the OME-NGFF conformance suites: build/fuzz/corpus/<target>/.
# Usage: make_corpus.sh FIXTURES_DIR OUT_DIR
set -euo pipefail
fixtures=$1 out=$2
mkdir -p "$out/fuzz_zarr_meta" "$out/fuzz_ngff" "$out/fuzz_codec" "$out/fuzz_shard_index" \
  "$out/fuzz_s3_error" "$out/fuzz_omero_imgdata" "$out/fuzz_series_xml" "$out/fuzz_s3_list" \
  "$out/fuzz_omero_listing" "$out/fuzz_zip_dir"
# zipped OME-Zarr archives (tests/fixtures/make_ozx_fixtures.py), good and damaged
i=0
while IFS= read -r f; do cp "$f" "$out/fuzz_zip_dir/seed$((i++))"; done \
  < <(find "$fixtures" -maxdepth 1 -name '*.ozx' | sort)
# OMERO JSON API listing pages (byte 0: 0 dataset, 1 plate, 2 project, 3 screen), in the shapes
# of omeroweb/api/views.py
printf '\x00{"meta": {"totalCount": 2}, "data": [{"@id": 1, "Name": "a.tif"}, {"@id": 2, "Name": "b"}]}' \
  >"$out/fuzz_omero_listing/dataset"
printf '\x01{"meta": {"totalCount": 2}, "data": [{"Row": 0, "Column": 0, "WellSamples": [{"Image": {"@id": 1, "Name": "f0"}}, {"Image": {"@id": 3}}]}, {"Row": 1, "Column": 1, "WellSamples": [{"Image": {"@id": 90}}]}]}' \
  >"$out/fuzz_omero_listing/plate"
printf '\x03{"data": [{"@id": 4, "Name": "screen plate"}]}' >"$out/fuzz_omero_listing/screen"
# ListObjectsV2 pages
printf '<ListBucketResult><IsTruncated>true</IsTruncated><CommonPrefixes><Prefix>lab/a.zarr/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>lab/R&amp;D.zarr/</Prefix></CommonPrefixes><NextContinuationToken>bGFi</NextContinuationToken></ListBucketResult>' \
  >"$out/fuzz_s3_list/page"
printf '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>lab/x</Key></Contents></ListBucketResult>' \
  >"$out/fuzz_s3_list/last"
# OME-XML of bioformats2raw collections (tests/fixtures/make_series_fixtures.py)
i=0
while IFS= read -r f; do cp "$f" "$out/fuzz_series_xml/seed$((i++))"; done \
  < <(find "$fixtures" -name METADATA.ome.xml 2>/dev/null | sort)
# OMERO imgData documents, good and malformed (tests/fixtures/make_omero_fixtures.py)
i=0
while IFS= read -r f; do cp "$f" "$out/fuzz_omero_imgdata/seed$((i++))"; done \
  < <(find "$fixtures/omero" -name imgData.json 2>/dev/null | sort)
# S3 error documents: byte 0 picks the HTTP status (see fuzz_s3_error.c)
printf '\x03<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' \
  >"$out/fuzz_s3_error/denied"
printf '\x00<Error><Code>PermanentRedirect</Code><Region>eu-west-1</Region></Error>' \
  >"$out/fuzz_s3_error/region"
printf '\x04<Error><Code>NoSuchBucket</Code><BucketName>b</BucketName></Error>' \
  >"$out/fuzz_s3_error/nobucket"
i=0
while IFS= read -r f; do cp "$f" "$out/fuzz_zarr_meta/seed$((i++))"; done \
  < <(find "$fixtures" -name .zarray -o -name zarr.json | sort)
i=0
while IFS= read -r f; do cp "$f" "$out/fuzz_ngff/seed$((i++))"; done \
  < <(find "$fixtures" -name .zattrs | sort)
conf="$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance"
if [ -d "$conf" ]; then
  while IFS= read -r f; do cp "$f" "$out/fuzz_ngff/conf$((i++))"; done \
    < <(find "$conf" -name '*.json' | sort)
fi
# shard indexes: the last bytes of the sharded fixtures' shards (index at the end, crc32c)
i=0
while IFS= read -r f; do   # those shards hold 4 × 2 = 8 inner chunks: 0x47 = crc32c + 8
  { printf '\x47\x00'; tail -c $((8 * 16 + 4)) "$f"; } >"$out/fuzz_shard_index/seed$((i++))"
done < <(find "$fixtures" -path '*sharded_end*/c/*' -type f | sort | head -20)
# codec frames: one chunk of each codec fixture, prefixed with the codec byte and the real size
/usr/bin/python3 - "$fixtures" "$out/fuzz_codec" <<'PY'
import json, os, sys
fixtures, out = sys.argv[1], sys.argv[2]
kinds = {"blosc": 0, "zlib": 1, "gzip": 2, "zstd": 3, "lz4": 4}
n = 0
for name in sorted(os.listdir(fixtures)):
    za = os.path.join(fixtures, name, "0", ".zarray")
    if not os.path.exists(za):
        continue
    meta = json.load(open(za))
    comp = meta.get("compressor")
    if not comp or comp["id"] not in kinds:
        continue
    chunks = [f for f in sorted(os.listdir(os.path.dirname(za))) if not f.startswith(".")]
    if not chunks or not os.path.isfile(os.path.join(os.path.dirname(za), chunks[0])):
        continue
    size = 1
    for c in meta["chunks"]:
        size *= c
    size *= int(meta["dtype"][2:])
    frame = open(os.path.join(os.path.dirname(za), chunks[0]), "rb").read()
    head = bytes([kinds[comp["id"]], size & 255, (size >> 8) & 255, (size >> 16) & 255])
    open(os.path.join(out, "seed%d" % n), "wb").write(head + frame)
    n += 1
PY
