# clinfolio - plain Makefile. Dependencies are Debian 12 packages found by pkg-config.
#   make run     install missing packages (as root or with sudo), build, generate public/
#   make test    the same set-up, then every test (normal, ASan/UBSan and TSan builds)
#   make asan    build under AddressSanitizer + UBSan into build/asan/ (or make SAN=1)
#   make tsan    build the program under ThreadSanitizer into build/tsan/ (or SAN=thread)
#   make fuzz    build the libFuzzer targets with clang into build/fuzz/ and run each for
#                FUZZ_SECONDS (default 60) over its corpus; FUZZ_TARGETS picks some;
#                then incremental builds under random edits (FUZZ_STEPS, FUZZ_SEEDS)
#   make install PREFIX=/usr/local (the program, generator/clinfolio.1, themes/ and plugins/), make clean, make format, make format-check, make bench
#
# Flags, as in Lua's makefile: CFLAGS (default -O2 -g), CPPFLAGS, LDFLAGS and LDLIBS are
# the user's, e.g. `make CC=clang CFLAGS='-O0 -g'`; MYCFLAGS, MYLDFLAGS and MYLIBS add
# to them without replacing the defaults. What the build needs (C11, the warnings, the
# pkg-config flags, dependency files, the version, the sanitizer) is kept apart in
# REQ_CFLAGS, REQ_LDFLAGS and REQ_LIBS and is always used. A change of compiler or flags
# rebuilds everything (BUILD/flags.stamp).

PKGS        = libcmark-gfm yaml-0.1 lua5.4 libxml-2.0 libmicrohttpd jansson libxxhash
DEB_BUILD   = build-essential pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev \
              libyaml-dev liblua5.4-dev libxml2-dev libmicrohttpd-dev libjansson-dev \
              libbtparse-dev libvips42 libunistring-dev libxxhash-dev
DEB_FUZZ    = clang libclang-rt-dev
PREFIX     ?= /usr/local
VERSION     = 0.1.0

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wwrite-strings -Wundef -Wvla -Wformat=2 -Wimplicit-fallthrough

# SAN picks the build: none (build/), 1 or address (ASan + UBSan, build/asan/), thread
# (TSan, build/tsan/), fuzzer (clang's libFuzzer with ASan + UBSan, build/fuzz/; `make
# fuzz` sets it). Each has its own default CFLAGS; the sanitizer flags are always added.
ifneq ($(filter 1 address,$(SAN)),)
BUILD   ?= build/asan
CFLAGS  ?= -O1 -g3
SAN_CFLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LDFLAGS = -fsanitize=address,undefined
else ifeq ($(SAN),thread)
BUILD   ?= build/tsan
CFLAGS  ?= -O1 -g
SAN_CFLAGS  = -fsanitize=thread -fno-omit-frame-pointer
SAN_LDFLAGS = -fsanitize=thread
else ifeq ($(SAN),fuzzer)
BUILD   ?= build/fuzz
CFLAGS  ?= -O1 -g
SAN_CFLAGS  = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
SAN_LDFLAGS = -fsanitize=address,undefined
else ifeq ($(SAN),)
BUILD   ?= build
CFLAGS  ?= -O2 -g
else
$(error SAN=$(SAN): use SAN=1 (or address), SAN=thread or SAN=fuzzer)
endif

# libunistring (search.c's tokenizer) has no .pc file on Debian 12: -lunistring unless a
# later release brings one
UNISTRING_LIBS := $(shell pkg-config --libs libunistring 2>/dev/null || echo -lunistring)

# pkg-config runs once per make, not once per compile; empty until `make deps` ran.
# libbtparse (BibTeX) has no .pc file: its header is in /usr/include, the library -lbtparse.
# It comes first: it exports short names (comment, error, name, ...) that it calls itself,
# and libxml2 exports a `comment` too; the dynamic linker takes the first library's.
DEPS_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS   := -lbtparse $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions \
               $(UNISTRING_LIBS)

REQ_CFLAGS  = -std=c11 -D_GNU_SOURCE -pthread $(WARN) -MMD -MP $(DEPS_CFLAGS) \
              -DCLINFOLIO_VERSION='"$(VERSION)"' $(SAN_CFLAGS)
