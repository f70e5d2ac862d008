# Signroom: two commands on a fresh machine.
#   make run   - serve on the embedded defaults at http://localhost:8080
#   make test  - gofmt check, go vet, and the whole suite under -race with a real MinIO
GO ?= go

.PHONY: run test build wasm fmt-check vet tidy-check minio

# The browser verifier (package evidence as WebAssembly) and Go's loader for it, embedded by
# frontend/ when present: built before the binary by run, build and test.
WASM_DIR := frontend/app/wasm

run: wasm
	$(GO) run ./cmd/signroom serve

build: wasm
	$(GO) build -o bin/signroom ./cmd/signroom

wasm:
	@mkdir -p $(WASM_DIR)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $(WASM_DIR)/signroom-verify.wasm ./cmd/signroom-verify-wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_DIR)/wasm_exec.js

fmt-check:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/signroom-verify-wasm ./evidence

# go.mod and go.sum must be exactly what go mod tidy makes them.
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

test: fmt-check vet tidy-check wasm
	scripts/minio.sh run -- $(GO) test -race -count=1 -timeout 30m ./...

# Build (once) the pinned MinIO server used by the tests into the cache.
minio:
	scripts/minio.sh build
