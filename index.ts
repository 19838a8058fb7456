// Wiring only: stack config → validated model → components → exports.
import * as pulumi from "@pulumi/pulumi";
import { HomeLab } from "./components/lab";
import {
  adoptedTalosSecrets,
  deployPrivateKey,
  loadLabFromStackConfig,
} from "./model/pulumi-config";
import { assertCurrent, projectRoot } from "./runtime/compiled";
import { installDebugRedaction } from "./runtime/debug-redaction";

// Pulumi runs the compiled program (build/index.js, Pulumi.yaml): never one older than its sources.
if (__filename.endsWith(".js")) assertCurrent(projectRoot(__dirname), "program");

// The Pulumi SDK formats a stack trace for every output it creates (kept for leaked-promise reports),
// and under ts-node every frame is source-mapped: that was most of the program's time on large
// inventories (docs/benchmarks.md, P4). Resources' source positions are unaffected (the SDK lifts the
// limit for those); errors keep their messages. HOMELAB_STACK_TRACES=1 keeps full traces for debugging.
if (process.env.HOMELAB_STACK_TRACES !== "1") Error.stackTraceLimit = 0;

// The SDK's debug diagnostics would carry every resource's outputs, secrets in plaintext, into event
// logs (runtime/debug-redaction.ts).
installDebugRedaction();

const lab = loadLabFromStackConfig();
const home = new HomeLab(pulumi.getStack(), {
  lab,
  privateKey: deployPrivateKey(),
  talosSecrets: adoptedTalosSecrets(lab),
});

export const machines = pulumi.all(home.ready);
/** Secret. null when the lab has no Talos cluster. */
export const kubeconfig = home.kubeconfig ?? null;
export const databasePasswords = pulumi.all(home.databasePasswords);
/** SSH host keys the program generated for new VMs (pinned; public), e.g. for a known_hosts file. */
export const hostKeys = pulumi.all(home.hostKeys);
/** Post-apply reachability checks from inside the zones (vantage machine → ok/FAIL lines). */
export const verification = home.verification;
export const inventory = {
  zones: lab.zones.map((z) => z.name),
  machines: lab.machines.map((m) => `${m.kind}/${m.name}`),
  services: lab.services.map((s) => s.name),
};
