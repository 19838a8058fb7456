#!/usr/bin/env bash
# Builds the Pulumi toolchain this project runs on from Go modules (no get.pulumi.com, no GitHub
# release downloads) into a cache outside git, installs the resource providers into PULUMI_HOME and
# prints, as its last line on stdout, `PATH_PREPEND=<bin dir>`. Everything else goes to stderr.
#
#   toolchain/build.sh            build what is missing or stale (a fast no-op, and offline, when nothing changed)
#   toolchain/build.sh --update   re-resolve toolchain/cli and toolchain/langhost (go.mod + go.sum) for the
#                                 PULUMI_VERSION pinned in scripts/env.sh (needs the Go module proxy), then build;
#                                 commit the two go.mod/go.sum pairs afterwards
#
# Output ($HOMELAB_TOOLCHAIN_DIR, from scripts/env.sh; one directory per PULUMI_VERSION):
#   bin/pulumi                         the CLI: github.com/pulumi/pulumi/pkg/v3/cmd/pulumi @ v$PULUMI_VERSION, built
#                                      from the tools module toolchain/cli (go.mod + go.sum, committed). A `pulumi`
#                                      already on PATH that reports exactly v$PULUMI_VERSION is copied instead.
#   bin/pulumi-language-nodejs         this project's Node.js language host, built from toolchain/langhost (the
#                                      upstream host's module is not served by the Go proxy; see langhost/main.go).
#   bin/pulumi-resource-pulumi-nodejs  the dynamic-provider launcher (toolchain/dynamic-provider: upstream's script from
#                                      the @pulumi/pulumi npm package, exec'ing node with an exit-with-parent preload).
#   plugins/pulumi-resource-<name>     this project's own providers, STAND-INS for upstream plugins the Go proxy does
#                                      not serve: command, random and cloudflare (toolchain/<name>, all on
#                                      toolchain/kit); each installed with `pulumi plugin install resource <name>
#                                      <version>+homelab.standin --file` into PULUMI_HOME, unless the real plugin of the
#                                      version the npm SDK requests is installed there. Kept OFF the PATH on purpose:
#                                      the engine prefers any pulumi-resource-* on $PATH over its plugin cache, ignores
#                                      its version and warns "using pulumi-resource-<name> from $PATH" on every run.
# The language host and the dynamic-provider script sit next to `pulumi`: the engine looks for its bundled
# plugins there first (and warns when it has to take them from $PATH).
#
# Every piece is rebuilt only when its inputs change: each output has a .stamp holding the hash of its inputs
# (module go.mod/go.sum/*.go, versions, Go version, flags). Builds go to a temporary name and are renamed into
# place, so an interrupted build never leaves a half-written binary. Logs: $HOMELAB_TOOLCHAIN_DIR/logs/<step>.log.
#
# Environment: PULUMI_HOME (respected; default $HOMELAB_CACHE/pulumi-home), HOMELAB_TOOLCHAIN_JOBS (go build -p;
# default nproc). A cold build of the CLI takes several minutes on 2 cores.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$repo/scripts/env.sh"

mode=build
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  -h | --help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "toolchain/build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

BIN="$HOMELAB_TOOLCHAIN_DIR/bin"
PLUGINS="$HOMELAB_TOOLCHAIN_DIR/plugins"
LOGS="$HOMELAB_TOOLCHAIN_DIR/logs"
export PULUMI_HOME="${PULUMI_HOME:-$HOMELAB_CACHE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$BIN" "$PLUGINS" "$LOGS" "$PULUMI_HOME"

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
CLI_DIR="$here/cli"
LH_DIR="$here/langhost"
KIT_DIR="$here/kit"

say() { echo "toolchain: $*" >&2; }
die() { echo "toolchain/build.sh: ERROR: $*" >&2; exit 1; }

