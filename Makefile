# redock's build. Targets:
#   make              build ./redock
#   make check        run every test (unit tests, then bats)
#   make sanitize     build under ASan and UBSan and run every test
#   make test         make check and make sanitize at the same time,
#                     then the fuzzers, two at a time
#   make bench        measure against the engine at hand
#   make fuzz         build the libFuzzer targets with clang and run each
#                     for FUZZ_SECONDS (30) seconds
#   make install      install into $(DESTDIR)$(PREFIX)
#   make dlopen-sonames  print the libraries redock dlopen()s, one a line
#   make clean        remove what the build made

VERSION =	0.1.0

PREFIX ?=	/usr/local
BINDIR ?=	$(PREFIX)/bin
MANDIR ?=	$(PREFIX)/share/man
COMPDIR ?=	$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?=	$(PREFIX)/share/zsh/site-functions
INSTALL ?=	install

PKG_CONFIG ?=	pkg-config
# libcurl, libssh and libarchive are loaded at first use (src/lazy.h):
# redock links only the others; the tests, tools, bench tools and fuzzers,
# which call more of the three than redock does, link them too.
LAZY_PKGS =	libcurl libssh libarchive
PKGS =		jansson libbsd-overlay libmd inih zlib $(LAZY_PKGS)
TEST_PKGS =	cmocka

# B is the directory for objects, BIN the program; make sanitize uses its
# own pair so the two builds never mix.
B ?=		build
BIN ?=		redock

CFLAGS ?=	-O2 -g
WARNINGS =	-Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wwrite-strings
SAN_FLAGS =	-fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
ifdef SANITIZE
EXTRA_FLAGS =	$(SAN_FLAGS)
endif

NO_BUILD_GOALS = clean
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(PKGS) && echo ok),ok)
$(error missing libraries ($(PKGS)): run 'contrib/setup' as root, or install their -dev packages)
endif
endif

ALL_CPPFLAGS =	-D_GNU_SOURCE -DREDOCK_VERSION='"$(VERSION)"' -Isrc -Isshconf \
		$(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
ALL_CFLAGS =	-std=c17 -pthread $(WARNINGS) $(EXTRA_FLAGS) $(CFLAGS)
ALL_LDFLAGS =	-Wl,--as-needed $(LDFLAGS)
LIBS =		$(shell $(PKG_CONFIG) --libs $(filter-out $(LAZY_PKGS),$(PKGS))) \
		-pthread
LAZY_LIBS =	$(shell $(PKG_CONFIG) --libs $(LAZY_PKGS))

# The SONAMEs of the LAZY_PKGS the build compiles against, which
# src/lazy-*.c dlopen(): -DLAZY_CURL_SONAME='"libcurl.so.4"'... `make
# dlopen-sonames` prints them, one a line.
lazy_soname =	$(shell objdump -p $(shell $(PKG_CONFIG) --variable=libdir \
		    $(1))/$(1).so 2>/dev/null | sed -n 's/ *SONAME *//p')
LAZY_SONAMES :=	$(foreach p,$(LAZY_PKGS),$(call lazy_soname,$(p)))
LAZY_DEFS :=	-DLAZY_CURL_SONAME='"$(word 1,$(LAZY_SONAMES))"' \
		-DLAZY_SSH_SONAME='"$(word 2,$(LAZY_SONAMES))"' \
		-DLAZY_ARCHIVE_SONAME='"$(word 3,$(LAZY_SONAMES))"'
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(words $(LAZY_SONAMES)),$(words $(LAZY_PKGS)))
$(error cannot read the SONAMEs of $(LAZY_PKGS) with objdump -p (binutils))
endif
endif

