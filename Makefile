# gokernel — run `make` for the list of targets.
SHELL := /bin/bash
GO ?= go
PY := /usr/bin/python3
BIN := bin/gokernel
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PREFIX ?=
NOTEBOOK_DIR ?= notebooks

.PHONY: help build install notebook notebooks test unit e2e browser fuzz lint bench soak clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build bin/gokernel
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gokernel

install: build ## build, then install the kernelspec for this user (PREFIX=dir to install elsewhere)
	install -D -m 0755 $(BIN) $(HOME)/.local/bin/gokernel
	$(HOME)/.local/bin/gokernel install $(if $(PREFIX),--prefix $(PREFIX),--user)

notebook: install ## install what is missing, then open the notebooks in Jupyter
	.ci/deps notebook
	cd $(NOTEBOOK_DIR) && jupyter notebook $(if $(filter 0,$(shell id -u)),--allow-root,)

test: ## install test tools if missing, then run every test (unit, race, e2e)
	.ci/deps test
	$(MAKE) lint
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 ./interp/... # again without -race: cases yaegi itself races on
	$(MAKE) fuzz FUZZTIME=3s
	$(MAKE) e2e
	$(MAKE) browser

unit: ## unit tests only, with the race detector
	$(GO) test -race -short ./...

e2e: build ## end-to-end tests through Debian's Jupyter clients, and every lesson notebook
	GOKERNEL_BIN=$(abspath $(BIN)) $(PY) -m pytest -q -p no:cacheprovider kernel/e2e notebooks/notebooks_test.py

browser: build ## a lesson run in Notebook in headless Chromium (installs chromium and jupyter-notebook if missing)
	.ci/deps browser
	GOKERNEL_BIN=$(abspath $(BIN)) node --test notebooks/browser/notebook.test.mjs

notebooks: build ## build the lesson notebooks from notebooks/source, run them against bin/gokernel, save them with outputs
	.ci/deps
	$(PY) notebooks/lessons.py
	GOKERNEL_BIN=$(abspath $(BIN)) $(PY) notebooks/run.py

FUZZTIME ?= 10s
fuzz: ## run each fuzz target for FUZZTIME (10s)
	for t in FuzzDecode FuzzConnectionInfo; do $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./kernel/wire || exit 1; done

lint: ## gofmt, go vet and staticcheck (pinned in go.mod as a tool)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

bench: ## measure gokernel against ipykernel (installs it if missing); JSON in bench/out
	.ci/deps bench
	$(MAKE) build
	$(GO) run ./cmd/kbench -out bench/out

soak: build ## 10,000 cells against one gokernel, watching its memory and threads
	$(GO) run ./cmd/kbench -soak -n 10000 -out bench/out

clean: ## remove build output
	rm -rf bin
