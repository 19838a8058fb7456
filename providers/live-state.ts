import * as pulumi from "@pulumi/pulumi";
import { SshConn, sshRun } from "./ssh";

/**
 * LiveState: the part of a unit that looks at the machine itself. `@pulumi/command` cannot do this
 * (its read does nothing), so this is a dynamic provider whose SSH sessions run with the system's
 * OpenSSH client (providers/ssh.ts: key-only, host key pinned, one master connection per machine
 * and run).
 *
 * - create/update (after the unit's apply, or to repair drift): a guarded unit's dead-man switch is
 *   confirmed over a NEW connection, which also observes; an unguarded unit's observation comes
 *   from its apply (the apply prints it, no second session). The observation is compared with the
 *   declared state; a difference is repaired once (the unit's bundle again, then confirm and
 *   observe); if it persists the step fails naming the host, the unit and what differs. If the new
 *   connection fails right after a guarded apply, the machine reverts by itself and the step fails
 *   explaining that. An apply whose confirmation never came (an interrupted run) is found by its
 *   id: still pending → confirmed now; reverted → said so, and repaired.
 * - read (refresh): observes the unit's files and facts and reports them as its `state`, inputs
 *   included, so `pulumi preview --refresh` shows drift as a diff from the live text to the
 *   declared text on exactly that host's resource.
 * - delete: nothing (the machine keeps its files; removing a unit forgets it).
 *
 * Everything below runs inside the dynamic-provider process: it is serialized with the resource,
 * so it uses only Node built-ins and the functions of this module and providers/ssh.ts.
 */

export type { SshConn };

