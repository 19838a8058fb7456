/**
 * The talosctl steps of a Talos cluster as shell scripts, run by local commands on the deployer
 * (Talos has no SSH). Pure: each script is a function of the model, tested by value and run for real
 * against the talosctl stand-in (tests/support/talosctl). Every subcommand, flag and output shape
 * used here is in the talosctl v1.13 reference (https://www.talos.dev/v1.13/reference/cli/, copied
 * in shared/data/talos/v1.13/talosctl-cli.md) or Talos' own printers (cmd/talosctl/cmd/talos/
 * version.go, etcd.go, service.go).
 *
 * Inputs that change nothing must not re-run anything, so what each script contains is deliberate:
 * - the secrets script is one constant text (no version, endpoint or node in it), and its update
 *   re-emits the previous bundle: nothing but adopting another bundle can replace the cluster's CA;
 * - the talosconfig depends on the secrets, the cluster name and the endpoints only;
 * - a node's machine config, upgrade and apply are pinned to the cluster's talosctl version (gen
 *   config output may differ between versions); bootstrap, kubeconfig and the Kubernetes upgrade
 *   are not, so a Talos version change does not re-run them; etcd is bootstrapped only on create.
 */
import type { TalosCluster } from "../model/lab";
import { shq } from "./text";
import { talosEffectiveImage, talosInstallImage, talosNodePatches } from "./talos";
import type { TalosNode } from "./talos-rollout";

/** Environment variable carrying the talosconfig (secret) into each step. Not TALOSCONFIG: talosctl
 * reads that one as a path. */
export const TALOSCONFIG_ENV = "HOMELAB_TALOSCONFIG";
/** Environment variable carrying a node's rendered patch documents. */
export const PATCH_ENV = "TALOS_PATCH";
/** Seconds between two polls of a health gate; the environment may shorten it (tests). */
const POLL = '"${HOMELAB_TALOS_POLL_SEC:-5}"';

const noVersion = (v: string) => v.replace(/^v/, "");

/** Talos needs no pinned client for these: talosctl present, private temp dir. */
function preludeAnyVersion(purpose: string): string[] {
  return [
    "set -eu",
    "umask 077",
    `command -v talosctl >/dev/null || { echo "homelab: talosctl is required on the deployer to ${purpose} (https://www.talos.dev/)" >&2; exit 1; }`,
    "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
  ];
}

/** The deployer's talosctl must be exactly the cluster's version (`talosctl version --client --short`
 * prints `Client:` then `Talos <tag>`, version.go). */
function preludePinned(version: string): string[] {
  const want = `Talos ${version}`;
  return [
    "set -eu",
    "umask 077",
    `command -v talosctl >/dev/null || { echo "homelab: talosctl ${version} is required on the deployer (https://www.talos.dev/)" >&2; exit 1; }`,
    `talosctl version --client --short 2>/dev/null | grep -qxF ${shq(want)} || { echo "homelab: talosctl ${version} is required (the cluster's talosVersion); found: $(talosctl version --client --short 2>/dev/null | tail -n 1)" >&2; exit 1; }`,
    "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
  ];
}

const talosconfigFile = [`printf '%s' "$${TALOSCONFIG_ENV}" > "$d/talosconfig"`];

/** `talosctl gen secrets`, once. The text is a constant: no input of the cluster is in it. */
export function renderSecretsCreate(): string {
  return [
    ...preludeAnyVersion("generate the cluster's secrets"),
    'talosctl gen secrets --output-file "$d/secrets.yaml" >/dev/null',
    'cat "$d/secrets.yaml"',
  ].join("\n");
}

/**
 * The secrets' update: keeps the previous bundle. An update can only come from a change of the
 * script text itself (a new homelab-iac release); regenerating would give the cluster a new CA that
 * no node trusts. The command provider passes the previous stdout as PULUMI_COMMAND_STDOUT
 * (pulumi-command: addPreviousOutputInEnv, default true).
 */
