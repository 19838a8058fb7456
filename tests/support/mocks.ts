/**
 * Pulumi mock harness: runs a program (or any function creating resources) inside a mocked stack and
 * records every registration with its URN. Mocks overwrite duplicate URNs silently, where the real
 * engine refuses the whole program (`Duplicate resource URN`), so the URN list is kept separately and
 * runMocked fails when any URN was registered twice: every mock test proves uniqueness.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { REPO } from "./stack";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  /** Filled in once the mock monitor assigned it. */
  urn?: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  readonly provider?: string;
  /** Names of the resources it depends on (explicit and through its inputs), once registered. */
  dependsOn?: string[];
  /** URNs this resource waits for (explicit dependsOn and input dependencies), once registered. */
  dependencies?: string[];
}

export interface RunResult {
  readonly resources: Recorded[];
  readonly urns: string[];
  readonly outputs: Record<string, unknown> | undefined;
  /** The program's failure, if it threw. */
  readonly error?: Error;
  /** Error.stackTraceLimit as the program left it (restored for the caller afterwards). */
  readonly stackTraceLimit: number;
}

export interface RunOptions {
  /** Full config keys to string values (objects as JSON), as the engine passes them. */
  readonly config?: Record<string, string>;
  readonly secretKeys?: string[];
  readonly preview?: boolean;
  readonly stack?: string;
  /** Extra outputs per resource type, merged over the inputs. */
  readonly outputs?: (r: Recorded) => Record<string, unknown>;
  /** Results of provider functions; any call it does not answer fails the test. */
  readonly calls?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

/** Converts a parsed stack config block to the string map the engine would pass. */
export function engineConfig(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
type RegisterRequest = {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
};

export async function runMocked(
  program: () => Promise<Record<string, unknown> | void>,
  opts: RunOptions = {},
): Promise<RunResult> {
  const resources: Recorded[] = [];
  const urns: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const rec: Recorded = {
          type: args.type,
          name: args.name,
          custom: args.custom ?? false,
          inputs: args.inputs as Record<string, unknown>,
          provider: args.provider,
        };
        resources.push(rec);
        const extra = opts.outputs?.(rec) ?? {};
        return {
          id: rec.custom ? `${args.name}-id` : undefined,
          state: { ...rec.inputs, ...extra },
        };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const result = opts.calls?.(args);
        if (result === undefined)
          throw new Error(`unexpected provider function call ${args.token}`);
        return result;
      },
    },
    "homelab",
    opts.stack ?? "test",
    opts.preview ?? false,
  );
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  const urnOf = new Map<string, string>();
  const depsOf = new Map<string, string[]>();
  monitor.registerResource = (req: RegisterRequest, cb: Callback) =>
    register(req, (err, resp) => {
      if (resp) {
        urns.push(resp.getUrn());
        urnOf.set(`${req.getType()}::${req.getName()}`, resp.getUrn());
        depsOf.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
      }
      cb(err, resp);
    });
  let outputs: Record<string, unknown> | undefined;
  let error: Error | undefined;
  // The program may shorten stack traces for the whole process (index.ts): observe, then restore,
  // so that test failures after it keep theirs.
  const limit = Error.stackTraceLimit;
  let stackTraceLimit: number;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => (await program()) ?? {});
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  try {
    // Registrations started inside apply() callbacks may still be in flight.
    const settings = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
    if (settings.waitForRPCs) await settings.waitForRPCs();
  } finally {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = limit;
  }
  for (const r of resources) {
    r.urn = urnOf.get(`${r.type}::${r.name}`);
    r.dependencies = depsOf.get(`${r.type}::${r.name}`);
    r.dependsOn = r.dependencies?.map((u) => u.split("::").pop()!);
  }
  const dups = duplicateUrns(urns);
  if (dups.length)
    throw new Error(
      `the program registered ${dups.length} resource URN(s) more than once; the real engine refuses it with "Duplicate resource URN": ${dups.join(", ")}`,
    );
  return { resources, urns, outputs, error, stackTraceLimit };
}

/** URNs registered more than once (the engine would reject them; mocks do not). */
export function duplicateUrns(urns: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const u of urns) (seen.has(u) ? dup : seen).add(u);
  return [...dup].sort();
}

/** Loads a module of the repository fresh (programs run at import); `repoPath` like "index". */
export async function importFresh<T>(repoPath: string): Promise<T> {
  const resolved = require.resolve(path.resolve(REPO, repoPath));
  delete require.cache[resolved];
  return (await import(resolved)) as T;
}

/** Names of the resources `r` waits for (sorted), from their URNs. */
export function dependencyNames(r: Recorded): string[] {
  return [...new Set((r.dependencies ?? []).map((u) => u.split("::").pop()!))].sort();
}
