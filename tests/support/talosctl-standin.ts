/**
 * Test-side handle on the talosctl stand-in (tests/support/talosctl/): a private state directory,
 * nodes in it, the environment that puts the stand-in first on PATH, and a runner for rendered
 * step scripts that behaves like the command provider's local.Command (`/bin/sh -c`, stdin, extra
 * environment).
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ClusterState, NodeFaults, NodeState } from "./talosctl/talosctl";
import { REPO } from "./stack";

export type { ClusterState, NodeFaults, NodeState };

export const STANDIN_BIN = path.join(REPO, "tests", "support", "talosctl");

export interface StepResult {
  readonly status: number;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly output: string;
}

export class TalosStandIn {
  readonly dir: string;
  /** The deployer's talosctl version the stand-in reports (`version --client`). */
  clientVersion = "v1.13.9";

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "homelab-talosctl-"));
    mkdirSync(path.join(this.dir, "nodes"));
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${STANDIN_BIN}:${process.env.PATH ?? ""}`,
      HOME: this.dir,
      TALOSCTL_STANDIN_STATE: this.dir,
      TALOSCTL_STANDIN_CLIENT_VERSION: this.clientVersion,
      HOMELAB_TALOS_POLL_SEC: "0.2",
      ...extra,
    };
  }

  /** A machine booted from the Talos ISO, waiting in maintenance mode. */
  addNode(address: string, version = "v1.13.9"): void {
    const n: NodeState = {
      address,
      mode: "maintenance",
      version,
      bootId: `boot-${address}-0`,
      etcd: { member: false, learner: false, healthy: false },
      kubeletHealthy: false,
      faults: {},
    };
    writeFileSync(this.nodeFile(address), JSON.stringify(n, null, 2));
  }

  node(address: string): NodeState {
    return JSON.parse(readFileSync(this.nodeFile(address), "utf8")) as NodeState;
  }

  updateNode(address: string, change: (n: NodeState) => void): void {
    const n = this.node(address);
    change(n);
    writeFileSync(this.nodeFile(address), JSON.stringify(n, null, 2));
  }

  cluster(): ClusterState {
    const f = path.join(this.dir, "cluster.json");
    return existsSync(f)
      ? (JSON.parse(readFileSync(f, "utf8")) as ClusterState)
      : { bootstrapped: false };
  }

  updateCluster(change: (c: ClusterState) => void): void {
    const c = this.cluster();
    change(c);
    writeFileSync(path.join(this.dir, "cluster.json"), JSON.stringify(c, null, 2));
  }

  /** Every talosctl invocation so far, as argv arrays. */
  calls(): string[][] {
    const f = path.join(this.dir, "calls.log");
    return existsSync(f)
      ? readFileSync(f, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as string[])
      : [];
  }

  /** Calls of one subcommand (`upgrade`, `apply-config`, …) with the node each targeted. */
  callsOf(sub: string): { node?: string; argv: string[] }[] {
    return this.calls()
      .filter((argv) => argv.includes(sub))
      .map((argv) => {
        const i = argv.findIndex((a) => a === "-n" || a === "--nodes");
        return { node: i >= 0 ? argv[i + 1] : undefined, argv };
      });
  }

  /** Runs `talosctl` itself. */
  talosctl(args: string[], env: Record<string, string> = {}): StepResult {
    return this.run(path.join(STANDIN_BIN, "talosctl"), args, undefined, env);
  }

  /** Runs a rendered step script like local.Command does: `/bin/sh -c <script>`. */
  step(script: string, opts: { stdin?: string; env?: Record<string, string> } = {}): StepResult {
    return this.run("/bin/sh", ["-c", script], opts.stdin, opts.env ?? {});
  }

  /** A copy of this stand-in's whole state (nodes, cluster, calls) in a new directory. */
  clone(): TalosStandIn {
    const copy = new TalosStandIn();
    cpSync(this.dir, copy.dir, { recursive: true });
    copy.clientVersion = this.clientVersion;
    return copy;
  }

  /** Forgets the calls so far (order assertions then start from here). */
  clearCalls(): void {
    rmSync(path.join(this.dir, "calls.log"), { force: true });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private nodeFile(address: string): string {
    return path.join(this.dir, "nodes", `${address}.json`);
  }

  private run(
    cmd: string,
    args: string[],
    input: string | undefined,
    env: Record<string, string>,
  ): StepResult {
    const r = spawnSync(cmd, args, {
      cwd: this.dir,
      input,
      encoding: "utf8",
      env: this.env(env),
      timeout: 300_000,
    });
    if (r.error) throw r.error;
    // local.Command drops one trailing newline of stdout.
    return {
      status: r.status ?? -1,
      stdout: (r.stdout ?? "").replace(/\n$/, ""),
      output: `${r.stdout ?? ""}${r.stderr ?? ""}`,
    };
  }
}