# markdown.c defines a function of cmark-gfm's for the library to call instead of its own
REQ_LDFLAGS = $(SAN_LDFLAGS) -Wl,--export-dynamic-symbol=cmark_manage_extensions_special_characters
REQ_LIBS    = $(DEPS_LIBS) -lm -pthread
# the user's flags come last, so they can override a default (-O0, -Wno-error=...)
ALL_CFLAGS  = $(REQ_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(MYCFLAGS)
ALL_LDFLAGS = $(REQ_LDFLAGS) $(LDFLAGS) $(MYLDFLAGS)
ALL_LIBS    = $(REQ_LIBS) $(LDLIBS) $(MYLIBS)
# compile and link in one step (tests); a link also gets CFLAGS (-flto, -m32, ...)
CC_LINK     = $(CC) $(ALL_CFLAGS) -Igenerator $(ALL_LDFLAGS)

# Objects depend on the compiler and every flag: a different `make CFLAGS=...` in the same
# BUILD rebuilds them. The stamp is rewritten only when the text changes.
FLAGS_TEXT = $(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(ALL_LIBS)
ifneq ($(file <$(BUILD)/flags.stamp),$(FLAGS_TEXT))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/flags.stamp,$(FLAGS_TEXT))
endif

LIB_SRC  = $(filter-out generator/main.c,$(wildcard generator/*.c))
LIB_OBJ  = $(LIB_SRC:generator/%.c=$(BUILD)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# fuzz targets, replayed over their corpus by the test suite (no libFuzzer needed), and
# built for libFuzzer by `make fuzz` (BUILD/fuzz_<target>, SAN=fuzzer)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_STEPS   ?= 200
FUZZ_SEEDS   ?= 1 2 3 4 5

.PHONY: FORCE all program fuzzers run test unit deps test-deps fuzz-deps asan tsan fuzz install \
        clean format format-check bench golden-update

all: $(BUILD)/clinfolio $(UNIT_BIN) $(FUZZ_BIN)

program: $(BUILD)/clinfolio

fuzzers: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

$(BUILD)/obj/%.o: generator/%.c $(BUILD)/flags.stamp | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the installed themes' folder is compiled in; the stamp rebuilds build.o when PREFIX changes
$(BUILD)/obj/build.o: REQ_CFLAGS += -DCLINFOLIO_DATADIR='"$(PREFIX)/share/clinfolio"'
$(BUILD)/obj/build.o: $(BUILD)/prefix.stamp
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(@D); [ "$$(cat $@ 2>/dev/null)" = "$(PREFIX)" ] || echo "$(PREFIX)" > $@

$(BUILD)/libclinfolio.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/clinfolio: $(BUILD)/obj/main.o $(BUILD)/libclinfolio.a
	$(CC) $(CFLAGS) $(MYCFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/harness.h $(BUILD)/libclinfolio.a | $(BUILD)/tests
	$(CC_LINK) -o $@ $< $(BUILD)/libclinfolio.a $(ALL_LIBS)

# test_output ends a child process in the middle of removing a tree or applying an update
# (a killed build)
$(BUILD)/tests/test_output $(BUILD)/tests/test_output_fallback: LDFLAGS += -Wl,--wrap=unlinkat -Wl,--wrap=renameat

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libclinfolio.a | $(BUILD)/fuzz
	$(CC_LINK) -o $@ $< tests/fuzz/replay.c $(BUILD)/libclinfolio.a $(ALL_LIBS)

# a libFuzzer binary: libFuzzer brings main(); only with SAN=fuzzer and clang
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libclinfolio.a
	$(CC_LINK) -fsanitize=fuzzer -o $@ $< $(BUILD)/libclinfolio.a $(ALL_LIBS)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz:
	mkdir -p $@

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d $(FUZZ_BIN:=.d) $(UNIT_BIN:=.d) \
         $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%.d)

# Install the Debian packages the build needs, when some are missing.
deps:
	@sh tests/deps.sh build $(DEB_BUILD)

test-deps:
	@sh tests/deps.sh test

asan:
	$(MAKE) SAN=1 all

tsan:
	$(MAKE) SAN=thread program

# Install clang and its sanitizer runtimes (libFuzzer among them) when missing.
fuzz-deps:
	@sh tests/deps.sh build $(DEB_FUZZ)

# Each target runs FUZZ_SECONDS over tests/fuzz/corpus/<target>/ (read only: what it finds
# goes to build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/<target>/).
# Then incremental builds against clean ones under FUZZ_STEPS random edits of the demo
# for each seed of FUZZ_SEEDS (tests/incremental_fuzz.py; make test runs 32 of seed 1).
fuzz: deps fuzz-deps
	$(MAKE) SAN=fuzzer BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) fuzzers
	sh tests/fuzz/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	$(MAKE) program
	for seed in $(FUZZ_SEEDS); do \
	    /usr/bin/python3 tests/incremental_fuzz.py $(BUILD)/clinfolio $(FUZZ_STEPS) $$seed || exit 1; \
	done

run: deps
	$(MAKE) all
	./build/clinfolio build

test: deps test-deps
	$(MAKE) all
	$(MAKE) SAN=1 all
	$(MAKE) SAN=thread program
	sh tests/run.sh build build/asan

unit: all
	@for t in $(UNIT_BIN); do $$t || exit 1; done

golden-update: all
	sh tests/golden.sh update build/clinfolio

bench: all
	sh tests/bench.sh build/clinfolio

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/clinfolio \
	           $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/clinfolio $(DESTDIR)$(PREFIX)/bin/clinfolio
	install -m 644 generator/clinfolio.1 $(DESTDIR)$(PREFIX)/share/man/man1/clinfolio.1
	cp -R themes plugins $(DESTDIR)$(PREFIX)/share/clinfolio/

format:
	clang-format -i generator/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch]

format-check:
	clang-format --dry-run --Werror generator/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch]

clean:
	rm -rf build public .clinfolio-cache tests/out
