# lede -- build, test and benchmark.  `make run` and `make test` are the two
# commands a fresh Debian machine needs; every target that compiles depends
# on `deps`, which installs the Debian packages that are missing.

# Packages: compilers, the engine, the event loop, compression, JSON, line
# editing for the client, Unicode normalisation (ICU), and what the tests use.
DEB_PACKAGES := gcc g++ make pkg-config libxapian-dev xapian-tools \
                libevent-dev zlib1g-dev libdeflate-dev libjansson-dev libedit-dev \
                libssl-dev openssl \
                util-linux procps valgrind jq python3 python3-yaml man-db libicu-dev

REL_PACKAGES := libsqlite3-dev
# `make fuzz` only: libFuzzer comes with Debian's clang.
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev
# The search page's browser test (tests/py/test_page.py, which skips
# without them); CI installs them (deps-browser, .ci/run).
BROWSER_PACKAGES := chromium chromium-driver
# The peers of `make bench-peers` (bench/peers/), installed by deps-peers only.
PEER_PACKAGES := sphinxsearch libmariadb-dev libsqlite3-dev

BUILD ?= build
BIN   ?= bin
SAN   ?=

CC  := gcc
CXX := g++
OPT ?= -O2
CFLAGS   := -std=c11 $(OPT) -g -Wall -Wextra -Werror -pthread -MMD -MP
CXXFLAGS := -std=c++17 $(OPT) -g -Wall -Wextra -Werror -pthread -MMD -MP
LDLIBS   := -lxapian -licuuc -ljansson -ldeflate -lz -pthread
ifneq ($(SAN),)
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  CFLAGS   += $(SANFLAGS)
  CXXFLAGS += $(SANFLAGS)
  LDFLAGS  += $(SANFLAGS)
endif

