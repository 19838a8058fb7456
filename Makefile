# Entry points. Each target installs what it needs by itself (see scripts/setup.sh).
SHELL := /bin/bash

.PHONY: test lab lab-down setup schema docs bench
test: ## Run every test and check; prints "N passed, N failed"
	@scripts/test.sh

lab: ## Bring up the simulated lab and converge it with `pulumi up --policy-pack policies` (root)
	@scripts/lab.sh up

bench: ## Benchmarks P1–P7 on the bench lab and Ansible side by side; writes docs/benchmarks.md (root)
	@scripts/bench.sh

lab-down: ## Remove the simulated lab and its stack state (idempotent)
	@scripts/lab.sh down

setup: ## Install Debian packages, Node 22 and npm dependencies
	@scripts/setup.sh

schema: setup ## Regenerate docs/config-reference.md, docs/policies.md and schema/inventory.schema.json
	@. scripts/env.sh && npm run -s schema

docs: setup ## Regenerate docs/lab/<stack>.md and .svg from each committed Pulumi.<stack>.yaml
	@. scripts/env.sh && npx ts-node --transpile-only scripts/gen-docs.ts
