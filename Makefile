# blis - build, test and check. See README.md.
#
#   make            build the tools (./simulation_worker)
#   make test       build and run the test runner
#   make check      compile matrix, lint, tests under ASan+UBSan, under
#                   valgrind, the bad-input corpus (sanitized tools, valgrind),
#                   a static musl build, then the plain tests
#   make fuzz       libFuzzer targets, each run FUZZ_SECONDS (default 60)
#   make bench      parser, number, roofline and engine benchmarks
#   make soak       10 million requests at a sustainable rate (time, peak RSS)
#   make install    PREFIX=/usr/local (DESTDIR honoured): bin/, include/blis-sim/,
#                   lib/libblis-sim.so, lib/pkgconfig/blis-sim.pc, share/blis-sim/
#   make shared     build/libblis-sim.so (the library the Python package loads)
#   make static     static (musl) tools in build/static/
#   make examples   build and run examples/ (C, C++, Python; gcc, clang, musl)
#   make test-python  the Python package against the tools (and pip install)
#   make lint       clang-format check, cppcheck, clang-tidy

CC      ?= cc
CLANG   ?= clang
CXX     ?= c++
MUSLCC  ?= musl-gcc
PREFIX  ?= /usr/local
FUZZ_SECONDS ?= 60

WARN = -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wcast-qual -Wwrite-strings -Wundef -Wformat=2 -Wconversion
# Determinism: no contraction of a*b+c into FMA, never -ffast-math.
DET  = -ffp-contract=off
OPT ?= -O2
CFLAGS_ALL = $(WARN) $(DET) $(OPT) $(CFLAGS)
# The runner and tests use POSIX (popen, opendir) on top of the ISO C library.
# Failure messages are truncated on purpose (bounded buffers): -Wno-format-truncation.
TEST_CFLAGS = $(WARN) $(DET) -D_POSIX_C_SOURCE=200809L -Wno-missing-prototypes -Wno-format-truncation $(CFLAGS)

HEADERS = blis.h blis_fetch.h
TOOLS   = simulation_worker transformer_roofline_analyzer
# simulation_worker: one compiled unit per command family (tools/simulation_worker.h lists them).
SW_SRC  = tools/simulation_worker.c tools/sw_common.c tools/sw_engine.c tools/sw_plan.c tools/sw_eval.c \
          tools/sw_tools.c tools/cli_common.c tools/blis_impl.c
SW_HDR  = tools/simulation_worker.h tools/cli_common.h
TRA_SRC = tools/transformer_roofline_analyzer.c tools/cli_common.c
TEST_SRC = $(wildcard tests/test_*.c) tests/runner.c tests/test.h tests/fuzz/fuzz_common.h tests/fuzz/fuzz_argv.h tools/gen_rng_tables.c \
           $(SW_SRC) $(SW_HDR)
FUZZ_TARGETS = json yaml csv number gzip bench argv svg profile rows
VERSION = $(shell sed -n 's/^\#define BLIS_VERSION  *"\(.*\)"/\1/p' blis.h)

# Same inputs, same bytes: the tools built by gcc and by clang print identical output.
DET_STEP = step --model qwen3-14b --hardware H100 --tp 2 --prefill 100+900 --decode 4096x32
DET_TRA = --input-tokens 512 1024 --hardware H100 --json -- mixtral-8x7b-v0.1

.PHONY: shared examples test-python static gen-rng-tables test-install determinism all test check matrix test-asan test-valgrind test-bad-inputs test-musl lint fuzz bench soak install clean

all: $(TOOLS)

TOOL_DEFS = -DBLIS_DATA_DIR_DEFAULT='"$(PREFIX)/share/blis-sim"'

simulation_worker: $(SW_SRC) $(SW_HDR) $(HEADERS)
	$(CC) $(CFLAGS_ALL) $(TOOL_DEFS) -o $@ $(SW_SRC) -lm

transformer_roofline_analyzer: $(TRA_SRC) tools/cli_common.h $(HEADERS)
	$(CC) $(CFLAGS_ALL) $(TOOL_DEFS) -o $@ $(TRA_SRC) -lm

# The shared library libblis-sim: every BLIS_DEF function of blis.h and
# blis_fetch.h, and blis_binding_call for ctypes (python/blis_sim).
shared: build/libblis-sim.so
build/libblis-sim.so: tools/libblis_sim.c $(HEADERS)
	@mkdir -p build
	$(CC) $(CFLAGS_ALL) -fPIC -shared -Wl,-soname,libblis-sim.so.0 -o $@ tools/libblis_sim.c -lm