export function renderSecretsKeep(): string {
  return [
    "set -eu",
    '[ -n "${PULUMI_COMMAND_STDOUT:-}" ] || { echo "homelab: the Talos secrets bundle is not in the stack state; refusing to generate a new one (every node trusts the old CA). Set the existing bundle with pulumi config set --secret homelab:talosSecrets < secrets.yaml (README: Adopting an existing Talos cluster)." >&2; exit 1; }',
    "printf '%s\\n' \"$PULUMI_COMMAND_STDOUT\"",
  ].join("\n");
}

/** The talosctl client config: from the secrets (stdin), endpoints = the control planes. */
export function renderTalosconfig(c: TalosCluster): string {
  const cps = c.controlPlanes.map((m) => m.interfaces[0]!.address);
  return [
    ...preludeAnyVersion("generate the talosctl client config"),
    'cat > "$d/secrets.yaml"',
    `talosctl gen config ${shq(c.clusterName)} ${shq(c.endpoint)} --with-secrets "$d/secrets.yaml" --output-types talosconfig --output "$d/talosconfig" >/dev/null`,
    `talosctl --talosconfig "$d/talosconfig" config endpoint ${cps.join(" ")}`,
    `talosctl --talosconfig "$d/talosconfig" config node ${cps[0]}`,
    'cat "$d/talosconfig"',
  ].join("\n");
}

/** A node's machine config: gen config with the secrets (stdin) and the node's patches ($TALOS_PATCH). */
export function renderMachineConfig(c: TalosCluster, node: TalosNode): string {
  return [
    ...preludePinned(c.talosVersion),
    'cat > "$d/secrets.yaml"',
    `printf '%s' "$${PATCH_ENV}" > "$d/patch.yaml"`,
    `talosctl gen config ${shq(c.clusterName)} ${shq(c.endpoint)} --with-secrets "$d/secrets.yaml" --kubernetes-version ${noVersion(c.kubernetesVersion)} --with-docs=false --with-examples=false --output-types ${node.role} --config-patch @"$d/patch.yaml" --output "$d/machine.yaml" >/dev/null`,
    'cat "$d/machine.yaml"',
  ].join("\n");
}

/** The installer image of a node: the user's patches may point it at an Image Factory installer. */
export function nodeInstallImage(c: TalosCluster, node: TalosNode): string {
  const m = [...c.controlPlanes, ...c.workers].find((x) => x.name === node.name)!;
  return (
    talosEffectiveImage(talosNodePatches(c, m, node.role)) ?? talosInstallImage(c.talosVersion)
  );
}

/**
 * Shell functions of the node steps: reachability, the version a node runs, and the health gate
 * (bounded by rollout.healthTimeoutSec). Parsing follows Talos' printers: `version` prints the
 * server's `Tag:` line (version.go); `service <id>` prints `STATE`/`HEALTH` rows (service.go);
 * `etcd members` prints NODE, ID, HOSTNAME, PEER URLS, CLIENT URLS, LEARNER (etcd.go).
 */
function nodeHelpers(c: TalosCluster, node: TalosNode): string[] {
  const t = c.rollout.healthTimeoutSec;
  return [
    `node=${shq(node.name)} ip=${node.address} want=${shq(c.talosVersion)}`,
    ...talosconfigFile,
    'tc="--talosconfig $d/talosconfig -n $ip -e $ip"',
    `fail() { echo "homelab: Talos node $node ($ip): $*. The rollout stopped here: the nodes after it were not changed. Fix the node, then run pulumi up again; it continues from this node." >&2; exit 1; }`,
    // Each wait (the node answering, a reboot, the gate) gets the whole bound of its own.
    `clock() { deadline=$(( $(date +%s) + ${t} )); }`,
    "clock",
    // Polls a check until the deadline; the message is expanded when it fails (it may name $seen).
    `wait_for() { what=$1; shift; until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || { eval "what=\\"$what\\""; fail "$what after ${t} s"; }; sleep ${POLL}; done; }`,
    "secure() { talosctl $tc version >/dev/null 2>&1; }",
    'maintenance() { talosctl get machinestatus --insecure -n "$ip" -e "$ip" >/dev/null 2>&1; }',
    "reachable() { secure || maintenance; }",
    "tag() { talosctl $tc version --short 2>/dev/null | sed -n 's/^[[:space:]]*Tag:[[:space:]]*//p' | head -n 1; }",
    'on_version() { seen=$(tag); [ "$seen" = "$want" ]; }',
    'service_ok() { talosctl $tc service "$1" 2>/dev/null | awk \'$1=="STATE"{s=$2} $1=="HEALTH"{h=$2} END{exit !(s=="Running" && h=="OK")}\'; }',
    'etcd_member() { talosctl $tc etcd members 2>/dev/null | awk -v h="$node" \'NR>1 && $3==h && $6=="false"{f=1} END{exit !f}\'; }',
    "gate() {",
    "  clock",
    "  wait_for 'is not back on $want over mTLS (it reports: ${seen:-no answer})' on_version",
    '  wait_for "kubelet is not healthy (talosctl service kubelet)" service_ok kubelet',
    ...(node.role === "controlplane"
      ? [
          '  wait_for "etcd is not healthy (talosctl service etcd)" service_ok etcd',
          '  wait_for "is not a voting etcd member (talosctl etcd members)" etcd_member',
        ]
      : []),
    '  echo "homelab: Talos node $node ($ip) is healthy on $want"',
    "}",
    'wait_for "is not reachable (neither over mTLS nor in maintenance mode)" reachable',
  ];
}

