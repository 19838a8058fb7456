# shellcheck shell=bash
# The Go environment of every go command this project runs (toolchain/build.sh, toolchain/go-test.sh). Source it.
# GOTOOLCHAIN=local: never let the go command download another toolchain. GOFLAGS replaces whatever `go env -w`
# set; -mod=readonly makes the committed go.mod/go.sum the law. CGO_ENABLED=0: static binaries, no C compiler.
# The module and build caches stay Go's own (`go env GOMODCACHE GOCACHE`), so the tests reuse what build.sh
# downloaded and compiled, and a module is fetched from the Go module proxy at most once per machine.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
