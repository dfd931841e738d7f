# Tunely — the two entry points of README.md:
#   make run    install what is missing, build, start the server on SQLite
#   make test   install what is missing, build, run every test (what CI runs: .ci/run)
# Everything else here is a step of those two, or a longer run of one:
#   build          g++ Release build in build/: the binary `make run` starts and the TypeScript and console
#                  suites drive
#   test-cpp       the C++ suite (ctest) against build/
#   build-asan     clang-16 build with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/
#   test-sanitize  the C++ suite against build-asan/ (the e2e tests spawn that build's sanitized `tunely`);
#                  a sanitizer report from any process, test or child, fails it
#   test-tsan      the same with ThreadSanitizer in build-tsan/ (on demand, not in `make test`)
#   test-tsan-server  the multi-threaded server (build-tsan/'s `tunely` only) under the release build's e2e
#                  suites where its threads meet (part of `make test`)
#   build-fuzz     the libFuzzer targets of cpp/fuzz/ (clang-16, ASan+UBSan) and their seeds in build-fuzz/
#   fuzz-smoke     every fuzz target for FUZZ_SMOKE_SECONDS (bounded, part of `make test`)
#   fuzz           every fuzz target for FUZZ_SECONDS each (a longer local run; the corpus grows between runs)
#   test-ts        the TypeScript SDK's suite;  test-console  the admin console's suites;  console  its build
#   bench          bench/run.sh;  clean  removes the build directories

BUILD     ?= build
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=Release
JOBS      ?= $(shell nproc)
TUNELY    := $(BUILD)/apps/tunely/tunely

# Sanitizer and fuzz builds: clang-16 (clang 14, the default clang, fails on Asio coroutine code with -g or
# -fsanitize). -O1 with line tables: stack traces with file:line at a fraction of full -g's compile time and
# memory; no NDEBUG, so Asio/Beast/our assertions are checked too.
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
CLANG_ENV   := CC=clang-16 CXX=clang++-16
CLANG_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only"
# Stack traces with file:line (llvm-16, installed by scripts/install-deps.sh).
SYMBOLIZER  := /usr/lib/llvm-16/bin/llvm-symbolizer
FUZZ_SECONDS       ?= 600
FUZZ_SMOKE_SECONDS ?= 20

.PHONY: run test deps build console test-cpp test-ts test-console bench clean \
        build-asan test-sanitize build-tsan test-tsan test-tsan-server build-fuzz fuzz fuzz-smoke

run: deps build console
	mkdir -p data
	$(TUNELY) server --host $${TUNELY_HOST:-0.0.0.0} --port $${TUNELY_PORT:-8080}

