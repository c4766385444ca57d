# Pipewell: `make run` to try it, `make test` to test everything.
GO ?= go
export PIPEWELL_REQUIRE_BROWSER ?= 1

.PHONY: run test generate check-generated build bench vet

run:
	bash deploy/dev.sh

build:
	$(GO) build -o bin/pipewell ./cmd/pipewell

# Every test: unit, database (one fresh database per test, as the app role),
# handler (real router, real session) and browser (headless Chromium).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

generate:
	$(GO) tool templ generate -path web

# Fails when the committed generated code is stale.
check-generated: generate
	git diff --exit-code -- web

# Seeds the benchmark database once (100 tenants, one with 1,000,000 projects)
# and measures the Sales screen, the board and the workspace under load.
bench: build
	./bin/pipewell bench $(BENCH_FLAGS)

vet:
	$(GO) vet ./...
