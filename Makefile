# sigproxy — build, demo, tests, fuzzing and benchmarks.
GO        ?= go
FUZZTIME  ?= 60s
COUNT     ?= 6
BENCH     ?= .
PKGS      ?= ./...

# Modules of their own that the targets below enter too: bench/sipcompare
# compares the SIP codec with sipgo, which stays out of the product's go.mod.
MODULES   ?= . bench/sipcompare

.PHONY: all build demo test test-race vet deps sipp fuzz soak bench bench-compare bench-megaco bench-system clean

all: build

build:
	$(GO) build -o bin/ ./cmd/...

# The whole system on loopback with embedded defaults (temporary data directory).
demo:
	$(GO) run ./cmd/sigdemo

# The test suite CI runs. SIPp and tshark tests run when those tools are
# installed (make deps) and say so when they are skipped.
test: vet
	$(GO) test -count=1 $(PKGS)
	$(GO) test -race -count=1 ./keystore/... ./proxy/...
	$(GO) -C bench/sipcompare test -count=1 ./...
	@command -v sipp >/dev/null || echo "note: sipp not installed, the SIPp test was skipped (make deps)"
	@command -v tshark >/dev/null || echo "note: tshark not installed, the tshark test was skipped (make deps)"

vet:
	$(GO) vet $(PKGS)
	$(GO) -C bench/sipcompare vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

# Real peers the tests use: SIPp (Debian sip-tester) and tshark. Needs root.
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y sip-tester tshark

# Registers through the proxy with SIPp as the client.
sipp:
	$(GO) test -count=1 -v -run 'TestSIPp' ./tools/loopback

# Runs every fuzz target of every module in turn for FUZZTIME each, on past
# a failing one; lists the failing targets at the end (their inputs are in
# the package's testdata/fuzz/).
fuzz:
	@failed=""; for mod in $(MODULES); do \
	  for pkg in $$($(GO) -C $$mod list ./...); do \
	    for t in $$($(GO) -C $$mod test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	      echo "== $$pkg $$t ($(FUZZTIME))"; \
	      $(GO) -C $$mod test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || \
	        failed="$$failed $$pkg.$$t"; \
	    done; \
	  done; \
	done; \
	if [ -n "$$failed" ]; then echo "failing fuzz targets:$$failed"; exit 1; fi

# Hostile input through a running sigproxy for SOAKTIME: the fuzz corpora, the
# SIP torture corpus and random mutations of them (tools/flood).
SOAKTIME  ?= 10m
soak:
	SOAK_DURATION=$(SOAKTIME) $(GO) test -count=1 -v -timeout 0 -run 'TestSoak' ./tools/flood

# Micro-benchmarks, repeated for benchstat.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) $(PKGS)

# The SIP codec beside sipgo on the same bytes, in one run (bench/README.md).
# Prints benchstat's table with one column per parser when benchstat is
# installed (go install golang.org/x/perf/cmd/benchstat@latest).
bench-compare:
	@out=$$(mktemp); \
	$(GO) -C bench/sipcompare test -run '^$$' -bench 'BenchmarkParse' -benchmem \
	  -count $(COUNT) . | tee $$out; \
	if command -v benchstat >/dev/null; then benchstat -col /parser $$out; \
	else echo "benchstat not installed: go install golang.org/x/perf/cmd/benchstat@latest"; fi; \
	rm -f $$out

# codec/h248 beside Erlang/OTP's megaco text decoder on the same messages
# (needs Debian's erlang-megaco; skipped with a message when missing).
bench-megaco:
	COUNT=$(COUNT) bench/megaco/run

# The system benchmark on loopback: UDP relay floor, Kamailio, sigproxy plain
# and with key distribution, then the scaling runs (bench/README.md). Not in CI.
bench-system:
	bench/run all

clean:
	rm -rf bin .demo