# The C++ suite runs twice: against the g++ Release build that ships (and that the TypeScript and console
# suites drive), and sanitized; then the fuzzers for a bounded time. Cold on 2 cores the sanitizer and fuzz
# parts add about 9 minutes (clang ASan build 7.2, its suite 0.5, fuzz build 0.5, smoke 1.1).
test: deps build console test-cpp test-sanitize test-tsan-server fuzz-smoke test-ts test-interop test-console

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S cpp -B $(BUILD) -G Ninja $(CMAKE_ARGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# PostgreSQL and MariaDB run for the duration of the suite (throw-away data).
test-cpp: build
	./scripts/with-test-databases.sh sh -c 'cd $(BUILD) && ctest --output-on-failure --timeout 300 -j $(JOBS)'

# --- Sanitizers: the C++ suite built with clang-16 ASan+UBSan (cpp/cmake/TunelyOptions.cmake TUNELY_SANITIZE
# instruments every target, the Asio/Beast implementation and the spawned `tunely` included).
# Reports go to files (log_path), not stderr: the e2e tests' children (the server and client under test)
# have their stderr captured, and a report there must fail the run as one in a test process does; every
# report is printed after ctest. detect_stack_use_after_return: a coroutine or callback still using the stack
# frame of a function that has returned. quarantine_size_mb=8 (default 256): freed memory ASan holds back to
# catch late uses would otherwise count in the server's RSS, which the hostile_memory and ping_flood tests bound
# (64 MiB above idle; peak growth is ~25 MiB sanitized with 8, ~330 MiB with 256). LeakSanitizer runs at every
# process exit (suppressions: see the file).
SAN_LOGS = $(abspath $(ASAN_BUILD))/sanitizer-logs
SAN_ENV  = ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:quarantine_size_mb=8:external_symbolizer_path=$(SYMBOLIZER):log_path=$(SAN_LOGS)/asan \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:external_symbolizer_path=$(SYMBOLIZER):log_path=$(SAN_LOGS)/ubsan \
           LSAN_OPTIONS=suppressions=$(abspath cpp/sanitizer/lsan.supp):print_suppressions=0

$(ASAN_BUILD)/build.ninja:
	$(CLANG_ENV) cmake -S cpp -B $(ASAN_BUILD) -G Ninja $(CLANG_FLAGS) -DTUNELY_SANITIZE=address,undefined

build-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Like test-cpp, with the databases; a longer per-test timeout: sanitized code runs 2-3x slower.
test-sanitize: build-asan
	rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	status=0; $(SAN_ENV) ./scripts/with-test-databases.sh sh -c 'cd $(ASAN_BUILD) && ctest --output-on-failure --timeout 600 -j $(JOBS)' || status=1; \
	if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
	  echo "=== sanitizer reports ($(SAN_LOGS)):"; for f in $(SAN_LOGS)/*; do echo "--- $$f"; cat "$$f"; done; status=1; \
	fi; exit $$status

# ThreadSanitizer, the whole suite (on demand: +4.5 min build and +1.2 min suite cold, which would leave CI with
# almost no margin under its 25 minutes; `make test` runs test-tsan-server below). Same report handling as
# test-sanitize.
TSAN_BUILD ?= build-tsan
TSAN_LOGS   = $(abspath $(TSAN_BUILD))/sanitizer-logs

$(TSAN_BUILD)/build.ninja:
	$(CLANG_ENV) cmake -S cpp -B $(TSAN_BUILD) -G Ninja $(CLANG_FLAGS) -DTUNELY_SANITIZE=thread

build-tsan: $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS)

test-tsan: build-tsan
	rm -rf $(TSAN_LOGS) && mkdir -p $(TSAN_LOGS)
	status=0; TSAN_OPTIONS=second_deadlock_stack=1:external_symbolizer_path=$(SYMBOLIZER):log_path=$(TSAN_LOGS)/tsan \
	  ./scripts/with-test-databases.sh sh -c 'cd $(TSAN_BUILD) && ctest --output-on-failure --timeout 600 -j $(JOBS)' || status=1; \
	if [ -n "$$(ls -A $(TSAN_LOGS))" ]; then \
	  echo "=== sanitizer reports ($(TSAN_LOGS)):"; for f in $(TSAN_LOGS)/*; do echo "--- $$f"; cat "$$f"; done; status=1; \
	fi; exit $$status

# The multi-threaded server under ThreadSanitizer (part of `make test`): only the `tunely` binary is built with
# it (about 90 translation units, not the 187 of the whole suite), and the release build's e2e tests drive it
# (TUNELY_BINARY) through the suites where its I/O threads meet: sessions and callers on different threads,
# TCP/UDP listeners, the admin API, shutdown. Same report handling as test-sanitize.
TSAN_SERVER_TESTS := server_threads|tunnel_e2e|tcp_tunnel|udp_tunnel|graceful_shutdown|admin_api|hostile_caller|tcp_ports|udp_ports|listener_tls|tcp_forward
test-tsan-server: build $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target tunely
	rm -rf $(TSAN_LOGS) && mkdir -p $(TSAN_LOGS)
	status=0; TUNELY_BINARY=$(abspath $(TSAN_BUILD))/apps/tunely/tunely \
	  TSAN_OPTIONS=second_deadlock_stack=1:external_symbolizer_path=$(SYMBOLIZER):log_path=$(TSAN_LOGS)/tsan \
	  sh -c 'cd $(BUILD) && ctest --output-on-failure --timeout 600 -j $(JOBS) -R "$(TSAN_SERVER_TESTS)" -E "postgresql|mariadb"' \
	  || status=1; \
	if [ -n "$$(ls -A $(TSAN_LOGS))" ]; then \
	  echo "=== sanitizer reports ($(TSAN_LOGS)):"; for f in $(TSAN_LOGS)/*; do echo "--- $$f"; cat "$$f"; done; status=1; \
	fi; exit $$status

# --- libFuzzer targets (cpp/fuzz/): built with their seed corpora, run by scripts/run-fuzzers.sh, two at a
# time (JOBS). A crash or broken property fails the run and leaves the input in $(FUZZ_BUILD)/fuzz/artifacts/.
$(FUZZ_BUILD)/build.ninja:
	$(CLANG_ENV) cmake -S cpp -B $(FUZZ_BUILD) -G Ninja $(CLANG_FLAGS) -DTUNELY_BUILD_FUZZ=ON \
	  -DTUNELY_BUILD_TESTS=OFF -DTUNELY_BUILD_EXAMPLES=OFF

build-fuzz: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz-smoke: build-fuzz
	JOBS=$(JOBS) ./scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

fuzz: build-fuzz
	JOBS=$(JOBS) ./scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The TypeScript SDK (typescript/): npm ci from the committed lock file, then vitest
# (unit, vectors, interop against the built C++ server, packed tarball).
test-ts: build
	cd typescript && npm ci --no-audit --no-fund && TUNELY_BIN=$(abspath $(TUNELY)) npm test

# The original Tunely in the field (PyPI tunely==0.12.0 server + client, npm tunely@0.2.1 client) against our binary.
test-interop: build
	TUNELY_BIN=$(abspath $(TUNELY)) ./scripts/test-interop.sh

# The admin console (admin-console/): built into admin-console/dist, which the server serves at /admin/.
console:
	cd admin-console && npm ci --no-audit --no-fund && npm run build

# Component and route tests (fake admin API), then the end-to-end run in Chromium against the real binaries.
test-console: build console
	cd admin-console && npm test && TUNELY_BIN=$(abspath $(TUNELY)) npm run test:e2e

bench: deps build
	./bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