SRCS =		$(wildcard src/*.c)
# base-image/ compiled in: $(B)/base-files.c holds base_files[] (base.h).
BASE_FILES =	$(sort $(wildcard base-image/*))
OBJS =		$(SRCS:%.c=$(B)/%.o) $(B)/base-files.o
LIB_OBJS =	$(filter-out $(B)/src/main.o,$(OBJS)) $(B)/libsshconf.a

# sshconf/: the config.d merge module and its file kit, a library of
# their own that needs only libc, libbsd and libmd, and sshconf-merge,
# its command-line front end (not installed), which links nothing else.
SSHCONF_OBJS =	$(B)/sshconf/sshconf.o $(B)/sshconf/fileio.o
SSHCONF_MERGE =	$(B)/sshconf-merge
SSHCONF_LIBS =	$(shell $(PKG_CONFIG) --libs libbsd-overlay libmd)

# Programs the bats tests drive: tests/tools/X.c -> $(B)/tests/tools/X.
TOOL_SRCS =	$(wildcard tests/tools/*.c)
TOOLS =		$(TOOL_SRCS:%.c=$(B)/%)

# The benchmark's programs (make bench), built by make check as well so
# that they keep building: contrib/bench/X.c -> $(B)/contrib/bench/X.
BENCH_TOOLS =	$(B)/contrib/bench/bench-engine $(B)/contrib/bench/bench-proc \
		$(B)/contrib/bench/bench-sshconf

# The fuzzers (make fuzz): tests/fuzz/fuzz-X.c -> $(FZ)/fuzz-X, built with
# clang, libFuzzer and the sanitizers from objects of their own (main.c
# left out), so that they never mix with the normal build.
FUZZ_CC ?=	clang
FUZZ_SECONDS ?=	30
FZ =		build/fuzz
FUZZ_CFLAGS =	-std=c17 -pthread $(WARNINGS) -fno-sanitize-recover=all \
		-fno-omit-frame-pointer $(CFLAGS)
FUZZ_SRCS =	$(wildcard tests/fuzz/fuzz-*.c)
FUZZERS =	$(FUZZ_SRCS:tests/fuzz/%.c=$(FZ)/%)
# Compiled from the tree: src/ but main.c, sshconf/, the targets.
FUZZ_OBJS =	$(filter-out $(FZ)/src/main.o,$(SRCS:%.c=$(FZ)/%.o)) \
		$(SSHCONF_OBJS:$(B)/%=$(FZ)/%) $(FUZZ_SRCS:%.c=$(FZ)/%.o)
FUZZ_LIB_OBJS =	$(filter-out $(FZ)/tests/%,$(FUZZ_OBJS)) $(FZ)/base-files.o

# C tests: tests/unit needs nothing, tests/live talks to the real engine.
UNIT_SRCS =	$(wildcard tests/unit/test-*.c tests/live/test-*.c)
UNIT_TESTS =	$(UNIT_SRCS:%.c=$(B)/%)
# What they share: tests/unit/testutil.c.
TEST_UTIL =	$(B)/tests/unit/testutil.o

$(B)/src/lazy-%.o $(FZ)/src/lazy-%.o $(B)/tests/unit/test-lazy.o: \
    ALL_CPPFLAGS += $(LAZY_DEFS)
$(UNIT_TESTS) $(TOOLS) $(BENCH_TOOLS) $(FUZZERS): LIBS += $(LAZY_LIBS)
# The sanitized redock links them too, so their thread-local storage is
# static: LeakSanitizer (clang 14) scanning the dynamic TLS that threads
# of dlopen()ed libraries hold at exit can crash ("Tracer caught signal
# 11", exit 86). Its forwarders still dlopen() them, already loaded.
# (--no-as-needed: redock's own forwarders define what it calls of them.)
ifdef SANITIZE
$(BIN): LIBS += -Wl,--no-as-needed $(LAZY_LIBS) -Wl,--as-needed
endif

.PHONY: all unit check sanitize test bench fuzz fuzz-half1 fuzz-half2 install \
	uninstall clean
.SECONDARY:

all: $(BIN) $(SSHCONF_MERGE)

$(BIN): $(OBJS) $(B)/libsshconf.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(OBJS) $(B)/libsshconf.a \
	    $(LIBS)

$(B)/libsshconf.a: $(SSHCONF_OBJS)
	rm -f $@
	$(AR) rcs $@ $(SSHCONF_OBJS)

$(SSHCONF_MERGE): $(B)/sshconf/sshconf-merge.o $(B)/libsshconf.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(SSHCONF_LIBS)

$(B)/base-files.c: $(BASE_FILES) contrib/embed
	@mkdir -p $(@D)
	contrib/embed $(BASE_FILES) >$@.tmp && mv $@.tmp $@

$(B)/base-files.o: $(B)/base-files.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: $(B)/tests/%.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) \
	    $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

$(B)/tests/%.o: ALL_CPPFLAGS += $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS)) \
    -Itests/unit

$(UNIT_TESTS): $(TEST_UTIL)

unit: $(UNIT_TESTS)

# Under the sanitizers (REDOCK_SANITIZE=1) a test that only takes long,
# tests/bats/depth.bats, skips itself. Their bats files start at
# SAN_FIRST (tests/run), ahead of make check's, which stay behind
# (depth.bats), so that beside make check (make test) the two runs are
# rarely in the same file.
SAN_FIRST =	engine-faults.bats
check: $(BIN) $(SSHCONF_MERGE) $(TOOLS) $(BENCH_TOOLS) $(UNIT_TESTS)
	$(if $(SANITIZE),REDOCK_SANITIZE=1 REDOCK_BATS_FIRST=$(SAN_FIRST)) \
	    tests/run $(B) $(BIN) $(UNIT_TESTS)

sanitize:
	$(MAKE) B=build/sanitize BIN=build/sanitize/redock SANITIZE=1 check

# make check and make sanitize at the same time: their tests wait on the
# engine and sshd far more than on the CPUs, and meet only through
# tests/lock. Each one's output comes whole when it ends; the fuzzers
# are built once a CPU is free. Then the fuzzers run, two at a time,
# with the CPUs to themselves.
test:
	@status=0; \
	$(MAKE) -k -j2 --output-sync=recurse check sanitize $(FUZZERS) || \
	    status=1; \
	$(MAKE) -k -j2 --output-sync=target fuzz-half1 fuzz-half2 || \
	    status=1; \
	exit $$status

$(BENCH_TOOLS): $(B)/contrib/bench/%: $(B)/contrib/bench/%.o \
    $(B)/contrib/bench/bench.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

bench: $(BIN) $(BENCH_TOOLS)
	contrib/bench/run $(B) $(BIN)

# What a package that ships redock depends on beyond what it links:
# the libraries it dlopen()s (src/lazy.h), one SONAME a line.
.PHONY: dlopen-sonames
dlopen-sonames:
	@printf '%s\n' $(LAZY_SONAMES)

$(FUZZ_OBJS): $(FZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(FZ)/base-files.o: $(B)/base-files.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(FUZZERS): $(FZ)/%: $(FZ)/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

fuzz: $(FUZZERS)
	tests/fuzz/run $(FZ) $(FUZZ_SECONDS) $(FUZZERS)

# make test runs the fuzzers two at a time, a CPU each: half of them
# each, for FUZZ_SECONDS each all the same.
FUZZ_HALF1 =	$(wordlist 1,$(shell echo $$((($(words $(FUZZERS)) + 1) / 2))),\
		    $(FUZZERS))
fuzz-half1: $(FUZZERS)
	tests/fuzz/run $(FZ) $(FUZZ_SECONDS) $(FUZZ_HALF1)

fuzz-half2: $(FUZZERS)
	tests/fuzz/run $(FZ) $(FUZZ_SECONDS) \
	    $(filter-out $(FUZZ_HALF1),$(FUZZERS))

# sshconf-merge is a tool of the tests and the benchmark: not installed,
# so not built for it either.
install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(COMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/redock
	$(INSTALL) -m 0644 redock.1 $(DESTDIR)$(MANDIR)/man1/redock.1
	$(INSTALL) -m 0644 contrib/completions/redock.bash \
	    $(DESTDIR)$(COMPDIR)/redock
	$(INSTALL) -m 0644 contrib/completions/_redock \
	    $(DESTDIR)$(ZSHCOMPDIR)/_redock

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/redock $(DESTDIR)$(MANDIR)/man1/redock.1 \
	    $(DESTDIR)$(COMPDIR)/redock $(DESTDIR)$(ZSHCOMPDIR)/_redock

clean:
	rm -rf build redock

-include $(OBJS:.o=.d) $(SSHCONF_OBJS:.o=.d) \
    $(B)/sshconf/sshconf-merge.d $(UNIT_SRCS:%.c=$(B)/%.d) \
    $(TOOL_SRCS:%.c=$(B)/%.d) $(TEST_UTIL:.o=.d) \
    $(FUZZ_OBJS:.o=.d)
