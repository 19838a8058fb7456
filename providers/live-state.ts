import * as pulumi from "@pulumi/pulumi";

/**
 * LiveState: the part of a unit that looks at the machine itself. `@pulumi/command` cannot do this
 * (its read does nothing), so this is a dynamic provider whose every operation is an SSH session
 * run with the system's OpenSSH client: key-only (the deploy key, written to a private temporary
 * file for the session), the host key pinned (a one-line known_hosts, StrictHostKeyChecking=yes),
 * no agent, no password or keyboard-interactive authentication.
 *
 * - read (refresh): observes the unit's files and facts and reports them as its `state`, inputs
 *   included, so `pulumi preview --refresh` shows drift as a diff from the live text to the
 *   declared text on exactly that host's resource.
 * - create/update (after the unit's apply, or to repair drift): over a NEW connection, confirms a
 *   guarded unit's dead-man switch, observes, and compares with the declared state. A difference is
 *   repaired once (restage, re-apply, confirm, observe); if it persists the step fails naming the
 *   host, the unit and what differs. If the new connection fails right after a guarded apply, the
 *   machine reverts by itself and the step fails explaining that.
 * - delete: nothing (the machine keeps its files; removing a unit forgets it).
 *
 * Everything below runs inside the dynamic-provider process: it is serialized with the resource,
 * so it uses only Node built-ins and the functions in this module.
 */

export interface SshConn {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** Pinned host public key, `type base64`. */
  readonly hostKey: string;
}

export interface LiveStateInputs {
  readonly connection: SshConn;
  readonly machine: string;
  readonly unit: string;
  /** The unit's content hash (shown in diffs). */
  readonly token: string;
  /** Id of the unit's apply command: a new one means the unit was just applied (confirm). */
  readonly applyId: string;
  /** Dead-man switch window; 0 when the unit is not guarded. */
  readonly revertAfterSeconds: number;
  /** Declared state, keyed like the observer's output (file targets, modes, facts). */
  readonly state: Record<string, string>;
  /** Observer scripts: without and with the dead-man confirmation. */
  readonly observeScript: string;
  readonly confirmScript: string;
  /** Runs the observer as root (`sh -s` or `sudo -n sh -s`). */
  readonly observeCommand: string;
  /** Re-creates the stage directory (login user) and re-applies the unit (the apply command). */
  readonly stageScript: string;
  readonly applyCommand: string;
}

export interface SshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Maps `key<TAB>base64` lines to key → text. Records starting with "@" are metadata. */
export function parseObservation(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab <= 0) continue;
    out[line.slice(0, tab)] = Buffer.from(line.slice(tab + 1), "base64").toString("utf8");
  }
  return out;
}

/** The declared keys whose observed text differs (or is missing), in declaration order. */
export function differences(
  declared: Record<string, string>,
  observed: Record<string, string>,
): string[] {
  return Object.keys(declared).filter((k) => observed[k] !== declared[k]);
}

/** Only the declared keys of an observation (metadata and unknown keys dropped). */
export function stateOf(
  declared: Record<string, string>,
  observed: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(declared)) out[k] = observed[k] ?? "(not reported)\n";
  return out;
}

function firstLines(text: string, n: number): string {
  const ls = text.replace(/\n+$/, "").split("\n");
  return ls.length > n ? `${ls.slice(0, n).join("\n")}\n…` : ls.join("\n");
}

/** A readable account of what differs: for each key, the declared and the observed text (short). */
export function describeDifferences(
  declared: Record<string, string>,
  observed: Record<string, string>,
): string {
  return differences(declared, observed)
    .map(
      (k) =>
        `  ${k}:\n    declared: ${firstLines(declared[k]!, 6).replace(/\n/g, "\n              ")}\n    found:    ${firstLines(observed[k] ?? "(not reported)", 6).replace(/\n/g, "\n              ")}`,
    )
    .join("\n");
}

/** Whether the resource must be touched: the unit was re-applied, the target changed, or drift. */
export function needsUpdate(olds: LiveStateInputs, news: LiveStateInputs): boolean {
  const c = (x: SshConn) => `${x.user}@${x.host}:${x.port} ${x.hostKey}`;
  return (
    olds.token !== news.token ||
    olds.applyId !== news.applyId ||
    c(olds.connection) !== c(news.connection) ||
    differences(news.state, olds.state ?? {}).length > 0 ||
    Object.keys(olds.state ?? {}).length !== Object.keys(news.state).length
  );
}

