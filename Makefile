# Tunely — the two entry points of README.md:
#   make run    install what is missing, build, start the server on SQLite
#   make test   install what is missing, build, run every test
# Everything else here is a step of those two.

BUILD     ?= build
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=Release
JOBS      ?= $(shell nproc)
TUNELY    := $(BUILD)/apps/tunely/tunely

.PHONY: run test deps build console test-cpp test-ts test-console bench clean

run: deps build console
	mkdir -p data
	$(TUNELY) server --host $${TUNELY_HOST:-0.0.0.0} --port $${TUNELY_PORT:-8080}

test: deps build console test-cpp test-ts test-console

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S cpp -B $(BUILD) -G Ninja $(CMAKE_ARGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# PostgreSQL and MariaDB run for the duration of the suite (throw-away data).
test-cpp: build
	./scripts/with-test-databases.sh sh -c 'cd $(BUILD) && ctest --output-on-failure --timeout 300 -j $(JOBS)'

# The TypeScript SDK (typescript/): npm ci from the committed lock file, then vitest
# (unit, vectors, interop against the built C++ server, packed tarball).
test-ts: build
	cd typescript && npm ci --no-audit --no-fund && TUNELY_BIN=$(abspath $(TUNELY)) npm test

# The admin console (admin-console/): built into admin-console/dist, which the server serves at /admin/.
console:
	cd admin-console && npm ci --no-audit --no-fund && npm run build

# Component and route tests (fake admin API), then the end-to-end run in Chromium against the real binaries.
test-console: build console
	cd admin-console && npm test && TUNELY_BIN=$(abspath $(TUNELY)) npm run test:e2e

bench: deps build
	./bench/run.sh

clean:
	rm -rf $(BUILD)