# The examples, built and run: C with gcc, clang and static musl; C++ (two
# translation units) with g++ and clang++, printing what the C one prints;
# the header's QUICK START extracted and equal to examples/c/quickstart.c;
# the Python rate sweep over the shared library.
examples: build/libblis-sim.so $(TOOLS)
	@mkdir -p build/examples
	sed -n '/^ \* QUICK START/,/^ \*   The options are/p' blis.h | \
	    sed -e '1,2d' -e '$$d' -e 's/^ \*   //' -e 's/^ \*$$//' > build/examples/quickstart_from_header.c
	cmp build/examples/quickstart_from_header.c examples/c/quickstart.c
	for cc in gcc clang; do \
	  $$cc $(WARN) $(DET) -O2 -I. -o build/examples/quickstart_$$cc build/examples/quickstart_from_header.c -lm || exit 1; \
	  ./build/examples/quickstart_$$cc | grep -q '"ttft_mean_ms"' || exit 1; \
	  $$cc $(WARN) $(DET) -O2 -I. -o build/examples/simulate_$$cc examples/c/simulate.c -lm || exit 1; \
	  ./build/examples/simulate_$$cc > build/examples/simulate_$$cc.txt || exit 1; \
	done
	cmp build/examples/simulate_gcc.txt build/examples/simulate_clang.txt
	$(MUSLCC) $(WARN) $(DET) -O2 -static -I. -o build/examples/simulate_musl examples/c/simulate.c -lm
	./build/examples/simulate_musl | cmp - build/examples/simulate_gcc.txt
	head -1 build/examples/simulate_gcc.txt > build/examples/simulate_line.txt
	for cxx in g++ clang++; do \
	  $$cxx -std=c++11 -Wall -Wextra -Werror -pedantic -O2 -ffp-contract=off -I. -o build/examples/simulate_$$cxx \
	    examples/cpp/main.cpp examples/cpp/blis_impl.cpp || exit 1; \
	  ./build/examples/simulate_$$cxx | cmp - build/examples/simulate_line.txt || exit 1; \
	done
	BLIS_SIM_LIBRARY=build/libblis-sim.so BLIS_DATA_DIR=data PYTHONPATH=python python3 examples/python/rate_sweep.py \
	    | grep -q 'highest rate within the SLOs'
	@echo "examples: ok"

# The Python package: its tests over build/libblis-sim.so, then (where
# python3 -m venv works) `pip install ./python` into a fresh environment
# and the README's one-liner from another directory, equal to the CLI.
test-python: build/libblis-sim.so $(TOOLS)
	python3 tests/python/test_blis_sim.py
	sh tests/python/pip_install.sh

# Static tools (musl): build/static/ copies anywhere (a container, a cluster
# volume); they find their data through BLIS_DATA_DIR or beside themselves.
static: $(SW_SRC) $(SW_HDR) $(TRA_SRC) $(HEADERS)
	@mkdir -p build/static
	$(MUSLCC) $(CFLAGS_ALL) $(TOOL_DEFS) -static -o build/static/simulation_worker $(SW_SRC) -lm
	$(MUSLCC) $(CFLAGS_ALL) $(TOOL_DEFS) -static -o build/static/transformer_roofline_analyzer $(TRA_SRC) -lm

build/tests.inc: $(wildcard tests/test_*.c)
	@mkdir -p build
	sed -n -e 's/^TEST(\([A-Za-z0-9_]*\)).*/X_TEST(\1)/p' -e 's/^TABLE(\([A-Za-z0-9_]*\),.*/X_TABLE(\1)/p' \
	    -e 's/^TABLE_DYNAMIC(\([A-Za-z0-9_]*\)).*/X_TABLE(\1)/p' $(sort $(wildcard tests/test_*.c)) > $@

build/runner: $(TEST_SRC) $(HEADERS) build/tests.inc
	$(CC) $(TEST_CFLAGS) -O1 -Ibuild -o $@ tests/runner.c -lm

test: build/runner $(TOOLS)
	./build/runner

# ---- make check ----

check: matrix lint determinism test-install test-asan test-valgrind test-bad-inputs test-musl examples test-python
	$(MAKE) --no-print-directory test