/**
 * Upgrades the node to the declared Talos version if it runs another one, then gates. A node still
 * in maintenance mode is not installed yet: its apply installs the declared version.
 * `talosctl upgrade --wait` cordons and drains the node (--drain, default true), reboots into the
 * new image and waits for it (Talos docs, Upgrading Talos Linux).
 */
export function renderUpgrade(c: TalosCluster, node: TalosNode): string {
  const image = nodeInstallImage(c, node);
  return [
    ...preludePinned(c.talosVersion),
    ...nodeHelpers(c, node),
    'if ! secure; then echo "homelab: Talos node $node ($ip) is in maintenance mode (not installed yet); its apply-config installs $want"; exit 0; fi',
    "now=$(tag)",
    'if [ "$now" = "$want" ]; then',
    '  echo "homelab: Talos node $node ($ip) already runs $want"',
    "else",
    `  echo "homelab: Talos node $node ($ip): upgrading $now -> $want (${image})"`,
    `  talosctl $tc upgrade --image ${shq(image)} --wait --timeout ${c.rollout.healthTimeoutSec}s || fail "talosctl upgrade --image ${image} failed"`,
    "fi",
    "gate",
  ].join("\n");
}

/**
 * Applies the node's machine config (stdin) in the least disruptive mode Talos allows: a dry run in
 * the default mode says whether the change needs a reboot ("Applied configuration with(out) a
 * reboot (skipped in dry-run)"); without one, `--mode no-reboot` (which fails rather than reboot);
 * with one, `--mode reboot`, waiting for a new boot id. Then the health gate. A node in maintenance
 * mode gets the config over the insecure maintenance API and installs itself.
 */
export function renderApply(c: TalosCluster, node: TalosNode): string {
  return [
    ...preludePinned(c.talosVersion),
    'cat > "$d/machine.yaml"',
    ...nodeHelpers(c, node),
    "if secure; then",
    '  out=$(talosctl $tc apply-config --file "$d/machine.yaml" --dry-run 2>&1) || fail "talosctl refused the machine config: $out"',
    '  case "$out" in *"without a reboot"*) mode=no-reboot ;; *"with a reboot"*) mode=reboot ;; *) mode=no-reboot ;; esac',
    '  if [ "$mode" = reboot ]; then',
    '    boot=$(talosctl $tc read /proc/sys/kernel/random/boot_id) || fail "cannot read its boot id"',
    '    rebooted() { b=$(talosctl $tc read /proc/sys/kernel/random/boot_id 2>/dev/null) && [ -n "$b" ] && [ "$b" != "$boot" ]; }',
    "  fi",
    '  echo "homelab: Talos node $node ($ip): applying the machine config (--mode $mode)"',
    '  talosctl $tc apply-config --file "$d/machine.yaml" --mode "$mode" || fail "talosctl apply-config --mode $mode failed"',
    '  if [ "$mode" = reboot ]; then clock; wait_for "did not reboot into the new config" rebooted; fi',
    "  gate",
    "else",
    '  echo "homelab: Talos node $node ($ip) is in maintenance mode: installing $want with its machine config"',
    '  talosctl apply-config --insecure -n "$ip" -e "$ip" --file "$d/machine.yaml" || fail "talosctl apply-config --insecure failed"',
    "  clock",
    "  wait_for 'did not come up installed on $want (it reports: ${seen:-no answer})' on_version",
    '  echo "homelab: Talos node $node ($ip) is installed on $want"',
    "fi",
  ].join("\n");
}