CORE_C   := $(wildcard src/*.c)
ENGINE_CC := $(wildcard src/engine/*.cc) $(wildcard src/engine/glass/*.cc)
CORE_OBJ := $(CORE_C:%.c=$(BUILD)/%.o) $(ENGINE_CC:%.cc=$(BUILD)/%.o)
CORE_LIB := $(BUILD)/liblede.a
INDEXER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard indexer/*.c))
DAEMON_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemon/*.c))
CLIENT_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard client/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
# Unit tests in C++ test the engine's own inner headers (-Isrc/engine).
UNIT_CC := $(wildcard tests/unit/test_*.cc)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) $(UNIT_CC:tests/unit/%.cc=$(BUILD)/tests/%)
# Test tools (tests/tools/*.cc): issue 20's database copier and comparer,
# run by tests/sh/test_glass*.sh, dbcompare and spellfreq by python tests
# too (test_boiler_order, test_shard_commit_fail, ...); `all` builds them,
# so that one test run alone (tests/run NAME) after `make all` finds them.
TOOL_BIN := $(patsubst tests/tools/%.cc,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.cc))
BENCH_BIN := $(BUILD)/bench/plain_index $(BUILD)/bench/measure $(BUILD)/bench/loadgen $(BUILD)/bench/httpgen $(BUILD)/bench/inproc \
             $(BUILD)/bench/libsearch $(BUILD)/bench/querycpu
REL_BIN   := $(BUILD)/bench/relrun $(BUILD)/bench/releval $(BUILD)/bench/fts5run \
             $(BUILD)/bench/plain_index $(BUILD)/bench/xapian_run
PEER_BIN  := $(BUILD)/bench/peers/jsonl2tsv $(BUILD)/bench/peers/sphinxql \
             $(BUILD)/bench/peers/fts5_index $(BUILD)/bench/peers/fts5_query

.PHONY: tools man install all deps deps-relevance deps-peers deps-browser deps-fuzz fuzz run test test-asan bench bench-index bench-query bench-http bench-facets bench-live bench-relevance bench-peers bench-shards bench-scale bench-fair crash clean

all: deps $(BIN)/lede-index $(BIN)/leded $(BIN)/lede $(TOOL_BIN)

# Installs only what is missing of the packages in $(1); apt-get update
# runs first on a fresh machine.
define apt_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_missing,$(DEB_PACKAGES))

deps-fuzz: deps
	$(call apt_missing,$(FUZZ_PACKAGES))

# Only the relevance benchmark needs SQLite (its FTS5 baseline).
deps-relevance: deps
	$(call apt_missing,$(REL_PACKAGES))

deps-peers: deps
	$(call apt_missing,$(PEER_PACKAGES))

deps-browser: deps
	$(call apt_missing,$(BROWSER_PACKAGES))

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The engine, the only C++ of the core library (src/engine/, behind engine.h).
$(BUILD)/src/engine/%.o: src/engine/%.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/lede-index: $(INDEXER_OBJ) $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The version lede_build_info reports (daemon/metrics.c).  metrics.o
# depends on a stamp holding it, rewritten only when it changes (a new
# commit, a tree made dirty or clean), so a new version rebuilds what
# embeds it and an unchanged one rebuilds nothing.
LEDE_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LEDE_VERSION)' | cmp -s - $@ || echo '$(LEDE_VERSION)' >$@
$(BUILD)/daemon/metrics.o: CFLAGS += -DLEDE_VERSION='"$(LEDE_VERSION)"'
$(BUILD)/daemon/metrics.o: $(BUILD)/version.stamp
.PHONY: FORCE
FORCE:

# The search page (web/index.html) as a C array, served at GET /.
WEBPAGE_OBJ := $(BUILD)/web/page.o
$(BUILD)/web/page.c: web/index.html web/embed.py
	@mkdir -p $(dir $@)
	python3 web/embed.py web/index.html $@

$(WEBPAGE_OBJ): $(BUILD)/web/page.c
	$(CC) $(CFLAGS) -c $< -o $@

$(BIN)/leded: $(DAEMON_OBJ) $(WEBPAGE_OBJ) $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -levent_core -levent_pthreads -levent_openssl -lssl -lcrypto

# The client links no engine: C alone, without Xapian (tests/py/test_layers.py
# keeps it from including engine.h; this link keeps it from calling it).
$(BIN)/lede: $(CLIENT_OBJ) $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson -ledit -lssl -lcrypto -pthread

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The metrics renderer is the daemon's; its unit test links it alone
# (before the library it calls).
$(BUILD)/tests/test_metrics: $(BUILD)/tests/test_metrics.o $(BUILD)/daemon/metrics.o $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The relevance measures live with the benchmarks (bench/eval.c), not in
# the core library; their unit test links them.
$(BUILD)/tests/test_eval: $(BUILD)/bench/eval.o

$(BUILD)/tests/tools/%: tests/tools/%.cc $(CORE_LIB) | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -Isrc/engine -o $@ $< $(CORE_LIB) $(LDLIBS)

tools: $(TOOL_BIN)

$(BUILD)/tests/%.o: tests/unit/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/unit/%.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -Isrc/engine -c $< -o $@

$(BUILD)/bench/plain_index: bench/plain_index.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/bench/inproc: $(BUILD)/bench/inproc.o $(BUILD)/bench/drive.o
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/inproc.o: bench/inproc.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/bench/libsearch: $(BUILD)/bench/libsearch.o $(BUILD)/bench/drive.o $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/querycpu: $(BUILD)/bench/querycpu.o $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/loadgen: $(BUILD)/bench/loadgen.o $(BUILD)/bench/drive.o $(BUILD)/bench/netdial.o
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -lssl -lcrypto

$(BUILD)/bench/httpgen: $(BUILD)/bench/httpgen.o $(BUILD)/bench/drive.o $(BUILD)/bench/netdial.o
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -lssl -lcrypto

$(patsubst bench/peers/%.c,$(BUILD)/bench/peers/%.o,$(wildcard bench/peers/*.c)): | deps-peers
$(BUILD)/bench/peers/sphinxql.o: CFLAGS += -I/usr/include/mariadb

$(BUILD)/bench/peers/jsonl2tsv: $(BUILD)/bench/peers/jsonl2tsv.o $(BUILD)/bench/peers/jsonl.o
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson -lz

$(BUILD)/bench/peers/fts5_index: $(BUILD)/bench/peers/fts5_index.o $(BUILD)/bench/peers/jsonl.o
	$(CC) $(LDFLAGS) -o $@ $^ -lsqlite3 -ljansson -lz

$(BUILD)/bench/peers/fts5_query: $(BUILD)/bench/peers/fts5_query.o $(BUILD)/bench/drive.o
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -lsqlite3

$(BUILD)/bench/peers/sphinxql: $(BUILD)/bench/peers/sphinxql.o $(BUILD)/bench/drive.o
	$(CC) $(LDFLAGS) -pthread -o $@ $^ -lmariadb

$(BUILD)/bench/measure: bench/measure.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/bench/relrun: bench/relrun.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/bench/releval: $(BUILD)/bench/releval.o $(BUILD)/bench/eval.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BUILD)/bench/xapian_run: bench/xapian_run.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/bench/fts5run: bench/fts5run.c | deps-relevance
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lsqlite3 -ljansson

# Sets up, builds, indexes the bundled corpus and serves it in the
# foreground on 127.0.0.1:7411, and over HTTP on 127.0.0.1:7412 (Ctrl-C
# stops it).
run: all
	$(BIN)/lede-index --index var/corpus.idx corpus
	@echo
	@echo "Serving corpus/ on 127.0.0.1:7411 and http://127.0.0.1:7412/; in another terminal try:"
	@echo "    bin/lede drought        bin/lede '\"elena marsh\"'        bin/lede -i"
	@echo "    curl 'http://127.0.0.1:7412/search?q=drought&limit=3'"
	@echo
	$(BIN)/leded --index var/corpus.idx --http 127.0.0.1:7412

# Two tests at a time (tests/run: each one's report kept and printed in
# order; those marked "alone" run with nothing beside them);
# LEDE_TEST_JOBS=1 runs them one at a time.
LEDE_TEST_JOBS ?= 2
test: all $(UNIT_BIN) $(TOOL_BIN)
	@LEDE_BIN=$(BIN) LEDE_BUILD=$(BUILD) LEDE_TEST_JOBS=$(LEDE_TEST_JOBS) bash tests/run

# The same suite, built with AddressSanitizer and UBSan in its own tree.
# new_delete_type_mismatch is off because libxapian's own Database::check()
# deletes a table object through a base of another size (inside the
# library, not in lede; seen with Debian's 1.4.22).
test-asan: deps
	@ASAN_OPTIONS=new_delete_type_mismatch=0:detect_leaks=1 LEDE_TEST_QUICK=1 \
	  $(MAKE) --no-print-directory BUILD=build-asan BIN=bin-asan SAN=1 OPT=-O1 test

bench: bench-index bench-query bench-live bench-relevance

bench-index: all $(BENCH_BIN)
	bash bench/index.sh

bench-query: all $(BENCH_BIN)
	bash bench/query.sh

# Not part of `bench`: the Reuters mix over HTTP beside the line protocol
# (issue 18); writes bench/results/http.md.
bench-http: all $(BUILD)/bench/loadgen $(BUILD)/bench/httpgen
	bash bench/http.sh

# Facets on the 500,000-article scaled collection (Reuters' are bench-query's).
bench-facets: all $(BENCH_BIN)
	bash bench/facets.sh

bench-live: all $(BENCH_BIN)
	python3 bench/live.py

# IR=path/to/collection (docs.jsonl, queries.tsv, qrels.tsv) for one
# collection; default: every collection under ../shared/corpus/ir/.
bench-relevance: all $(REL_BIN)
	bash bench/relevance.sh $(IR)

# Not part of `bench`: installs Sphinx search, libmariadb and SQLite first.
bench-peers: all $(BENCH_BIN) $(PEER_BIN)
	bash bench/peers.sh

# Not part of `bench` nor CI (hours, ~30 GB of scratch): issue 22's growth
# from 500,000 to 2,000,000 articles (SCALES="N ...", SCALE=10000000 adds
# one), lede beside Sphinx; writes bench/results/scale.md.
bench-scale: all $(BENCH_BIN) $(PEER_BIN)
	bash bench/scale.sh

# Not part of `bench`: the good clients' p99 under issue 16's floods as a
# ratio of their unloaded p99 (the load of tests/py/test_fair_load.py,
# tests/py/fairload.py); writes bench/results/fair.md.
bench-fair: all
	python3 bench/fair.py

# Not part of `bench` either: lede's remote shards (xapian-tcpsrv) beside
# Sphinx's distributed index (issue 15); needs the peers' packages too.
bench-shards: all $(BENCH_BIN) $(PEER_BIN)
	bash bench/shards.sh

# Not part of `test` (a long job): kill -9 at random points of builds,
# incremental runs, compactions, watch mode and leded's ingest, 100 in
# all, each checked; writes bench/results/crash.md.
crash: all
	bash bench/crash.sh

# libFuzzer targets (tests/fuzz/): the protocol line parser, the query
# front end, the two article layouts, the docstore decoder and leded's HTTP
# request head parser (daemon/http_parse.c, linked alone), each run for
# FUZZ_SECONDS (or FUZZ_RUNS executions if sooner) from its seed corpus in
# tests/fuzz/corpus/<target>/; the core library is built again with clang
# and coverage in build-fuzz/.  Results: bench/results/fuzz.md.
FUZZ_TARGETS := proto query article_text article_json docstore http
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
# Targets run at a time, each for its whole FUZZ_SECONDS (two cores, two).
FUZZ_JOBS ?= 2
FUZZ_BUILD := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Wall -Wextra -Werror -pthread -MMD -MP
FUZZ_OBJ := $(CORE_C:%.c=$(FUZZ_BUILD)/%.o) $(ENGINE_CC:%.cc=$(FUZZ_BUILD)/%.o)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/src/%.o: src/%.c | deps-fuzz
	@mkdir -p $(dir $@)
	clang-14 -std=c11 $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/src/engine/%.o: src/engine/%.cc | deps-fuzz
	@mkdir -p $(dir $@)
	clang++-14 -std=c++17 $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/liblede.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%.o: tests/fuzz/fuzz_%.c | deps-fuzz
	@mkdir -p $(dir $@)
	clang-14 -std=c11 $(FUZZ_CFLAGS) -c $< -o $@

# The two article layouts: one source (tests/fuzz/fuzz_article.c), built
# once for each with the layout it feeds.
$(FUZZ_BUILD)/fuzz_article_text.o $(FUZZ_BUILD)/fuzz_article_json.o: \
$(FUZZ_BUILD)/fuzz_article_%.o: tests/fuzz/fuzz_article.c | deps-fuzz
	@mkdir -p $(dir $@)
	clang-14 -std=c11 $(FUZZ_CFLAGS) -DFUZZ_LAYOUT=ARTICLE_$(shell echo $* | tr a-z A-Z) -c $< -o $@

$(FUZZ_BUILD)/daemon/http_parse.o: daemon/http_parse.c | deps-fuzz
	@mkdir -p $(dir $@)
	clang-14 -std=c11 $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_http: $(FUZZ_BUILD)/fuzz_http.o $(FUZZ_BUILD)/daemon/http_parse.o $(FUZZ_BUILD)/liblede.a
	clang++-14 $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz_%.o $(FUZZ_BUILD)/liblede.a
	clang++-14 $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@FUZZ_JOBS=$(FUZZ_JOBS) bash tests/fuzz/run.sh "$(FUZZ_BUILD)" "$(FUZZ_SECONDS)" "$(FUZZ_RUNS)" $(FUZZ_TARGETS)

# Man pages, made from README.md's sections of the same names
# (man/readme2man.py), so that the README and the pages cannot drift.
MAN_PAGES := $(BUILD)/man/lede.1 $(BUILD)/man/lede-index.1 $(BUILD)/man/leded.8

man: $(MAN_PAGES)

$(BUILD)/man/%: README.md man/readme2man.py
	@mkdir -p $(dir $@)
	python3 man/readme2man.py README.md $* $@

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, their man
# pages and the systemd unit (its ExecStart pointed at PREFIX/bin).
PREFIX ?= /usr/local
DESTDIR ?=
UNITDIR ?= $(PREFIX)/lib/systemd/system

# INSTALL_NEEDS: what install builds first; tests/py/test_man.py installs
# the programs tests/run already built (INSTALL_NEEDS=man), so that a
# source edited during a test run is not relinked under the other tests.
INSTALL_NEEDS ?= all man
install: $(INSTALL_NEEDS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BIN)/lede $(BIN)/lede-index $(BIN)/leded $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/man/lede.1 $(BUILD)/man/lede-index.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(BUILD)/man/leded.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed 's|/usr/local/bin/leded|$(PREFIX)/bin/leded|' docs/leded.service \
	  >$(DESTDIR)$(UNITDIR)/leded.service
	chmod 644 $(DESTDIR)$(UNITDIR)/leded.service

# The objects of the unit tests and of the fuzz targets are made by a
# chain of pattern rules; kept, so that the next make does not compile
# them again (their .d files name them, which makes a missing one stale).
.SECONDARY: $(UNIT_BIN:%=%.o) $(FUZZ_BIN:%=%.o)

clean:
	rm -rf build build-asan build-fuzz bin bin-asan var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