MATRIX_C = $(WARN) $(DET) -fsyntax-only
matrix:
	@mkdir -p build
	@for cc in gcc clang; do \
	  for mode in "" "-DBLIS_IMPLEMENTATION" "-DBLIS_IMPLEMENTATION -DBLIS_STATIC"; do \
	    echo "matrix: $$cc $$mode"; \
	    $$cc $(MATRIX_C) $$mode -x c tests/compile/use.c || exit 1; \
	    $$cc $(MATRIX_C) $$mode -x c tests/compile/core.c || exit 1; \
	  done; \
	  $$cc $(WARN) $(DET) -c -o build/m_impl.o tests/compile/impl.c || exit 1; \
	  $$cc $(WARN) $(DET) -c -o build/m_use.o tests/compile/use.c || exit 1; \
	  $$cc -o build/m_link build/m_impl.o build/m_use.o -lm && ./build/m_link || exit 1; \
	done
	@for cxx in g++ clang++; do \
	  for mode in "" "-DBLIS_IMPLEMENTATION" "-DBLIS_IMPLEMENTATION -DBLIS_STATIC"; do \
	    echo "matrix: $$cxx $$mode"; \
	    $$cxx -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only $$mode -x c++ tests/compile/use.c || exit 1; \
	    $$cxx -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only $$mode -x c++ tests/compile/core.c || exit 1; \
	  done; \
	done
	@echo "matrix: ok"

determinism: $(TOOLS)
	@mkdir -p build
	$(CLANG) $(CFLAGS_ALL) $(TOOL_DEFS) -o build/simulation_worker_clang $(SW_SRC) -lm
	$(CLANG) $(CFLAGS_ALL) $(TOOL_DEFS) -o build/transformer_roofline_analyzer_clang $(TRA_SRC) -lm
	BLIS_DATA_DIR=data ./simulation_worker $(DET_STEP) > build/det_gcc.txt
	BLIS_DATA_DIR=data ./build/simulation_worker_clang $(DET_STEP) | cmp - build/det_gcc.txt
	BLIS_DATA_DIR=data ./transformer_roofline_analyzer $(DET_TRA) > build/det_tra_gcc.txt
	BLIS_DATA_DIR=data ./build/transformer_roofline_analyzer_clang $(DET_TRA) | cmp - build/det_tra_gcc.txt
	@echo "determinism: gcc and clang builds print identical bytes"

# The sanitizer build of the runner and the tools (ASan + UBSan, exact arena blocks).
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1 -DBLIS_ARENA_EXACT
test-asan: $(TEST_SRC) $(HEADERS) build/tests.inc simulation_worker
	$(CLANG) $(TEST_CFLAGS) -Wno-unknown-warning-option $(SAN) -Ibuild -o build/runner_asan tests/runner.c -lm
	ASAN_OPTIONS=detect_leaks=1 ./build/runner_asan -q

VALGRIND_TOOL = valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
test-valgrind: build/runner simulation_worker
	$(VALGRIND_TOOL) ./build/runner -q

# The bad-input corpus against the tools built with ASan+UBSan, then under valgrind.
test-bad-inputs: build/runner $(TOOLS)
	@mkdir -p build/san
	$(CLANG) $(WARN) $(DET) -Wno-unknown-warning-option $(SAN) $(TOOL_DEFS) -o build/san/simulation_worker $(SW_SRC) -lm
	$(CLANG) $(WARN) $(DET) -Wno-unknown-warning-option $(SAN) $(TOOL_DEFS) -o build/san/transformer_roofline_analyzer $(TRA_SRC) -lm
	BLIS_DATA_DIR=data ASAN_OPTIONS=detect_leaks=1 BLIS_SW=build/san/simulation_worker BLIS_TRA=build/san/transformer_roofline_analyzer \
	    ./build/runner -q -t bad_inputs
	BLIS_TOOL_WRAPPER="$(VALGRIND_TOOL)" ./build/runner -q -t bad_inputs

