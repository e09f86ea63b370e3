# omefs build. `make` builds the library and the mount program; `make test` runs every test
# (unit tests under ASan+UBSan, then integration tests against real servers, mounts and readers).

CC ?= cc
PKGS := libcurl jansson blosc zlib libzstd liblz4 liblzma
FUSE_PKG := fuse3
# Deferred (=, not :=): evaluated when a recipe runs, so `make demo` on a fresh machine finds the
# packages that its `deps` step has just installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
FUSE_CFLAGS = $(shell pkg-config --cflags $(FUSE_PKG) 2>/dev/null)
FUSE_LIBS = $(shell pkg-config --libs $(FUSE_PKG) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-truncation
CFLAGS ?= -O2 -g
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Icore $(PKG_CFLAGS)
# core/ is strict C11 and POSIX.1-2008 but for its platform files (core/*/platform_*.c: what is
# Linux-only), which keep BASE_CFLAGS; fs/, the tests and the tools keep BASE_CFLAGS too.
STRICT_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -pedantic -Icore $(PKG_CFLAGS)
LDLIBS = $(PKG_LIBS) -lbz2 -lpthread -lm
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CORE_SRC := $(wildcard core/*/*.c)
CORE_PLATFORM := $(wildcard core/*/platform_*.c)
CORE_HDR := $(wildcard core/*/*.h)
FS_SRC := $(wildcard fs/*.c)
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

# Two flavours: build/ (release) and build/asan/ (sanitizers, used by the tests).
OBJ := $(CORE_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(CORE_SRC:%.c=build/asan/obj/%.o)
UNIT_BIN := $(foreach t,$(UNIT_SRC),build/asan/tests/$(notdir $(t:.c=)))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=build/asan/tools/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/asan/replay/%)

.PHONY: all test test-run deps deps-user demo bench clean fixtures asan install fuzz strict-core

all: build/libomefs.a $(if $(FS_SRC),build/omefs)

build/obj/%.o: %.c $(CORE_HDR) $(wildcard fs/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BASE_CFLAGS) $(CFLAGS) $(XCFLAGS) -c $< -o $@

build/asan/obj/%.o: %.c $(CORE_HDR) $(wildcard fs/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) $(XCFLAGS) -c $< -o $@

# Only the FUSE adapter sees FUSE's headers: a FUSE include in core/ fails to compile.
build/obj/fs/%.o build/asan/obj/fs/%.o: XCFLAGS = $(FUSE_CFLAGS)
# core/ outside its platform files: strict C11 + POSIX.1-2008, no _GNU_SOURCE
$(filter-out $(CORE_PLATFORM:%.c=build/obj/%.o),$(OBJ)) \
$(filter-out $(CORE_PLATFORM:%.c=build/asan/obj/%.o),$(ASAN_OBJ)): BASE_CFLAGS = $(STRICT_CFLAGS)

build/libomefs.a: $(OBJ)
	@mkdir -p $(dir $@)
	@ar rcs $@ $^

build/asan/libomefs.a: $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@ar rcs $@ $^

build/omefs: $(FS_SRC:%.c=build/obj/%.o) build/libomefs.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(FUSE_LIBS) $(LDLIBS)

build/asan/omefs: $(FS_SRC:%.c=build/asan/obj/%.o) build/asan/libomefs.a
	@echo "  LD asan $@"
	@$(CC) $(SAN) -o $@ $^ $(FUSE_LIBS) $(LDLIBS)

# unit tests live in a folder per layer (tests/unit/store/test_disk_cache.c …)
vpath test_%.c $(sort $(dir $(UNIT_SRC)))
build/asan/tests/%: %.c $(wildcard tests/unit/*.h) build/asan/libomefs.a
	@mkdir -p $(dir $@)
	@echo "  LD asan $@"
	@$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/unit $< -o $@ build/asan/libomefs.a $(LDLIBS) -lcmocka -ltiff

build/asan/tools/%: tests/tools/%.c build/asan/libomefs.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) $< -o $@ build/asan/libomefs.a $(LDLIBS)

# fuzz targets without libFuzzer, to replay their regression inputs in `make test`
build/asan/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c build/asan/libomefs.a
	@mkdir -p $(dir $@)
	@echo "  LD asan $@"
	@$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) $< tests/fuzz/replay_main.c -o $@ build/asan/libomefs.a $(LDLIBS)

# ThreadSanitizer build of the mount, for test_tsan.sh (races between FUSE's threads, folder
# loads, read-ahead and the disk cache's writer)
build/tsan/omefs: $(CORE_SRC) $(FS_SRC) $(CORE_HDR) $(wildcard fs/*.h)
	@mkdir -p $(dir $@)
	@echo "  LD tsan $@"
	@$(CC) $(BASE_CFLAGS) -O1 -g -fsanitize=thread $(FUSE_CFLAGS) $(CORE_SRC) $(FS_SRC) -o $@ \
		$(FUSE_LIBS) $(LDLIBS)

# every file of core/ but its platform files, compiled alone with the strict flags (test_portable.sh)
strict-core:
	@fail=0; for f in $(filter-out $(CORE_PLATFORM),$(CORE_SRC)); do \
		$(CC) $(STRICT_CFLAGS) -fsyntax-only $$f || { echo "not strict C11/POSIX: $$f"; fail=1; }; \
	done; [ $$fail = 0 ]

asan: build/asan/libomefs.a $(UNIT_BIN) $(TOOL_BIN) $(REPLAY_BIN) $(if $(FS_SRC),build/asan/omefs)

# libFuzzer (clang) on every parser of outside input, FUZZ_SECONDS each (default 60)
fuzz: fixtures
	@tests/fuzz/run_fuzz.sh

deps:
	@contrib/deps.sh all

# only what building and running omefs need, nothing the tests use (then: make install)
deps-user:
	@contrib/deps.sh build

fixtures: build/fixtures/manifest.json build/fixtures/omero/manifest.json build/fixtures/plate.json \
	build/fixtures/series.json build/fixtures/v06/manifest.json build/fixtures/ozx.json \
	build/fixtures/stream.zarr/.zattrs build/fixtures/encoded/done

build/fixtures/manifest.json: tests/fixtures/make_fixtures.py tests/fixtures/zarr_v3_writer.py
	@mkdir -p build/fixtures
	/usr/bin/python3 tests/fixtures/make_fixtures.py build/fixtures

build/fixtures/encoded/done: tests/fixtures/make_encoded_fixtures.py
	@mkdir -p build/fixtures
	/usr/bin/python3 tests/fixtures/make_encoded_fixtures.py build/fixtures

build/fixtures/plate.json: tests/fixtures/make_plate_fixtures.py
	@mkdir -p build/fixtures
	/usr/bin/python3 tests/fixtures/make_plate_fixtures.py build/fixtures

build/fixtures/series.json: tests/fixtures/make_series_fixtures.py
	@mkdir -p build/fixtures
	/usr/bin/python3 tests/fixtures/make_series_fixtures.py build/fixtures

# OME-Zarr 0.6, written by zarrita (npm, installed by make deps); none without node
build/fixtures/v06/manifest.json: tests/js/write_v06.mjs
	@if [ -d tests/js/node_modules/zarrita ] && command -v node >/dev/null; then \
		node tests/js/write_v06.mjs build/fixtures/v06; \
	else echo "note: node or tests/js/node_modules missing: no OME-Zarr 0.6 fixtures"; fi

build/fixtures/stream.zarr/.zattrs: tests/fixtures/make_stream_fixture.py
	@mkdir -p build/fixtures
	/usr/bin/python3 tests/fixtures/make_stream_fixture.py build/fixtures

# zipped OME-Zarr (.ozx) of other fixtures, by Python's zipfile
build/fixtures/ozx.json: tests/fixtures/make_ozx_fixtures.py build/fixtures/manifest.json \
		build/fixtures/v06/manifest.json
	/usr/bin/python3 tests/fixtures/make_ozx_fixtures.py build/fixtures

build/fixtures/omero/manifest.json: tests/fixtures/make_omero_fixtures.py
	@mkdir -p build/fixtures/omero
	/usr/bin/python3 tests/fixtures/make_omero_fixtures.py build/fixtures/omero

# installs what the tests use first (quiet when all is there), so `make demo` then `make test`
# is all a fresh machine needs
test:
	@contrib/deps.sh all
	@$(MAKE) --no-print-directory test-run

test-run: all asan fixtures $(if $(FS_SRC),build/tsan/omefs)
	@tests/run_tests.sh

bench: all
	@tests/bench/run_bench.sh

demo:
	@contrib/deps.sh demo
	@$(MAKE) --no-print-directory all
	@contrib/demo.sh

clean:
	rm -rf build

PREFIX ?= /usr/local
install: build/omefs
	install -D -m 0755 build/omefs $(DESTDIR)$(PREFIX)/bin/omefs
	install -D -m 0644 doc/omefs.1 $(DESTDIR)$(PREFIX)/share/man/man1/omefs.1