/** ssh(1) options: key-only, pinned host key, nothing from the user's or system's config. */
export function sshArgs(c: SshConn, dir: string, remoteCommand: string): string[] {
  const type = c.hostKey.trim().split(/\s+/)[0] ?? "";
  const algorithms = type === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256" : type;
  return [
    "-F",
    "/dev/null",
    "-i",
    `${dir}/key`,
    "-o",
    `UserKnownHostsFile=${dir}/known_hosts`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "HostKeyAlias=homelab-target",
    "-o",
    `HostKeyAlgorithms=${algorithms}`,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-o",
    "PasswordAuthentication=no",
    "-o",
    "KbdInteractiveAuthentication=no",
    "-o",
    "PubkeyAuthentication=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=8",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(c.port),
    "-l",
    c.user,
    c.host,
    remoteCommand,
  ];
}

/** One SSH session: runs `remoteCommand` with `input` on stdin. Exit 255 is ssh's own failure. */
export async function sshRun(
  c: SshConn,
  remoteCommand: string,
  input: string,
  timeoutMs = 600_000,
): Promise<SshResult> {
  /* eslint-disable @typescript-eslint/no-require-imports -- runs inside the serialized provider */
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const cp = require("node:child_process") as typeof import("node:child_process");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dir = fs.mkdtempSync(`${os.tmpdir()}/homelab-ssh-`);
  try {
    const key = c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`;
    fs.writeFileSync(`${dir}/key`, key, { mode: 0o600 });
    fs.writeFileSync(`${dir}/known_hosts`, `homelab-target ${c.hostKey.trim()}\n`, { mode: 0o600 });
    return await new Promise<SshResult>((resolve, reject) => {
      const child = cp.spawn("ssh", sshArgs(c, dir, remoteCommand), {
        stdio: ["pipe", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
      });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ssh (the OpenSSH client must be installed): ${e.message}`));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 255, stdout, stderr });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs an observer over a new connection, retrying ssh's own failures within `budgetMs`. */
async function observe(
  i: LiveStateInputs,
  script: string,
  budgetMs: number,
): Promise<{ ok: true; obs: Record<string, string> } | { ok: false; error: string }> {
  const start = Date.now();
  const errors: string[] = [];
  for (;;) {
    const r = await sshRun(i.connection, i.observeCommand, script);
    if (r.code === 0) return { ok: true, obs: parseObservation(r.stdout) };
    errors.push(
      r.code === 255
        ? r.stderr.trim() || "ssh failed"
        : `the observer exited with ${r.code}: ${r.stderr.trim()}`,
    );
    // Host key or authentication failures do not get better by retrying.
    if (r.code !== 255 || /verification failed|Permission denied/.test(r.stderr)) break;
    if (Date.now() - start + 3000 > budgetMs) break;
    await new Promise((res) => setTimeout(res, 2000));
  }
  const last = errors[errors.length - 1]!;
  return {
    ok: false,
    error:
      errors.length > 1
        ? `${last} (${errors.length} attempts in ${Math.round((Date.now() - start) / 1000)} s)`
        : last,
  };
}

function who(i: LiveStateInputs): string {
  return `homelab: ${i.unit} on ${i.machine}`;
}

/** Time left for the confirmation, with a margin before the machine's own timer fires. */
function confirmBudgetMs(i: LiveStateInputs): number {
  return i.revertAfterSeconds > 0 ? Math.max(10, i.revertAfterSeconds / 2) * 1000 : 30_000;
}

/**
 * Confirm (guarded units, after an apply) and verify; repair once when the machine differs.
 * Returns the observed state; throws a message naming the host, the unit and the cause.
 */