test-musl: $(TEST_SRC) $(HEADERS) build/tests.inc $(TOOLS)
	$(MUSLCC) $(CFLAGS_ALL) -static -o build/simulation_worker_musl $(SW_SRC) -lm
	$(MUSLCC) $(CFLAGS_ALL) -static -o build/transformer_roofline_analyzer_musl $(TRA_SRC) -lm
	$(MUSLCC) $(TEST_CFLAGS) -O1 -static -Ibuild -o build/runner_musl tests/runner.c -lm
	file build/simulation_worker_musl | grep -q 'statically linked'
	./build/simulation_worker_musl --version
	./build/transformer_roofline_analyzer_musl --input-tokens 16 -- data/model_configs/qwen3-14b/config.json > build/tra_musl.txt
	./transformer_roofline_analyzer --input-tokens 16 -- data/model_configs/qwen3-14b/config.json | cmp - build/tra_musl.txt
	BLIS_DATA_DIR=data ./build/simulation_worker_musl step --model qwen3-14b --hardware H100 --tp 2 \
	    --prefill 100+900 --decode 4096x32 > build/step_musl.txt
	BLIS_DATA_DIR=data ./simulation_worker step --model qwen3-14b --hardware H100 --tp 2 \
	    --prefill 100+900 --decode 4096x32 | cmp - build/step_musl.txt
	./build/runner_musl -q

