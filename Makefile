# clinfolio - plain Makefile. Dependencies are Debian 12 packages found by pkg-config.
#   make run     install missing packages (as root or with sudo), build, generate public/
#   make test    the same set-up, then every test (normal build and ASan/UBSan build)
#   make asan    build under AddressSanitizer + UBSan into build/asan/ (or SAN=1 make)
#   make install PREFIX=/usr/local, make clean, make format, make format-check, make bench

PKGS        = libcmark-gfm yaml-0.1 lua5.4 libxml-2.0 libmicrohttpd
DEB_BUILD   = build-essential pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev \
              libyaml-dev liblua5.4-dev libxml2-dev libmicrohttpd-dev
PREFIX     ?= /usr/local
VERSION     = 0.1.0

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wwrite-strings -Wundef -Wvla -Wformat=2 -Wimplicit-fallthrough
SAN_FLAGS = -O1 -g3 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ifeq ($(SAN),1)
BUILD  ?= build/asan
OPT    ?= $(SAN_FLAGS)
LDSAN   = -fsanitize=address,undefined
else
BUILD  ?= build
OPT    ?= -O2 -g
LDSAN   =
endif

# pkg-config runs once per make, not once per compile; empty until `make deps` ran
DEPS_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPS_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions

CFLAGS ?= $(OPT)
CFLAGS += -std=c11 -D_GNU_SOURCE -pthread $(WARN) -MMD -MP $(DEPS_CFLAGS) \
          -DCLINFOLIO_VERSION='"$(VERSION)"'
LDLIBS += $(DEPS_LIBS) -lm -pthread
LDFLAGS += $(LDSAN)

LIB_SRC  = $(filter-out generator/main.c,$(wildcard generator/*.c))
LIB_OBJ  = $(LIB_SRC:generator/%.c=$(BUILD)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# fuzz targets, replayed over their corpus by the test suite (no libFuzzer needed)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)

.PHONY: FORCE all run test unit deps test-deps asan install clean format format-check bench golden-update

all: $(BUILD)/clinfolio $(UNIT_BIN) $(FUZZ_BIN)

$(BUILD)/obj/%.o: generator/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

# the installed themes' folder is compiled in; the stamp rebuilds build.o when PREFIX changes
$(BUILD)/obj/build.o: CFLAGS += -DCLINFOLIO_DATADIR='"$(PREFIX)/share/clinfolio"'
$(BUILD)/obj/build.o: $(BUILD)/prefix.stamp
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(@D); [ "$$(cat $@ 2>/dev/null)" = "$(PREFIX)" ] || echo "$(PREFIX)" > $@

$(BUILD)/libclinfolio.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/clinfolio: $(BUILD)/obj/main.o $(BUILD)/libclinfolio.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/harness.h $(BUILD)/libclinfolio.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -Igenerator $(LDFLAGS) -o $@ $< $(BUILD)/libclinfolio.a $(LDLIBS)

# test_output ends a child process in the middle of removing a tree (a killed build)
$(BUILD)/tests/test_output: LDFLAGS += -Wl,--wrap=unlinkat

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libclinfolio.a | $(BUILD)/fuzz
	$(CC) $(CFLAGS) -Igenerator $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libclinfolio.a $(LDLIBS)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz:
	mkdir -p $@

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d $(FUZZ_BIN:=.d) $(UNIT_BIN:=.d)

# Install the Debian packages the build needs, when some are missing.
deps:
	@sh tests/deps.sh build $(DEB_BUILD)

test-deps:
	@sh tests/deps.sh test

asan:
	$(MAKE) SAN=1 all

run: deps
	$(MAKE) all
	./build/clinfolio build

test: deps test-deps
	$(MAKE) all
	$(MAKE) SAN=1 all
	sh tests/run.sh build build/asan

unit: all
	@for t in $(UNIT_BIN); do $$t || exit 1; done

golden-update: all
	sh tests/golden.sh update build/clinfolio

bench: all
	sh tests/bench.sh build/clinfolio

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/clinfolio
	install -m 755 $(BUILD)/clinfolio $(DESTDIR)$(PREFIX)/bin/clinfolio
	cp -R themes plugins $(DESTDIR)$(PREFIX)/share/clinfolio/

format:
	clang-format -i generator/*.[ch] tests/unit/*.[ch]

format-check:
	clang-format --dry-run --Werror generator/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf build public tests/out