export async function converge(
  i: LiveStateInputs,
  justApplied: boolean,
): Promise<Record<string, string>> {
  const guarded = i.revertAfterSeconds > 0;
  const check = async (afterApply: boolean) => {
    const r = await observe(
      i,
      guarded && afterApply ? i.confirmScript : i.observeScript,
      confirmBudgetMs(i),
    );
    if (!r.ok) {
      if (guarded && afterApply) {
        throw new Error(
          `${who(i)}: the change was applied, but the deployer could not open a new SSH session to ${i.connection.user}@${i.connection.host}:${i.connection.port} afterwards (${r.error}). ` +
            `The change would lock the deployer out, so ${i.machine} restores its previous configuration by itself within ${i.revertAfterSeconds} s of the apply (dead-man switch; logged in /var/log/homelab-deadman.log). ` +
            `Nothing stays broken: fix the inventory (the preview shows what this change does) and run pulumi up again.`,
        );
      }
      throw new Error(`${who(i)}: cannot observe the machine over SSH: ${r.error}`);
    }
    if (guarded && afterApply && r.obs["@confirm"] === "reverted") {
      throw new Error(
        `${who(i)}: the change was applied, but the confirmation came too late: ${i.machine} had already reverted to its previous configuration (dead-man switch after ${i.revertAfterSeconds} s). Run pulumi up again.`,
      );
    }
    return r.obs;
  };

  const first = await check(justApplied);
  if (differences(i.state, first).length === 0) return stateOf(i.state, first);

  // Repair once: restage (the stage may be gone), re-apply, then confirm and verify anew.
  const before = describeDifferences(i.state, first);
  const staged = await sshRun(i.connection, "sh -s", i.stageScript);
  if (staged.code !== 0) {
    throw new Error(
      `${who(i)}: differs from the declared state and cannot be restaged (${staged.stderr.trim()}):\n${before}`,
    );
  }
  const applied = await sshRun(i.connection, i.applyCommand, "");
  if (applied.code !== 0) {
    throw new Error(
      `${who(i)}: differs from the declared state and re-applying failed: ${(applied.stderr || applied.stdout).trim()}\nWhat differed:\n${before}`,
    );
  }
  const second = await check(true);
  if (differences(i.state, second).length === 0) return stateOf(i.state, second);
  const revert = second["@last-revert"]
    ? `\nLast dead-man revert: ${second["@last-revert"].trim()}`
    : "";
  throw new Error(
    `${who(i)}: post-apply verification failed: the machine still differs from the declared state after re-applying:\n${describeDifferences(i.state, second)}${revert}`,
  );
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: LiveStateInputs) {
    const state = await converge(inputs, true);
    return { id: `${inputs.machine}/${inputs.unit}`, outs: { ...inputs, state } };
  },
  async diff(_id: string, olds: LiveStateInputs, news: LiveStateInputs) {
    return Promise.resolve({ changes: needsUpdate(olds, news) });
  },
  async update(_id: string, olds: LiveStateInputs, news: LiveStateInputs) {
    const state = await converge(news, olds.applyId !== news.applyId);
    return { outs: { ...news, state } };
  },
  async read(id: string, props?: LiveStateInputs) {
    if (!props) throw new Error(`homelab: live state ${id}: nothing recorded to refresh`);
    const r = await observe(props, props.observeScript, 30_000);
    if (!r.ok) {
      throw new Error(`${who(props)}: cannot read the live state over SSH (refresh): ${r.error}`);
    }
    // The live text becomes the recorded input, so the next diff shows live → declared.
    const state = stateOf(props.state, r.obs);
    return { id, props: { ...props, state }, inputs: { ...props, state } };
  },
  async delete() {
    return Promise.resolve();
  },
};

/** The resource's arguments: the provider's inputs, where the key and the apply id may be outputs. */
export type LiveStateArgs = Omit<LiveStateInputs, "connection" | "applyId"> & {
  readonly connection: Omit<SshConn, "privateKey" | "hostKey"> & {
    readonly privateKey: pulumi.Input<string>;
    /** A generated host key (a new VM's) is known only once its seed exists. */
    readonly hostKey: pulumi.Input<string>;
  };
  readonly applyId: pulumi.Input<string>;
};

/** The live state of one unit on one machine (see the module comment). */
export class LiveState extends pulumi.dynamic.Resource {
  /** The state observed at the last create, update or refresh. */
  declare public readonly state: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: LiveStateArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      provider,
      name,
      { ...args, connection: pulumi.secret(args.connection), state: args.state },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "homelab",
      "LiveState",
    );
  }
}
