/**
 * The bench lab as bench/run.ts drives it: processes with timings, `pulumi` with the steps it
 * applied (from its event log), the lab's hosts and stack file, and the SSH connection counter.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type { Lab, Machine } from "../model/lab";
import { loadInventoryOrThrow } from "../model/load";
import { readStackFile } from "../model/stack-file";
import type { UnitSpec } from "../renderers/unit-script";
import { guestNetworkUnit, routerNetworkUnit } from "../renderers/units/network";
import { dnsUnit, firewallUnit } from "../renderers/units/router";
import { sshdUnit } from "../renderers/units/ssh";
import { sshCounter as makeSshCounter } from "../tests/support/ssh-counter";

export const ROOT = path.resolve(__dirname, "..");
export const WORK = path.join(ROOT, "bench", ".work");
const STACK_FILE = path.join(ROOT, "Pulumi.bench.yaml");
const LAB_STATE = "/run/homelab-lab/bench";

// Processes

export interface Ran {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

let benchEnv: NodeJS.ProcessEnv | undefined;

export function exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv, input?: string): Ran {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env: env ?? labEnv(),
    input,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms };
}

export function must<T extends Ran>(r: T, what: string): T {
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
  return r;
}

/** The environment of the bench lab's stack (toolchain PATH, backend, passphrase, HOMELAB_LAB). */
export function labEnv(): NodeJS.ProcessEnv {
  if (benchEnv) return benchEnv;
  const r = spawnSync("bash", ["scripts/lab.sh", "env"], {
    cwd: ROOT,
    env: { ...process.env, HOMELAB_LAB: "bench" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`scripts/lab.sh env: ${r.stderr}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of r.stdout.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = spawnSync("bash", ["-c", `printf %s ${m[2]}`], { encoding: "utf8" }).stdout;
  }
  benchEnv = env;
  return env;
}

export interface Step {
  readonly op: string;
  readonly type: string;
  readonly name: string;
}

/** pulumi with an event log: the steps it applied (not same, not refresh, not planned). */
export function pulumi(args: string[]): Ran & { steps: Step[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "homelab-bench-"));
  const log = path.join(dir, "events.json");
  const env = { ...labEnv(), PULUMI_DEBUG_COMMANDS: "true" };
  const r = exec("pulumi", [...args, "--non-interactive", "--event-log", log], env);
  const steps: Step[] = [];
  try {
    for (const line of readFileSync(log, "utf8").split("\n").filter(Boolean)) {
      type E = { metadata: { op: string; urn: string; type: string }; planning?: boolean };
      const e = JSON.parse(line) as { resOutputsEvent?: E };
      const ev = e.resOutputsEvent;
      if (!ev || ev.planning) continue;
      const m = ev.metadata;
      if (!["same", "read", "refresh"].includes(m.op))
        steps.push({ op: m.op, type: m.type, name: m.urn.split("::").pop()! });
    }
  } catch {
    // no event log (e.g. the command failed early): no steps
  }
  rmSync(dir, { recursive: true, force: true });
  return { ...r, steps };
}

export const UP = ["up", "--yes", "--policy-pack", "policies"];
export const PREVIEW = ["preview", "--policy-pack", "policies"];

// ---------------------------------------------------------------------------------------------
// The bench lab

export interface LabJson {
  readonly oobBridge: string;
  readonly deployKey: string;
  readonly knownHosts: string;
  readonly hosts: { name: string; oobAddress: string }[];
}

export const labJson = () => JSON.parse(readFileSync(`${LAB_STATE}/lab.json`, "utf8")) as LabJson;

export function onHost(host: string, script: string): Ran {
  return exec(path.join(ROOT, "lab", "labctl"), ["exec", host, "--", "sh", "-c", script]);
}

function stackConfig(): Record<string, unknown> {
  const doc = readStackFile(STACK_FILE);
  return doc.config;
}

export function model(): Lab {
  const config = structuredClone(stackConfig());
  delete config["homelab:deployPrivateKey"];
  return loadInventoryOrThrow(config);
}

/** Rewrites Pulumi.bench.yaml with only the first `n` hosts; returns a restore function. */
export function withHosts(n: number): () => void {
  const original = readFileSync(STACK_FILE, "utf8");
  const doc = parse(original) as { config: Record<string, Record<string, unknown>> };
  const hosts = doc.config["homelab:hosts"]!;
  doc.config["homelab:hosts"] = Object.fromEntries(Object.entries(hosts).slice(0, n));
  writeFileSync(STACK_FILE, stringify(doc, { lineWidth: 0 }));
  return () => writeFileSync(STACK_FILE, original);
}

export function setMaxAuthTries(host: string, tries: number): () => void {
  const original = readFileSync(STACK_FILE, "utf8");
  const doc = parse(original) as {
    config: Record<string, Record<string, { ssh: Record<string, unknown> }>>;
  };
  doc.config["homelab:hosts"]![host]!.ssh.sshd = { maxAuthTries: tries };
  writeFileSync(STACK_FILE, stringify(doc, { lineWidth: 0 }));
  return () => writeFileSync(STACK_FILE, original);
}

/** The units the program applies to each machine of the bench lab (same order). */
export function unitsOf(lab: Lab, m: Machine): UnitSpec[] {
  const router = lab.routers.find((r) => r.name === m.name);
  if (router)
    return [
      sshdUnit(lab, m),
      routerNetworkUnit(lab, router),
      firewallUnit(lab, router),
      dnsUnit(lab, router),
    ];
  if (m.kind === "host" && m.os === "debian") return [sshdUnit(lab, m), guestNetworkUnit(m)];
  throw new Error(`the bench lab has only a router and Debian hosts, not ${m.kind} ${m.name}`);
}

/**
 * Makes every machine look unconfigured again: the managed files (but the deploy key's
 * authorized_keys, which the lab put there), the stage, backups and pending switches are removed.
 * Running daemons and the loaded ruleset stay (a fresh host has its distribution's defaults).
 */
export function resetHosts(lab: Lab): void {
  for (const m of lab.machines) {
    const targets = unitsOf(lab, m)
      .flatMap((u) => u.files.map((f) => f.target))
      .filter((t) => !t.endsWith("authorized_keys"));
    must(
      onHost(
        m.name,
        `rm -rf ${targets.map((t) => `'${t}'`).join(" ")} /etc/homelab "$HOME/.homelab" /var/lib/homelab`,
      ),
      `reset ${m.name}`,
    );
  }
}

/** Forgets the stack's resources (none of them deletes anything on a machine). */
export function forgetStack(): void {
  must(exec("pulumi", ["destroy", "--yes", "--non-interactive", "--skip-preview"]), "destroy");
}

/** New SSH connections from the deployer to each bench host. */
export const sshCounter = makeSshCounter("homelab_bench_ssh", labJson);

export const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);