export interface LiveStateInputs {
  readonly connection: SshConn;
  readonly machine: string;
  readonly unit: string;
  /** The unit's content hash (shown in diffs). */
  readonly token: string;
  /** Id of the unit's apply command: a new one means the unit was just applied (confirm). */
  readonly applyId: string;
  /** What the apply printed: the post-apply observation, or `@armed` (a guarded unit's switch). */
  readonly applyOutput?: string;
  /**
   * The machine is being adopted (ssh.observeOnly): create and update only observe and record what
   * is there, never write; live ≠ declared is expected and is not a change. The first update
   * without it is the unit's first apply (its applyId changes from OBSERVE_ONLY).
   */
  readonly observeOnly?: boolean;
  /** Dead-man switch window; 0 when the unit is not guarded. */
  readonly revertAfterSeconds: number;
  /** Declared state, keyed like the observer's output (file targets, modes, facts). */
  readonly state: Record<string, string>;
  /**
   * The observer (renderers/unit-live.ts), packed (packScript); `CONFIRM=<id>` in front of it
   * confirms a switch.
   */
  readonly observeScript: string;
  /** Runs the observer as root (`sh -s` or `sudo -n sh -s`). */
  readonly observeCommand: string;
  /** The unit's remote command and its stdin, packed (renderers/unit-bundle.ts): re-stage and re-apply. */
  readonly applyCommand: string;
  readonly applyScript: string;
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

/** The applyId of a unit that has not been applied because its machine is only observed. */
export const OBSERVE_ONLY = "observe-only";

/**
 * Whether the resource must be touched: the unit was re-applied, the target changed, or drift
 * (while the machine is only observed, what it holds is not drift: nothing will be written).
 */
export function needsUpdate(olds: LiveStateInputs, news: LiveStateInputs): boolean {
  const c = (x: SshConn) => `${x.user}@${x.host}:${x.port} ${x.hostKey}`;
  const drift = () =>
    differences(news.state, olds.state ?? {}).length > 0 ||
    Object.keys(olds.state ?? {}).length !== Object.keys(news.state).length;
  return (
    olds.token !== news.token ||
    olds.applyId !== news.applyId ||
    c(olds.connection) !== c(news.connection) ||
    (!news.observeOnly && drift())
  );
}

/**
 * Scripts the provider only sends to the machine travel packed (gzip, base64): they are a third of
 * their size in the program's memory and in state. Never compared (needsUpdate ignores them), so
 * a different zlib producing other bytes changes nothing.
 */
export function packScript(text: string): string {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- also runs in the provider */
  const zlib = require("node:zlib") as typeof import("node:zlib");
  return `gz:${zlib.gzipSync(text, { level: 9 }).toString("base64")}`;
}

export function unpackScript(packed: string): string {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- runs in the provider */
  const zlib = require("node:zlib") as typeof import("node:zlib");
  return packed.startsWith("gz:")
    ? zlib.gunzipSync(Buffer.from(packed.slice(3), "base64")).toString("utf8")
    : packed;
}

/** The observer, confirming the switch `armed` (an id, or `any`) when given. */
export function observerInput(packed: string, armed?: string): string {
  const script = unpackScript(packed);
  if (armed === undefined) return script;
  const id = /^[A-Za-z0-9._-]+$/.test(armed) ? armed : "any";
  return `CONFIRM=${id}\n${script}`;
}

/** `own`: the observer's own `homelab: <unit> on <machine>: ...` line (renderers/sudo.ts): the message. */
type Observed =
  { ok: true; obs: Record<string, string> } | { ok: false; error: string; own?: string };

/** Runs the observer, retrying ssh's own failures within `budgetMs`; `fresh`: a new connection. */
async function observe(
  i: LiveStateInputs,
  input: string,
  fresh: boolean,
  budgetMs: number,
): Promise<Observed> {
  const start = Date.now();
  const errors: string[] = [];
  for (;;) {
    const r = await sshRun(i.connection, i.observeCommand, input, { fresh });
    if (r.code === 0) return { ok: true, obs: parseObservation(r.stdout) };
    const own = r.code === 255 ? undefined : ownMessage(i, r.stderr);
    if (own) return { ok: false, error: own, own };
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

/** A line of the remote command's stderr that already names this unit and machine, if any. */
function ownMessage(i: LiveStateInputs, stderr: string): string | undefined {
  return stderr.split("\n").find((l) => l.startsWith(`${who(i)}: `));
}

function address(i: LiveStateInputs): string {
  return `${i.connection.user}@${i.connection.host}:${i.connection.port}`;
}

/** Time left for the confirmation, with a margin before the machine's own timer fires. */
function confirmBudgetMs(i: LiveStateInputs): number {
  return i.revertAfterSeconds > 0 ? Math.max(10, i.revertAfterSeconds / 2) * 1000 : 30_000;
}

/**
 * After an apply that printed `applied`: for a guarded unit, confirm its switch over a new
 * connection and observe there; otherwise take the apply's own observation.
 */
async function afterApply(i: LiveStateInputs, applied: string): Promise<Record<string, string>> {
  const printed = parseObservation(applied);
  if (i.revertAfterSeconds <= 0) {
    if (Object.keys(printed).length > 0) return printed;
    const r = await observe(i, observerInput(i.observeScript), false, 30_000);
    if (!r.ok)
      throw new Error(r.own ?? `${who(i)}: cannot observe the machine over SSH: ${r.error}`);
    return r.obs;
  }
  const r = await observe(
    i,
    observerInput(i.observeScript, printed["@armed"] ?? "any"),
    true,
    confirmBudgetMs(i),
  );
  if (!r.ok) {
    throw new Error(
      r.own ??
        `${who(i)}: the change was applied, but the deployer could not open a new SSH session to ${address(i)} afterwards (${r.error}). ` +
          `The change would lock the deployer out, so ${i.machine} restores its previous configuration by itself within ${i.revertAfterSeconds} s of the apply (dead-man switch; logged in /var/log/homelab-deadman.log). ` +
          `Nothing stays broken: fix the inventory (the preview shows what this change does) and run pulumi up again.`,
    );
  }
  return r.obs;
}

/**
 * Confirm (guarded units, after an apply) and verify; repair once when the machine differs.
 * Returns the observed state; throws a message naming the host, the unit and the cause.
 */
export async function converge(
  i: LiveStateInputs,
  justApplied: boolean,
): Promise<Record<string, string>> {
  let first: Record<string, string>;
  if (justApplied) {
    first = await afterApply(i, i.applyOutput ?? "");
  } else {
    const r = await observe(i, observerInput(i.observeScript), false, 30_000);
    if (!r.ok)
      throw new Error(r.own ?? `${who(i)}: cannot observe the machine over SSH: ${r.error}`);
    first = r.obs;
  }
  if (first["@confirm"] !== "reverted" && differences(i.state, first).length === 0) {
    return stateOf(i.state, first);
  }

  // Repair once: the unit's bundle again (it re-stages: the stage may be gone), then confirm and
  // verify anew.
  const late =
    first["@confirm"] === "reverted"
      ? `The apply's confirmation came too late (or the run that applied it was interrupted): ${i.machine} had reverted to its previous configuration by itself (${(first["@last-revert"] ?? "").trim() || "dead-man switch"}). `
      : "";
  const before = describeDifferences(i.state, first);
  const applied = await sshRun(i.connection, i.applyCommand, unpackScript(i.applyScript));
  if (applied.code !== 0) {
    throw new Error(
      `${who(i)}: ${late}differs from the declared state and re-applying failed: ${(applied.stderr || applied.stdout).trim()}\nWhat differed:\n${before}`,
    );
  }
  const second = await afterApply(i, applied.stdout);
  if (second["@confirm"] === "reverted") {
    throw new Error(
      `${who(i)}: ${late}the change was re-applied, but the confirmation came too late again: ${i.machine} reverted to its previous configuration (dead-man switch after ${i.revertAfterSeconds} s). Run pulumi up again.`,
    );
  }
  if (differences(i.state, second).length === 0) return stateOf(i.state, second);
  const revert = second["@last-revert"]
    ? `\nLast dead-man revert: ${second["@last-revert"].trim()}`
    : "";
  throw new Error(
    `${who(i)}: ${late}post-apply verification failed: the machine still differs from the declared state after re-applying:\n${describeDifferences(i.state, second)}${revert}`,
  );
}

/** Outputs: the inputs without the apply's output (kept once, in the command's state). */
function outputs(i: LiveStateInputs, state: Record<string, string>) {
  const { applyOutput: _printed, ...rest } = i;
  void _printed;
  return { ...rest, state };
}

/** What a machine that is only observed holds, keyed like the declared state (read only). */
export async function record(i: LiveStateInputs): Promise<Record<string, string>> {
  const r = await observe(i, observerInput(i.observeScript), false, 30_000);
  if (!r.ok) throw new Error(`${who(i)}: cannot observe the machine over SSH: ${r.error}`);
  return stateOf(i.state, r.obs);
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: LiveStateInputs) {
    const state = inputs.observeOnly ? await record(inputs) : await converge(inputs, true);
    return { id: `${inputs.machine}/${inputs.unit}`, outs: outputs(inputs, state) };
  },
  async diff(_id: string, olds: LiveStateInputs, news: LiveStateInputs) {
    return Promise.resolve({ changes: needsUpdate(olds, news) });
  },
  async update(_id: string, olds: LiveStateInputs, news: LiveStateInputs) {
    const state = news.observeOnly
      ? await record(news)
      : await converge(news, olds.applyId !== news.applyId);
    return { outs: outputs(news, state) };
  },
  async read(id: string, props?: LiveStateInputs) {
    if (!props) throw new Error(`homelab: live state ${id}: nothing recorded to refresh`);
    const r = await observe(props, observerInput(props.observeScript), false, 30_000);
    if (!r.ok) {
      throw new Error(
        r.own ?? `${who(props)}: cannot read the live state over SSH (refresh): ${r.error}`,
      );
    }
    // The live text becomes the recorded input, so the next diff shows live → declared.
    const state = stateOf(props.state, r.obs);
    return { id, props: { ...props, state }, inputs: { ...props, state } };
  },
  async delete() {
    return Promise.resolve();
  },
};

/** The resource's arguments: the provider's inputs, where the key and the apply's results may be outputs. */
export type LiveStateArgs = Omit<LiveStateInputs, "connection" | "applyId" | "applyOutput"> & {
  readonly connection: Omit<SshConn, "privateKey" | "hostKey"> & {
    readonly privateKey: pulumi.Input<string>;
    /** A generated host key (a new VM's) is known only once its seed exists. */
    readonly hostKey: pulumi.Input<string>;
  };
  readonly applyId: pulumi.Input<string>;
  readonly applyOutput: pulumi.Input<string | undefined>;
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