# run_step NAME CMD...: runs CMD with its output in $LOGS/NAME.log; on failure shows the tail and names the log.
run_step() {
  local name="$1"; shift
  local log="$LOGS/$name.log"
  say "$name (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    echo "----- last lines of $log -----" >&2
    tail -n 25 "$log" >&2
    echo "-------------------------------" >&2
    if grep -q '403 Forbidden\|not available' "$log"; then
      echo "toolchain/build.sh: the Go module proxy refused a module version; that module/version cannot be fetched" >&2
      echo "  from this network (see the log for which one)." >&2
    fi
    if grep -q 'missing go.sum entry\|updates to go.mod needed' "$log"; then
      echo "toolchain/build.sh: the committed go.mod/go.sum do not cover the build; run 'toolchain/build.sh --update'" >&2
      echo "  (or 'go mod tidy' in the module named above) and commit the result." >&2
    fi
    die "step '$name' failed; full log: $log"
  fi
}

# One build at a time per cache dir (parallel make targets, two terminals).
exec 9>"$HOMELAB_TOOLCHAIN_DIR/.lock"
flock -w 3600 9 || die "could not lock $HOMELAB_TOOLCHAIN_DIR/.lock within an hour"
rm -f "$BIN"/.*.tmp.* "$PLUGINS"/.*.tmp.* # leftovers of a killed build (we hold the lock)

# ------------------------------------------------------------------------------------------------ Go
GO_MIN=1.25.11 # the go directive of pkg/v3 and sdk/v3 v3.259.0
need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= $GO_MIN; Debian 12's golang package is too old, use the go.dev tarball in /usr/local/go)"
  GO_VERSION="$(GOTOOLCHAIN=local go env GOVERSION)"
  local v="${GO_VERSION#go}"
  if [ "$(printf '%s\n%s\n' "$GO_MIN" "$v" | sort -V | head -n1)" != "$GO_MIN" ]; then
    die "Go $v is too old; the Pulumi v$PULUMI_VERSION modules need Go >= $GO_MIN"
  fi
  # shellcheck source=toolchain/go-env.sh
  . "$here/go-env.sh"
  GO_TARGET="$(go env GOOS)/$(go env GOARCH)"
}

# inputs_hash DIR [EXTRA...]: hash of DIR's go.mod, go.sum, non-test *.go and embedded *.js files (paths and
# contents; e2e/ left out) plus EXTRA.
inputs_hash() {
  local dir="$1"; shift
  {
    (cd "$dir" && find . -name vendor -prune -o -name e2e -prune -o -type f \( -name go.mod -o -name go.sum -o -name '*.js' -o \( -name '*.go' ! -name '*_test.go' \) \) -print |
      LC_ALL=C sort | xargs -r sha256sum)
    printf '%s\n' "$GO_VERSION" "$GO_TARGET" "$@"
  } | sha256sum | cut -c1-32
}

