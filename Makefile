# arena-dev: `make run` starts the bundled example stack, `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/arena-dev
EXAMPLE := examples/sommelier-arena
TESTENV := testenv/node
# The full suite starts real dev servers, Miniflare, wrangler, Chromium and containers.
TESTTIMEOUT ?= 30m

.PHONY: build run test bench fuzz soak lint deps deps-example deps-testenv system-deps clean dist dist-check cross wine

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/arena-dev

# npm ci only when the lock file changed since the last install.
$(EXAMPLE)/node_modules/.package-lock.json: $(EXAMPLE)/package-lock.json
	cd $(EXAMPLE) && npm ci --no-audit --no-fund --loglevel=error
$(TESTENV)/node_modules/.package-lock.json: $(TESTENV)/package-lock.json
	cd $(TESTENV) && npm ci --no-audit --no-fund --loglevel=error

deps-example: $(EXAMPLE)/node_modules/.package-lock.json
deps-testenv: $(TESTENV)/node_modules/.package-lock.json
deps: deps-example deps-testenv

# Chromium and a Docker engine for the browser and container tests (installs with
# apt-get and starts dockerd when run as root; otherwise says what is missing).
system-deps:
	bash scripts/system-deps.sh

run: build deps-example
	cd $(EXAMPLE) && ../../$(BIN) up

test: build deps system-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout $(TESTTIMEOUT) ./...

bench: build deps
	bash scripts/bench-deps.sh
	$(GO) test -run '^$$' -bench . -benchmem -timeout $(TESTTIMEOUT) ./...

# Every fuzz target for FUZZTIME each (CI: after make test, ~3 minutes in all).
FUZZTIME ?= 8s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash scripts/fuzz.sh

# The trust suite at full counts (100 crash cycles, 20 of each signal, ...):
# ARENA_DEV_SOAK=1 raises the counts the same tests run small in make test, and
# the figures they log are written to docs/trust.md.
soak: build deps
	ARENA_DEV_SOAK=1 bash scripts/soak.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Release archives for linux/amd64, linux/arm64, darwin/amd64, darwin/arm64 and
# windows/amd64 in dist/ (tar.gz, zip for Windows) with SHA256SUMS, checked.
# Reproducible: -trimpath, no build id, entries timed at the commit (EPOCH).
EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DIST  := dist
dist:
	rm -rf $(DIST)
	GO=$(GO) $(GO) run ./scripts/release -version $(VERSION) -epoch $(EPOCH) -out $(DIST)
	cd $(DIST) && if command -v sha256sum >/dev/null; then sha256sum -c --quiet SHA256SUMS; else shasum -a 256 -c --quiet SHA256SUMS; fi

# make dist twice: the second run must write the same bytes.
dist-check: dist
	GO=$(GO) $(GO) run ./scripts/release -version $(VERSION) -epoch $(EPOCH) -out $(DIST)-again >/dev/null
	cmp $(DIST)/SHA256SUMS $(DIST)-again/SHA256SUMS && echo "dist: the same bytes twice"
	rm -rf $(DIST)-again

# go vet for the other release platforms (make test vets Linux), and the
# portable supervision path on Linux (-tags arena_portable: no death signal, no
# subreaper, no /proc, as on macOS).
cross: deps
	# -trimpath and CGO_ENABLED=0 as make dist builds: its darwin/amd64 and
	# windows/amd64 compiles then come from the cache these vets fill.
	GOOS=darwin CGO_ENABLED=0 $(GO) vet -trimpath ./...
	GOOS=windows CGO_ENABLED=0 $(GO) vet -trimpath ./...
	$(GO) vet -tags arena_portable ./...
	$(GO) test -count=1 -tags arena_portable -timeout 15m ./internal/procutil ./orchestrate
	$(GO) test -count=1 -tags arena_portable -timeout 10m -run 'TestSIGKILLLeavesNoChild' ./e2e

# The Windows build under Wine: version, seed, kv key put/get, serve (docs/platforms.md).
wine:
	WINE=1 bash scripts/system-deps.sh
	GO=$(GO) bash scripts/wine.sh

clean:
	rm -rf bin $(DIST)
