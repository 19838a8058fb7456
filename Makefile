# Entry points. Each target installs what it needs by itself (see scripts/setup.sh).
SHELL := /bin/bash

.PHONY: test setup schema
test: ## Run every test and check; prints "N passed, N failed"
	@scripts/test.sh

setup: ## Install Debian packages, Node 22 and npm dependencies
	@scripts/setup.sh

schema: setup ## Regenerate docs/config-reference.md and schema/inventory.schema.json
	@. scripts/env.sh && npm run -s schema
