# molt: make run serves examples/hello (EXAMPLE=dir, MODELS=dir for --models); make test runs everything CI runs.
GO      ?= go
BIN     := bin/molt
EXAMPLE ?= examples/hello
NPM_EXAMPLES := $(dir $(wildcard examples/*/package-lock.json))

.PHONY: build run test lint bench npm clean kernels fuzz-short adversarial

build:
	$(GO) build -o $(BIN) .

run: build npm
	./$(BIN) dev $(EXAMPLE) $(if $(MODELS),--models $(MODELS))

# npm ci for the examples that use npm packages (hono, itty-router).
npm:
	@for d in $(NPM_EXAMPLES); do \
		if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
			echo "npm ci in $$d"; (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
		fi; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: npm lint
	$(GO) test -race ./...
	$(MAKE) fuzz-short

# Fuzz the parsers of untrusted input for a few seconds each: the wrangler configuration,
# the HTTP front, the GGUF model reader and the tokenizers that read workers' prompts
# (FUZZTIME=1m for longer).
FUZZTIME ?= 8s
fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./runtime/config/
	$(GO) test -run '^$$' -fuzz '^FuzzHostServe$$' -fuzztime $(FUZZTIME) ./runtime/
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./bindings/ai/gguf/
	$(GO) test -run '^$$' -fuzz '^FuzzRoundTrip$$' -fuzztime $(FUZZTIME) ./bindings/ai/tokenizer/

# The adversarial load test at length: hello and hono under load for 30 s alone and 30 s beside
# workers that spin, leak, recurse and throw; the table goes to bench/out/adversarial.md.
adversarial: npm
	mkdir -p bench/out
	MOLT_ADVERSARIAL=$${MOLT_ADVERSARIAL:-30s} MOLT_ADVERSARIAL_REPORT=$(CURDIR)/bench/out/adversarial.md \
		$(GO) test -count=1 -timeout 30m -run '^TestAdversarialLoad$$' -v ./runtime/

# Go benchmarks of isolate creation and dispatch (isolates/js) and of the Host over loopback HTTP
# (runtime), then bench/load.sh: molt against workerd under wrk. About two minutes in all.
bench: build npm
	$(GO) test -run '^$$' -bench '^(BenchmarkNewIsolate|BenchmarkServe)$$' -benchmem -benchtime 1s ./isolates/js/
	$(GO) test -run '^$$' -bench '^BenchmarkHostServe$$' -benchmem -benchtime 1s ./runtime/
	bash bench/load.sh

# Rebuild kernels/*.wasm from kernels/c (clang and lld from Debian, installed
# when missing). go test ./kernels/ checks the committed files are up to date.
kernels:
	@command -v clang >/dev/null && command -v wasm-ld >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq clang lld)
	bash kernels/build.sh

clean:
	rm -rf bin