LINT_FILES = blis.h blis_fetch.h tools/*.c tools/*.h tests/*.c tests/*.h tests/fuzz/*.c tests/fuzz/*.h tests/compile/*.c
lint:
	clang-format --dry-run --Werror $(LINT_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance --std=c99 --inline-suppr \
	    --suppress=missingIncludeSystem $(SW_SRC) tools/transformer_roofline_analyzer.c tests/compile/impl.c
	clang-tidy --quiet $(SW_SRC) tools/transformer_roofline_analyzer.c tests/compile/impl.c -- $(WARN) $(DET)

# ---- fuzzing ----

fuzz: $(foreach t,$(FUZZ_TARGETS),build/fuzz_$(t))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  dict=""; if [ -f tests/fuzz/dict/$$t.dict ]; then dict="-dict=tests/fuzz/dict/$$t.dict"; fi; \
	  ./build/fuzz_$$t $$dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	      -print_final_stats=1 build/corpus/$$t tests/fuzz/corpus/$$t > build/fuzz_$$t.log 2>&1; rc=$$?; \
	  grep -E 'stat::number_of_executed_units|cov:' build/fuzz_$$t.log | tail -2; \
	  if [ $$rc -ne 0 ]; then grep -E 'ERROR|SUMMARY|property violated|Test unit written' build/fuzz_$$t.log; \
	    echo "fuzz: $$t found a problem (build/fuzz_$$t.log); keep the input in tests/fuzz/corpus/$$t"; exit 1; fi; \
	done

FUZZ_CFLAGS = -g -O1 -DBLIS_ARENA_EXACT -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build/fuzz_argv: tests/fuzz/fuzz_argv.c tests/fuzz/fuzz_argv.h tools/sw_common.c tools/cli_common.c $(SW_HDR) $(HEADERS)
	@mkdir -p build
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< -lm

# the sweep row reader: the plan unit with the tool's other units (not its main)
FUZZ_ROWS_UNITS = $(filter-out tools/simulation_worker.c tools/sw_plan.c,$(SW_SRC))
build/fuzz_rows: tests/fuzz/fuzz_rows.c tools/sw_plan.c $(SW_SRC) $(SW_HDR) $(HEADERS)
	@mkdir -p build
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_ROWS_UNITS) -lm

build/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(HEADERS)
	@mkdir -p build
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< -lm

# ---- generated tables ----

# Regenerates the RNG tables of blis.h (the tests check they match).
gen-rng-tables: tools/gen_rng_tables.c
	@mkdir -p build
	$(CC) -std=c99 -O2 -o build/gen_rng_tables tools/gen_rng_tables.c -lm
	./build/gen_rng_tables

# ---- benchmarks ----

# The engine benchmarks pair every case with a baseline binary: the commit
# BENCH_BASE (default HEAD~1) built into build/bench_base/, or
# BLIS_BENCH_BASELINE=PATH to an existing simulation_worker (none outside a
# git checkout: the new binary alone).
BENCH_BASE ?= HEAD~1
bench: build/bench build/bench_engine simulation_worker
	./build/bench
	@baseline="$$BLIS_BENCH_BASELINE"; \
	if [ -z "$$baseline" ] && rm -rf build/bench_base && mkdir -p build/bench_base && \
	   git archive $(BENCH_BASE) blis.h blis_fetch.h tools 2>/dev/null | tar -x -C build/bench_base && \
	   (cd build/bench_base && $(CC) $(CFLAGS_ALL) $(TOOL_DEFS) -o simulation_worker tools/simulation_worker.c \
	       $$(ls tools/sw_*.c tools/cli_common.c tools/blis_impl.c 2>/dev/null) -lm); \
	   then baseline=build/bench_base/simulation_worker; \
	elif [ -z "$$baseline" ]; then echo "no baseline: $(BENCH_BASE) could not be built from git"; baseline=-; fi; \
	./build/bench_engine ./simulation_worker "$$baseline" $(BENCH_FLAGS)

# 10 million requests at rate 20 to completion: wall time and peak RSS (minutes).
soak: build/bench_engine simulation_worker
	./build/bench_engine ./simulation_worker --soak

build/bench_engine: tests/bench_engine.c
	@mkdir -p build
	$(CC) $(WARN) -O2 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -o $@ tests/bench_engine.c

build/bench: tests/bench.c $(HEADERS)
	@mkdir -p build
	$(CC) $(WARN) $(DET) -O2 -D_POSIX_C_SOURCE=200809L -Wno-missing-prototypes -o $@ tests/bench.c -lm

# ---- install ----

# An install into build/ works from another directory, found by pkg-config
# (a C program built against it runs with its data).
test-install:
	rm -rf build/inst
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/build/inst > /dev/null
	cd / && $(CURDIR)/build/inst/bin/simulation_worker step --model qwen3-14b --hardware H100 | grep -q '"step_time_us"'
	PKG_CONFIG_PATH=$(CURDIR)/build/inst/lib/pkgconfig pkg-config --modversion blis-sim | grep -qx '$(VERSION)'
	test -f build/inst/include/blis-sim/blis.h && test ! -e build/inst/include/blis.h
	$(CC) -std=c99 -O2 $$(PKG_CONFIG_PATH=$(CURDIR)/build/inst/lib/pkgconfig pkg-config --cflags blis-sim) \
	    -o build/inst_simulate examples/c/simulate.c -lm
	cd / && $(CURDIR)/build/inst_simulate $$(PKG_CONFIG_PATH=$(CURDIR)/build/inst/lib/pkgconfig pkg-config \
	    --variable=datadir blis-sim) | grep -q 'TTFT mean'
	printf '#include "blis.h"\nint main(void) { blis_run_options o; blis_run_options_init(&o); blis_run_options_free(&o); return 0; }\n' \
	    > build/inst_shared.c
	$(CC) -std=c99 $$(PKG_CONFIG_PATH=$(CURDIR)/build/inst/lib/pkgconfig pkg-config --cflags blis-sim) \
	    -o build/inst_shared build/inst_shared.c \
	    $$(PKG_CONFIG_PATH=$(CURDIR)/build/inst/lib/pkgconfig pkg-config --libs blis-sim) -Wl,-rpath,$(CURDIR)/build/inst/lib
	./build/inst_shared
	@echo "test-install: ok"

# The installed tools are compiled for PREFIX (they look for
# PREFIX/share/blis-sim). Names that cannot clash with Debian's libblis-dev
# (the BLAS library): include/blis-sim/, blis-sim.pc, libblis-sim.
install: build/libblis-sim.so
	@test -n "$(VERSION)" || { echo "install: cannot read BLIS_VERSION from blis.h"; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/include/blis-sim $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/blis-sim \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig build/install
	$(CC) $(CFLAGS_ALL) -DBLIS_DATA_DIR_DEFAULT='"$(PREFIX)/share/blis-sim"' -o build/install/simulation_worker $(SW_SRC) -lm
	$(CC) $(CFLAGS_ALL) -DBLIS_DATA_DIR_DEFAULT='"$(PREFIX)/share/blis-sim"' -o build/install/transformer_roofline_analyzer \
	    $(TRA_SRC) -lm
	install -m 0644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/blis-sim/
	install -m 0755 $(addprefix build/install/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 build/libblis-sim.so $(DESTDIR)$(PREFIX)/lib/libblis-sim.so.$(VERSION)
	ln -sf libblis-sim.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libblis-sim.so.0
	ln -sf libblis-sim.so.0 $(DESTDIR)$(PREFIX)/lib/libblis-sim.so
	cp -R data/. $(DESTDIR)$(PREFIX)/share/blis-sim/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' blis-sim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/blis-sim.pc

clean:
	rm -rf build $(TOOLS)
