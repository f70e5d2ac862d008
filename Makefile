# Signroom: two commands on a fresh machine.
#   make run   - serve on the embedded defaults at http://localhost:8080
#   make test  - gofmt check, go vet, and the whole suite under -race with a real MinIO
GO ?= go

.PHONY: run test build fmt-check vet tidy-check minio

run:
	$(GO) run ./cmd/signroom serve

build:
	$(GO) build -o bin/signroom ./cmd/signroom

fmt-check:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# go.mod and go.sum must be exactly what go mod tidy makes them.
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

test: fmt-check vet tidy-check
	scripts/minio.sh run -- $(GO) test -race -count=1 -timeout 30m ./...

# Build (once) the pinned MinIO server used by the tests into the cache.
minio:
	scripts/minio.sh build
