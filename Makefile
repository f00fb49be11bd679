# The two commands a user needs are `make test` and (once it exists) `make playground`.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: test bootstrap build lint unit bench clean

## Everything CI runs: toolchain and packages, build (type check), lint, all tests.
test: bootstrap build lint unit

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	pnpm -s build

lint: bootstrap
	pnpm -s lint

unit: bootstrap
	pnpm -s test

bench: build
	pnpm -s bench

clean:
	rm -rf packages/*/dist packages/*/tsconfig.tsbuildinfo
