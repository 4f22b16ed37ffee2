# gokernel — run `make` for the list of targets.
SHELL := /bin/bash
GO ?= go
PY := /usr/bin/python3
BIN := bin/gokernel
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PREFIX ?=
NOTEBOOK_DIR ?= notebooks

.PHONY: help build install notebook classic lab lab-test notebooks test unit e2e browser fuzz lint bench soak clean \
	workshop workshop-stop workshop-status workshop-install workshop-test workshop-bench

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

build: ## build bin/gokernel
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gokernel

install: build ## build, then install the kernelspec for this user (PREFIX=dir to install elsewhere)
	install -D -m 0755 $(BIN) $(HOME)/.local/bin/gokernel
	$(HOME)/.local/bin/gokernel install $(if $(PREFIX),--prefix $(PREFIX),--user)

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

notebook: ## install what is missing, build JupyterLab once, install the kernel, open the lessons in JupyterLab
	.ci/deps notebook
	$(MAKE) lab install
	cd $(NOTEBOOK_DIR) && PYTHONPATH=$(abspath lab) $(PY) -m gokernel_lab $(ALLOW_ROOT) --ServerApp.root_dir=. en/00-start.ipynb

classic: install ## the lessons in classic Notebook 6 instead (installs it if missing)
	.ci/deps classic
	cd $(NOTEBOOK_DIR) && jupyter notebook $(ALLOW_ROOT)

# JupyterLab is built from the npm packages in lab/package-lock.json into lab/build (not
# committed), again only when the lockfile or the app's own files change.
LAB_SOURCES := lab/plugins.json lab/build.mjs $(wildcard lab/src/*.js)

lab: lab/build/build.json ## build JupyterLab into lab/build (installs Node.js and npm if missing)

lab/node_modules/.package-lock.json: lab/package.json lab/package-lock.json
	.ci/deps lab
	cd lab && npm ci --no-audit --no-fund --loglevel=error

lab/build/build.json: lab/node_modules/.package-lock.json $(LAB_SOURCES)
	cd lab && node build.mjs

lab/test/node_modules/.package-lock.json: lab/test/package.json lab/test/package-lock.json
	cd lab/test && ../../.ci/node20 npm ci --no-audit --no-fund --loglevel=error

lab-test: build ## JupyterLab tests: the build on Node.js 18, @jupyterlab/services, every lesson in Chromium
	.ci/deps lab-test
	$(MAKE) lab lab/test/node_modules/.package-lock.json
	rm -rf lab/test-output
	GOKERNEL_BIN=$(abspath $(BIN)) .ci/node20 node --test lab/test/build.test.mjs lab/test/services.test.mjs lab/test/lab.test.mjs

# The tests' npm tools (playwright-core, marked) need Node.js 20 or newer, and Debian 12's apt
# brings 18: .ci/node20 runs them with a pinned Node.js 22 from npm when node is older.
test: ## install test tools if missing, then run every test (unit, race, e2e)
	.ci/deps test
	$(MAKE) lint
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 ./eval/... ./lang/... ./lib/... ./worker/... ./workerproto/... # again without -race: cases yaegi itself races on
	$(MAKE) fuzz FUZZTIME=3s
	$(MAKE) e2e
	$(MAKE) browser
	$(MAKE) lab-test
	$(MAKE) workshop-test

unit: ## unit tests only, with the race detector
	$(GO) test -race -short ./...

e2e: build ## end-to-end tests through Debian's Jupyter clients, and every lesson notebook
	GOKERNEL_BIN=$(abspath $(BIN)) .ci/node20 $(PY) -m pytest -q -p no:cacheprovider e2e notebooks/notebooks_test.py

browser: build ## a lesson run in Notebook in headless Chromium (installs chromium and jupyter-notebook if missing)
	.ci/deps browser
	GOKERNEL_BIN=$(abspath $(BIN)) .ci/node20 node --test notebooks/browser/notebook.test.mjs

notebooks: build ## build the lesson notebooks from notebooks/source, run them against bin/gokernel, save them with outputs
	.ci/deps
	$(PY) notebooks/lessons.py
	GOKERNEL_BIN=$(abspath $(BIN)) $(PY) notebooks/run.py

FUZZTIME ?= 10s
fuzz: ## run each fuzz target for FUZZTIME (10s)
	for t in FuzzDecode FuzzConnectionInfo; do $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./jupyter/wire || exit 1; done

lint: ## gofmt, go vet and staticcheck (pinned in go.mod as a tool)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# PROFILE=1: only the trivial round trip, 5,000 cells, with CPU profiles of the kernel and its
# worker in bench/out/profile-<time> (docs/benchmarks.md says how to read them).
bench: ## measure gokernel against ipykernel (installs it if missing); JSON in bench/out; PROFILE=1 profiles a cell
	.ci/deps bench
	$(MAKE) build
	$(GO) run ./cmd/kbench -out bench/out $(if $(PROFILE),-only roundtrip -cells 5000 -profile bench/out/profile-$(shell date +%Y%m%d-%H%M%S))

soak: build ## 10,000 cells against one gokernel, watching its memory and threads
	$(GO) run ./cmd/kbench -soak -n 10000 -out bench/out

# A workshop: JupyterHub on this machine, one server per learner (workshop/README.md).
WORKSHOP_DIR ?= /var/tmp/gokernel-workshop
LEARNERS ?= 10
LESSONS ?= en
WORKSHOP_ARGS ?=
WORKSHOP_PY := PYTHONPATH=$(abspath workshop) $(PY) -m gokernel_workshop

workshop: ## JupyterHub for a room: LEARNERS=10 LESSONS=en|ko|en,ko LAN=1 (workshop/README.md)
	.ci/deps workshop
	$(MAKE) build lab
	$(WORKSHOP_PY) start --install-from $(CURDIR) --dir $(WORKSHOP_DIR) --learners $(LEARNERS) --lessons $(LESSONS) $(if $(LAN),--lan) $(WORKSHOP_ARGS)

workshop-stop: ## stop the workshop `make workshop` started
	$(WORKSHOP_PY) stop --dir $(WORKSHOP_DIR)

workshop-status: ## the workshop's learners, their servers and memory
	$(WORKSHOP_PY) status --dir $(WORKSHOP_DIR)

DEST ?= /opt/gokernel
workshop-install: build lab ## install the kernel, JupyterLab and the lessons into DEST (the image's build step)
	$(WORKSHOP_PY) install --dest $(DEST) --from $(CURDIR)

workshop-test: build ## the workshop: 10 learners through JupyterHub, one in Chromium, the image's layout
	.ci/deps workshop-test lab-test
	$(MAKE) lab lab/test/node_modules/.package-lock.json
	$(PY) -m pytest -q -p no:cacheprovider workshop/test
	GOKERNEL_BIN=$(abspath $(BIN)) .ci/node20 node --test workshop/test/image.test.mjs workshop/test/hub.test.mjs workshop/test/browser.test.mjs workshop/test/user.test.mjs

BENCH_LEARNERS ?= 30
workshop-bench: build ## 30 learners through JupyterHub: time to the last first result, memory, the hub's idle CPU
	.ci/deps workshop lab-test
	$(MAKE) lab lab/test/node_modules/.package-lock.json
	mkdir -p bench/out
	.ci/node20 node workshop/test/bench.mjs --learners $(BENCH_LEARNERS) --out bench/out

clean: ## remove build output
	rm -rf bin lab/build
