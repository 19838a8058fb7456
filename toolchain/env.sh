# shellcheck shell=bash
# Sourceable: puts the locally built Pulumi toolchain (toolchain/build.sh) on PATH and sets the
# variables every Pulumi invocation of this project needs. Installs nothing; run build.sh first.
#
#   . toolchain/env.sh
#
# It also sources scripts/env.sh (pinned versions, HOMELAB_CACHE, Node 22 on PATH).
# It deliberately does NOT set PULUMI_CONFIG_PASSPHRASE: secrets are the caller's business
# (tests export a throwaway one, a real lab run prompts or uses the caller's own).

_homelab_toolchain_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
. "$_homelab_toolchain_here/../scripts/env.sh"
unset _homelab_toolchain_here

# The bin dir build.sh fills: pulumi, pulumi-language-nodejs (this project's own language host,
# toolchain/langhost) and the pulumi-resource-pulumi-nodejs dynamic-provider launcher. Prepended so
# it wins over any other pulumi on PATH; the engine looks for its "bundled" plugins (language host,
# dynamic-provider launcher) next to the pulumi binary first, so all of them live in this one
# directory. The command provider is deliberately NOT here: build.sh installs it into PULUMI_HOME's
# plugin cache (a pulumi-resource-* on PATH would override the cache and trigger a warning).
HOMELAB_TOOLCHAIN_BIN="$HOMELAB_TOOLCHAIN_DIR/bin"
export HOMELAB_TOOLCHAIN_BIN
case ":$PATH:" in
  *":$HOMELAB_TOOLCHAIN_BIN:"*) ;;
  *) export PATH="$HOMELAB_TOOLCHAIN_BIN:$PATH" ;;
esac

# PULUMI_HOME: where the CLI keeps plugins (plugins/resource-command-v<ver>/), credentials and
# workspace state. Kept in the cache, away from ~/.pulumi, so the project never mixes with a
# user's own plugins. An already-set PULUMI_HOME is respected (build.sh installs into it too).
export PULUMI_HOME="${PULUMI_HOME:-$HOMELAB_CACHE/pulumi-home}"

# PULUMI_SKIP_UPDATE_CHECK: the CLI otherwise asks the Pulumi service for a newer version on
# every run (no network here; it would only add latency and noise).
export PULUMI_SKIP_UPDATE_CHECK=true

# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: never try to download a missing provider plugin
# (GitHub / get.pulumi.com are unreachable). A missing plugin must fail loudly instead; the
# plugins this project uses are built and installed by build.sh.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