/** Kubernetes at creation: the machine configs already carry the version; nothing to run. */
export function renderKubernetesCreate(c: TalosCluster): string {
  return `echo "homelab: Kubernetes ${c.kubernetesVersion} is installed with the cluster (machine configs from talosctl gen config --kubernetes-version)"`;
}

/**
 * A kubernetesVersion change: `talosctl upgrade-k8s --to` through the first control plane. It
 * detects the running version, pre-pulls images and updates the control plane components node by
 * node, then the kubelets (Talos docs, Upgrading Kubernetes: "non-disruptive to the cluster
 * workloads").
 */
export function renderKubernetesUpgrade(c: TalosCluster): string {
  const cp1 = c.controlPlanes[0]!.interfaces[0]!.address;
  return [
    // Not pinned to the Talos version: a Talos upgrade alone must not re-run upgrade-k8s (the
    // steps before it in the same run already required the pinned talosctl).
    ...preludeAnyVersion("upgrade Kubernetes"),
    ...talosconfigFile,
    `echo "homelab: upgrading Kubernetes to ${c.kubernetesVersion} (talosctl upgrade-k8s)"`,
    `talosctl --talosconfig "$d/talosconfig" -n ${cp1} -e ${cp1} upgrade-k8s --to ${noVersion(c.kubernetesVersion)} --with-docs=false --with-examples=false || { echo "homelab: talosctl upgrade-k8s --to ${noVersion(c.kubernetesVersion)} failed; the nodes' machine configs were not changed by homelab-iac. Fix the cause, then run pulumi up again." >&2; exit 1; }`,
  ].join("\n");
}

/** Retries a command for up to `tries` polls (an API coming up); `what` names it when giving up. */
function retry(tries: number, cmd: string, what: string): string {
  return `i=0; until ${cmd}; do i=$((i+1)); [ $i -lt ${tries} ] || { echo "homelab: ${what}: gave up after ${tries} attempts" >&2; exit 1; }; sleep ${POLL}; done`;
}

/** etcd is bootstrapped exactly once, on the first control plane; AlreadyExists means done. */
export function renderBootstrap(c: TalosCluster): string {
  const cp1 = c.controlPlanes[0]!.interfaces[0]!.address;
  return [
    ...preludeAnyVersion("bootstrap etcd"),
    ...talosconfigFile,
    `tc="--talosconfig $d/talosconfig -n ${cp1} -e ${cp1}"`,
    retry(
      60,
      `{ out=$(talosctl $tc bootstrap 2>&1) || echo "$out" | grep -q AlreadyExists; }`,
      `talosctl bootstrap on ${cp1}`,
    ),
  ].join("\n");
}

/** Bootstrap's update: etcd is never bootstrapped twice (an update only means the inputs moved). */
export function renderBootstrapKeep(): string {
  return 'echo "homelab: etcd was bootstrapped when the cluster was created; nothing to do"';
}

/** The admin kubeconfig (stdout, secret) from the first control plane. */
export function renderKubeconfig(c: TalosCluster): string {
  const cp1 = c.controlPlanes[0]!.interfaces[0]!.address;
  return [
    ...preludeAnyVersion("fetch the kubeconfig"),
    ...talosconfigFile,
    `tc="--talosconfig $d/talosconfig -n ${cp1} -e ${cp1}"`,
    retry(
      120,
      `talosctl $tc kubeconfig "$d/kubeconfig" --force >/dev/null 2>&1`,
      `talosctl kubeconfig from ${cp1}`,
    ),
    'cat "$d/kubeconfig"',
  ].join("\n");
}