# up_to_date OUT KEY: OUT exists and was built from KEY.
up_to_date() { [ -x "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]; }

# go_build NAME MODDIR OUT KEY CHECK GOBUILDARGS...: builds in MODDIR to a temp file, runs CHECK on it (a command
# taking the binary's path), renames it to OUT and records KEY. Skips when OUT is up to date.
go_build() {
  local name="$1" dir="$2" out="$3" key="$4" check="$5"; shift 5
  if up_to_date "$out" "$key"; then
    say "$(basename "$out") is up to date"
    return
  fi
  local tmp; tmp="$(dirname "$out")/.$(basename "$out").tmp.$$"
  local t0; t0="$(date +%s)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  run_step "build-$name" bash -c 'cd "$1" && shift && exec go build -p "$JOBS" -trimpath "$@"' _ "$dir" -o "$tmp" "$@"
  if ! "$check" "$tmp" >"$LOGS/check-$name.log" 2>&1; then
    rm -f "$tmp"
    die "the freshly built $(basename "$out") failed its self-check: $(tail -n 3 "$LOGS/check-$name.log" | tr '\n' ' ') (log: $LOGS/check-$name.log)"
  fi
  mv -f "$tmp" "$out"
  echo "$key" >"$out.stamp"
  say "built $(basename "$out") in $(($(date +%s) - t0))s"
}

# reports_pulumi_version CMD...: CMD prints exactly v$PULUMI_VERSION.
reports_pulumi_version() { local got; got="$("$@" 2>&1)"; [ "$got" = "v$PULUMI_VERSION" ] || { echo "reports '$got', expected v$PULUMI_VERSION"; return 1; }; }
check_cli() { reports_pulumi_version "$1" version; }
check_langhost() { reports_pulumi_version "$1" -version; }
check_plugin() { [ -s "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null; }

# require_pin GOMOD MODULE VERSION: GOMOD requires MODULE at vVERSION, else explains how to fix the pin.
require_pin() {
  grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+v$3([[:space:]]|$)" "$1" ||
    die "$1 does not pin $2 v$3 (scripts/env.sh PULUMI_VERSION=$PULUMI_VERSION); run 'toolchain/build.sh --update' and commit the result"
}

# ---------------------------------------------------------------------------------------- --update
# Needs the Go module proxy. Writes toolchain/cli/{go.mod,go.sum} and tidies toolchain/langhost.
update_cli() {
  local t; t="$(mktemp -d)"
  (
    set -euo pipefail
    cd "$t"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go mod init homelab-iac/toolchain/cli
    local gomod
    gomod="$(go mod download -json "$PKG_MOD@v$PULUMI_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -f "$gomod" ] || { echo "could not download $PKG_MOD@v$PULUMI_VERSION"; exit 1; }
    go mod edit -go="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
    # `go install pkg@version` refuses pkg/v3 (its go.mod has replace directives), hence this tools module. It
    # copies upstream's non-local replaces; the local one (sdk => ../sdk) becomes a pin of the same release.
    awk '/^replace[ \t]*\($/ {b=1; next} b && /^\)/ {b=0; next} b {print; next} /^replace[ \t]/ {sub(/^replace[ \t]+/, ""); print}' "$gomod" |
      sed 's#//.*##' | while read -r a b c d e; do
        [ -n "${a:-}" ] || continue
        if [ "$b" = "=>" ]; then old="$a"; new="$c${d:+@$d}"; else old="$a@$b"; new="$d${e:+@$e}"; fi
        case "$new" in .* | /*) continue ;; esac
        echo "replace $old => $new"
        go mod edit -replace "$old=$new"
      done
    go get -tool "$PKG_MOD/cmd/pulumi@v$PULUMI_VERSION"
    go get "$SDK_MOD@v$PULUMI_VERSION" "$PKG_MOD@v$PULUMI_VERSION"
    go mod tidy
    for m in "$PKG_MOD" "$SDK_MOD"; do
      got="$(go list -m -f '{{.Version}}' "$m")"
      [ "$got" = "v$PULUMI_VERSION" ] || { echo "$m resolved to $got, expected v$PULUMI_VERSION"; exit 1; }
    done
  )
  mkdir -p "$CLI_DIR"
  cp "$t/go.mod" "$t/go.sum" "$CLI_DIR/"
  rm -rf "$t"
}

update_langhost() {
  cd "$LH_DIR"
  export GOFLAGS="-mod=mod -buildvcs=false"
  go mod edit -require="$SDK_MOD@v$PULUMI_VERSION"
  local gomod
  gomod="$(go mod download -json "$SDK_MOD@v$PULUMI_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [ -f "$gomod" ] || { echo "could not download $SDK_MOD@v$PULUMI_VERSION"; return 1; }
  go mod tidy
  local got; got="$(go list -m -f '{{.Version}}' "$SDK_MOD")"
  [ "$got" = "v$PULUMI_VERSION" ] || { echo "$SDK_MOD resolved to $got, expected v$PULUMI_VERSION"; return 1; }
  # The replace directives of sdk/v3 itself (copied into langhost/go.mod) must still match upstream's.
  echo "upstream sdk/v3 replaces:"; grep '^replace' "$gomod" || true
}

# -------------------------------------------------------------------------------------------- steps
need_go
JOBS="${HOMELAB_TOOLCHAIN_JOBS:-$(nproc)}"
export JOBS PKG_MOD SDK_MOD PULUMI_VERSION CLI_DIR LH_DIR
export -f update_cli update_langhost

if [ "$mode" = update ]; then
  run_step update-cli bash -c 'set -euo pipefail; update_cli'
  run_step update-langhost bash -c 'set -euo pipefail; update_langhost'
  say "updated toolchain/cli/{go.mod,go.sum} and toolchain/langhost/{go.mod,go.sum}; commit them"
fi

# 1. Pulumi CLI.
ambient_pulumi() {
  local p
  p="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -)" command -v pulumi 2>/dev/null)" || return 1
  p="$(readlink -f "$p")"
  [ "$p" != "$(readlink -f "$BIN/pulumi" 2>/dev/null)" ] || return 1
  [ "$("$p" version 2>/dev/null)" = "v$PULUMI_VERSION" ] || return 1
  echo "$p"
}
if amb="$(ambient_pulumi)"; then
  # Copied, not symlinked: the engine looks for its bundled plugins (our language host) next to the
  # executable, so `pulumi` has to live in $BIN.
  key="ambient $amb $(stat -c '%s %Y' "$amb")"
  if up_to_date "$BIN/pulumi" "$key"; then
    say "pulumi is up to date (copy of $amb)"
  else
    say "reusing $amb (reports v$PULUMI_VERSION)"
    cp -f "$amb" "$BIN/.pulumi.tmp.$$" && mv -f "$BIN/.pulumi.tmp.$$" "$BIN/pulumi"
    echo "$key" >"$BIN/pulumi.stamp"
  fi
else
  { [ -f "$CLI_DIR/go.mod" ] && [ -f "$CLI_DIR/go.sum" ]; } ||
    die "toolchain/cli/go.mod or go.sum is missing; run 'toolchain/build.sh --update' (needs the Go module proxy) and commit them"
  require_pin "$CLI_DIR/go.mod" "$PKG_MOD" "$PULUMI_VERSION"
  cli_flags="-s -w -X $VERSION_VAR=v$PULUMI_VERSION"
  go_build cli "$CLI_DIR" "$BIN/pulumi" "$(inputs_hash "$CLI_DIR" "$cli_flags")" check_cli \
    -ldflags "$cli_flags" "$PKG_MOD/cmd/pulumi"
fi

# 2. Node.js language host (also what starts Node policy packs: the engine runs them through RunPlugin).
require_pin "$LH_DIR/go.mod" "$SDK_MOD" "$PULUMI_VERSION"
lh_flags="-s -w -X $VERSION_VAR=v$PULUMI_VERSION"
go_build langhost "$LH_DIR" "$BIN/pulumi-language-nodejs" "$(inputs_hash "$LH_DIR" "$lh_flags" "kit=$(inputs_hash "$KIT_DIR")")" check_langhost \
  -ldflags "$lh_flags" .

# 3. Dynamic-provider launcher. Upstream ships it in the @pulumi/pulumi npm package root (the CLI release tarball
#    puts it next to `pulumi`): a shell script resolving @pulumi/pulumi/cmd/dynamic-provider from the program's
#    node_modules and running node on it. Ours (toolchain/dynamic-provider) does the same but exec's node with a
#    preload that ends the provider when the engine dies (no orphan). Installed only when the upstream script still
#    has the contract ours copies (it resolves @pulumi/pulumi/cmd/dynamic-provider).
DP_DIR="$here/dynamic-provider"
shim="$BIN/pulumi-resource-pulumi-nodejs"
upstream="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -f "$upstream" ] || die "node_modules/@pulumi/pulumi is not installed (no $upstream); run scripts/setup.sh first"
grep -q "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')" "$upstream" ||
  die "the dynamic-provider launcher of @pulumi/pulumi changed ($upstream); update toolchain/dynamic-provider to match it"
if cmp -s "$DP_DIR/pulumi-resource-pulumi-nodejs" "$shim" &&
  cmp -s "$DP_DIR/exit-with-parent.js" "$BIN/homelab-exit-with-parent.js"; then
  say "pulumi-resource-pulumi-nodejs is up to date"
else
  cp "$DP_DIR/exit-with-parent.js" "$BIN/.shim-js.tmp.$$" && mv -f "$BIN/.shim-js.tmp.$$" "$BIN/homelab-exit-with-parent.js"
  cp "$DP_DIR/pulumi-resource-pulumi-nodejs" "$BIN/.shim.tmp.$$"
  chmod 0755 "$BIN/.shim.tmp.$$" && mv -f "$BIN/.shim.tmp.$$" "$shim"
  say "installed pulumi-resource-pulumi-nodejs (toolchain/dynamic-provider)"
fi
rm -f "$shim.stamp" "$shim.exit-with-parent.js" # left by earlier versions of this script

# 4. Resource providers, built off PATH and installed into PULUMI_HOME's plugin cache. Our own providers
#    (toolchain/<name>, sharing toolchain/kit) are STAND-INS for upstream plugins that cannot be built here; each
#    reports `<version the npm SDK requests>+homelab.standin` (`<binary> --version`). Semver precedence ignores
#    build metadata, so the engine selects the stand-in for the SDK's request, while `pulumi plugin ls` and
#    `pulumi about` show what it is. A stand-in is used only when the real plugin is absent: when PULUMI_HOME
#    holds resource-<name>-v<version> that is not ours, the stand-in is not installed (and an installed one is
#    removed, since the engine would prefer it among equal versions).
plugin_notes=()
# install_standin NAME REQUESTED_VERSION: builds toolchain/NAME and installs it as resource plugin NAME.
install_standin() {
  local name="$1" req="$2" dir="$here/$1"
  local bin="$PLUGINS/pulumi-resource-$name"
  if [ ! -f "$dir/go.mod" ] || [ ! -d "$dir/cmd/pulumi-resource-$name" ]; then
    die "toolchain/$name (Go module with ./cmd/pulumi-resource-$name) is missing"
  fi
  go_build "$name" "$dir" "$bin" "$(inputs_hash "$dir" "$req" "kit=$(inputs_hash "$KIT_DIR")")" check_plugin \
    "./cmd/pulumi-resource-$name"
  local ver; ver="$("$bin" --version)"
  case "$ver" in
    "$req" | "$req+"*) ;;
    *) die "toolchain/$name reports version '$ver', but the npm SDK requests $name $req (scripts/env.sh); fix one of them" ;;
  esac
  local real="$PULUMI_HOME/plugins/resource-$name-v$req/pulumi-resource-$name"
  if [ "$ver" != "$req" ] && [ -e "$real" ] && grep -qa 'homelab-iac/toolchain/' "$real"; then
    # An earlier build of ours installed under the plain version: not a real plugin; replace it.
    rm -rf "$PULUMI_HOME/plugins/resource-$name-v$req" "$PULUMI_HOME/plugins/resource-$name-v$req".{lock,lastused}
    say "$name: removed an earlier stand-in installed as v$req"
  fi
  if [ "$ver" != "$req" ] && [ -e "$real" ]; then
    rm -rf "$PULUMI_HOME/plugins/resource-$name-v$ver" "$PULUMI_HOME/plugins/resource-$name-v$ver".{lock,lastused}
    say "$name: the real plugin v$req is installed in $PULUMI_HOME; the stand-in is not used"
    plugin_notes+=("$name v$req (real)")
    return
  fi
  local installed="$PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name"
  if cmp -s "$installed" "$bin"; then
    say "$name plugin v$ver is installed in $PULUMI_HOME"
  else
    run_step "install-$name-plugin" "$BIN/pulumi" plugin install resource "$name" "$ver" --file "$bin" --reinstall
    cmp -s "$installed" "$bin" ||
      die "pulumi plugin install did not place the $name plugin at $installed (log: $LOGS/install-$name-plugin.log)"
  fi
  plugin_notes+=("$name v$ver")
}
install_standin command "$PULUMI_COMMAND_VERSION"
install_standin random "$PULUMI_RANDOM_VERSION"
install_standin cloudflare "$PULUMI_CLOUDFLARE_VERSION"
joined="$(printf '%s, ' "${plugin_notes[@]}")"
cmd_note=", plugins in PULUMI_HOME=$PULUMI_HOME: ${joined%, }"

say "ready: pulumi v$PULUMI_VERSION in $BIN$cmd_note"
echo "PATH_PREPEND=$BIN"
