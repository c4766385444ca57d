# Pipewell: `make run` to try it, `make test` to test everything.
GO ?= go
export PIPEWELL_REQUIRE_BROWSER ?= 1

.PHONY: run test test-citus generate check-generated build bench vet

run:
	bash deploy/dev.sh

build:
	$(GO) build -o bin/pipewell ./cmd/pipewell

# Every test: unit, database (one fresh database per test, as the app role),
# handler (real router, real session) and browser (headless Chromium).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

# The database and handler tests again on a local Citus cluster (coordinator
# on 127.0.0.1:$(CITUS_PORT), workers on the next two ports; started if not
# running, Citus installed if missing): a distributed database per test,
# every statement of the app role routed to one shard (deploy/SCALE-OUT.md).
CITUS_DIR ?= ../shared/citus
CITUS_PORT ?= 5460
# The browser journeys (Chromium) run in make test only: they drive the same
# handlers as the handler tests, which run here.
CITUS_TESTS ?= ./internal/postgres ./internal/server ./internal/seed ./cmd/pipewell .
CITUS_SKIP ?= Browser
test-citus:
	CITUS_PORT=$(CITUS_PORT) bash $(CITUS_DIR)/cluster.sh start
	PIPEWELL_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$(CITUS_PORT)/postgres?sslmode=disable' \
	PIPEWELL_TEST_CITUS_WORKERS=127.0.0.1:$$(($(CITUS_PORT) + 1)),127.0.0.1:$$(($(CITUS_PORT) + 2)) \
	$(GO) test -count=1 -timeout 20m -skip '$(CITUS_SKIP)' $(CITUS_TESTS)

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
