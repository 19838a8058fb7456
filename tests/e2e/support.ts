/**
 * End-to-end helpers: the real Pulumi engine (toolchain/) against the simulated lab (lab/labctl).
 * Every command's output is kept, so the secrets test can check all of it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { applyPatch, PatchOp } from "../support/patch";
import { sshCounter as makeSshCounter } from "../support/ssh-counter";
import { REPO } from "../support/stack";

export interface Result {
  readonly status: number;
  /** stdout and stderr. */
  readonly output: string;
  readonly stdout: string;
}

/** Everything every command printed, for the secrets check. */
export const transcript: string[] = [];

function exec(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutSec?: number } = {},
): Result {
  const r = spawnSync(cmd, args, {
    cwd: REPO,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: (opts.timeoutSec ?? 900) * 1000,
  });
  if (r.error) throw r.error;
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  transcript.push(`$ ${cmd} ${args.join(" ")}\n${output}`);
  return { status: r.status ?? -1, output, stdout: r.stdout ?? "" };
}

let cachedEnv: NodeJS.ProcessEnv | undefined;

/** The environment scripts/lab.sh uses for pulumi (toolchain PATH, backend, passphrase, stack). */
export function labEnv(): NodeJS.ProcessEnv {
  if (cachedEnv) return cachedEnv;
  const r = exec("bash", ["scripts/lab.sh", "env"]);
  if (r.status !== 0) throw new Error(`scripts/lab.sh env failed:\n${r.output}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of r.output.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = exec("bash", ["-c", `printf %s ${m[2]}`]).output;
  }
  cachedEnv = env;
  return env;
}

export function sh(script: string, timeoutSec = 900): Result {
  return exec("bash", ["-c", script], { env: labEnv(), timeoutSec });
}

/**
 * Runs pulumi against the lab stack; returns its output and, for operations that have an event log
 * (preview, up, refresh, destroy), the steps it APPLIED (not "same", not planned in a preview).
 */
export function pulumi(
  args: string[],
  timeoutSec = 900,
): Result & { steps: { op: string; type: string; name: string }[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-e2e-"));
  const log = path.join(dir, "events.json");
  // --event-log exists only with PULUMI_DEBUG_COMMANDS (engine events as JSON lines).
  const env = { ...labEnv(), PULUMI_DEBUG_COMMANDS: "true" };
  const logged = ["preview", "up", "refresh", "destroy"].includes(args[0]!);
  const r = exec(
    "pulumi",
    [...args, "--non-interactive", ...(logged ? ["--event-log", log] : [])],
    { env, timeoutSec },
  );
  const steps: { op: string; type: string; name: string }[] = [];
  if (existsSync(log)) {
    const text = readFileSync(log, "utf8");
    transcript.push(text);
    for (const line of text.split("\n").filter(Boolean)) {
      type Step = { metadata: { op: string; urn: string; type: string }; planning?: boolean };
      const e = JSON.parse(line) as { resOutputsEvent?: Step; resOpFailedEvent?: Step };
      const ev = e.resOutputsEvent ?? e.resOpFailedEvent;
      if (!ev || ev.planning) continue;
      const m = ev.metadata;
      if (m && m.op !== "same" && m.op !== "read")
        steps.push({ op: m.op, type: m.type, name: m.urn.split("::").pop()! });
    }
  }
  return { ...r, steps };
}

/**
 * `pulumi preview` (with `extra` args, e.g. --refresh) as JSON: the resources it would change, as
 * "op name" (refresh and same steps left out), plus the digest itself.
 */
export function previewChanges(extra: string[] = []): {
  status: number;
  changes: string[];
  digest: { steps?: { op: string; urn: string; oldState?: unknown; newState?: unknown }[] };
  output: string;
} {
  const r = exec(
    "pulumi",
    ["preview", "--policy-pack", "policies", "--non-interactive", "--json", ...extra],
    { env: labEnv() },
  );
  const digest = (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as {
    steps?: { op: string; urn: string }[];
  };
  const changes = (digest.steps ?? [])
    .filter((s) => s.op !== "same" && s.op !== "refresh")
    .map((s) => `${s.op} ${s.urn.split("::").pop()!}`)
    .sort();
  return { status: r.status, changes, digest, output: r.output };
}

/** Waits (polling every second, up to `seconds`) until `check` holds; returns whether it did. */
export function waitFor(check: () => boolean, seconds: number): boolean {
  for (let i = 0; i < seconds; i++) {
    if (check()) return true;
    spawnSync("sleep", ["1"]);
  }
  return check();
}

/** Whether the deploy host can open an SSH session to a lab host right now (pinned key). */
export function deployerCanSsh(host: string): boolean {
  const r = exec("ssh", [
    "-F",
    "/dev/null",
    "-i",
    "/run/homelab-lab/lab/deploy_ed25519",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=3",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    `root@${oobOf(host)}`,
    "true",
  ]);
  return r.status === 0;
}

export function labctl(...args: string[]): Result {
  return exec(path.join(REPO, "lab", "labctl"), args, { env: labEnv() });
}

/** The lab's real VMs (QEMU guests, not lab hosts): name → address, from the lab inventory. */
export function labVms(): Record<string, string> {
  const inv = parse(readFileSync(path.join(REPO, "lab", "inventory.yaml"), "utf8")) as {
    config: {
      "homelab:hypervisors": Record<
        string,
        { vms?: Record<string, { nics: { address: string }[] }> }
      >;
    };
  };
  const out: Record<string, string> = {};
  for (const h of Object.values(inv.config["homelab:hypervisors"]))
    for (const [n, v] of Object.entries(h.vms ?? {})) out[n] = v.nics[0]!.address;
  return out;
}

/** The host keys the program generated for the VMs (stack output hostKeys). */
export function generatedHostKeys(): Record<string, string> {
  const r = exec("pulumi", ["stack", "output", "hostKeys", "--json"], { env: labEnv() });
  if (r.status !== 0) throw new Error(`pulumi stack output hostKeys: ${r.output}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/**
 * Runs a shell command on a real VM over SSH from the deploy host (its route through the management
 * zone and the router), checking the host key the program pinned: never trust on first use.
 */
export function onVm(vm: string, script: string, timeoutSec = 120): Result {
  const address = labVms()[vm];
  const key = generatedHostKeys()[vm];
  if (!address || !key) throw new Error(`no VM ${vm} with a generated host key in the lab`);
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-e2e-ssh-"));
  const kh = path.join(dir, "known_hosts");
  writeFileSync(kh, `${address} ${key}\n`);
  return exec(
    "ssh",
    [
      "-F",
      "/dev/null",
      "-i",
      "/run/homelab-lab/lab/deploy_ed25519",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${kh}`,
      "-o",
      "HostKeyAlgorithms=ssh-ed25519",
      "-o",
      "LogLevel=ERROR",
      `root@${address}`,
      script,
    ],
    { env: labEnv(), timeoutSec },
  );
}

/** Runs a shell command inside a lab host, or (over SSH) on one of the lab's real VMs. */
export function onHost(host: string, script: string): Result {
  if (host in labVms()) return onVm(host, script);
  return labctl("exec", host, "--", "sh", "-c", script);
}

interface LabJson {
  readonly oobBridge: string;
  readonly hosts: { name: string; oobAddress: string; sshHostKey?: string }[];
}

/**
 * Hand edits that drift the converged lab (the e2e drift test and the drift preview fixture):
 * password SSH on app1, and an extra accept rule on gw1 letting the DMZ reach the hypervisors.
 */
export function driftByHand(): void {
  for (const [host, script] of [
    [
      "app1",
      "sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config.d/01-homelab.conf",
    ],
    ["gw1", "nft insert rule inet homelab forward iifname eth1.30 oifname eth1.40 accept"],
  ] as const) {
    const r = onHost(host, script);
    if (r.status !== 0) throw new Error(`hand edit on ${host} failed:\n${r.output}`);
  }
}

export function labJson(): LabJson {
  return JSON.parse(readFileSync("/run/homelab-lab/lab/lab.json", "utf8")) as LabJson;
}

export function oobOf(host: string): string {
  return labJson().hosts.find((h) => h.name === host)!.oobAddress;
}

const STACK_FILE = path.join(REPO, "Pulumi.lab.yaml");

/** Applies a patch to the lab stack's homelab: config; returns a function that restores it. */
export function patchLabConfig(ops: PatchOp[]): () => void {
  const original = readFileSync(STACK_FILE, "utf8");
  const doc = parse(original) as { config: Record<string, unknown> };
  doc.config = applyPatch(doc.config, ops);
  // Keep the generated-file header: it is how scripts and tests tell a lab stack from a user's.
  const header = /^(#[^\n]*\n)*/.exec(original)![0];
  writeFileSync(STACK_FILE, header + stringify(doc, { lineWidth: 0 }));
  return () => writeFileSync(STACK_FILE, original);
}

/**
 * Counts new SSH connections from the deploy host to each lab host: an nft counter per OOB address
 * on the deploy host's way out (TCP SYN to port 22 on the OOB bridge).
 */
export const sshCounter = makeSshCounter("homelab_e2e_ssh", labJson);

/** sshd's effective settings on a host. */
export function sshdT(host: string): Record<string, string> {
  const r = onHost(host, "sshd -T -C user=root,host=localhost,addr=127.0.0.1");
  if (r.status !== 0) throw new Error(`sshd -T on ${host}: ${r.output}`);
  return Object.fromEntries(
    r.output
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.split(" ")[0]!, l.slice(l.indexOf(" ") + 1)]),
  );
}

/** TCP connect from a lab host: true when it succeeds within 2 s. */
export function canConnect(from: string, address: string, port: number): boolean {
  return onHost(from, `nc -z -w2 ${address} ${port}`).status === 0;
}

export function canPing(from: string, address: string): boolean {
  return onHost(from, `ping -c1 -W1 ${address}`).status === 0;
}
