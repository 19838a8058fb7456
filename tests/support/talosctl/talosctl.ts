// STAND-IN for talosctl v1.13.9 — NOT the real tool. Used only by the tests (put on PATH by tests/support/talosctl.ts); never installed anywhere else.
/**
 * Contract. Subcommands, flags, flag types, defaults and positional arguments are read at start
 * from the talosctl v1.13.9 CLI reference (tests/fixtures/talos/v1.13/talosctl-cli.md, a copy of
 * https://www.talos.dev/v1.13/reference/cli/ as shipped in shared/data/talos/v1.13). Anything the
 * reference does not list is refused the way cobra/pflag refuse it (unknown command, unknown flag,
 * flag without its argument, bad value, wrong number of arguments; exit 1). Documented subcommands
 * this program does not use are refused with exit 3 ("not implemented in the stand-in"), never
 * faked. Output shapes follow Talos' own printers: version.go (`Client:`/`Server:` and the
 * `Tag:` line), service.go (`NODE/ID/STATE/HEALTH` rows), etcd.go (`etcd members` columns),
 * apply-config's mode details ("Applied configuration with(out) a reboot").
 *
 * State (dir $TALOSCTL_STANDIN_STATE): nodes/<address>.json per node (mode maintenance | running |
 * down, Talos version, applied machine config, boot id, etcd membership, injected faults),
 * cluster.json (bootstrapped, Kubernetes version) and calls.log (one JSON line per call), so tests
 * can assert order, gates and failures. Not simulated: time (a reboot is instant), real TLS (a
 * certificate is a random PEM-shaped blob; mTLS is modelled as "the talosconfig's client cert was
 * issued from the CA the node was configured with"), Kubernetes itself. A change under
 * machine.install (except image) or machine.kernel counts as needing a reboot; everything else
 * applies live. Machine configs are validated against the Talos v1.13 JSON schema on gen config and
 * apply-config; strategic-merge patches merge maps, replace scalars and append lists.
 */
import type AjvType from "ajv/dist/2020.js";
import { createHash, randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { parseAllDocuments, stringify } from "yaml";

/** The client version `version --client` reports: the reference's v1.13.9, or the version a test
 * "installed" (TALOSCTL_STANDIN_CLIENT_VERSION), e.g. the next patch release for an upgrade. */
export const STANDIN_VERSION = process.env.TALOSCTL_STANDIN_CLIENT_VERSION || "v1.13.9";
const REPO = path.resolve(path.dirname(process.argv[1]!), "..", "..", "..");
const REFERENCE = path.join(REPO, "tests/fixtures/talos/v1.13/talosctl-cli.md");
const SCHEMA = path.join(REPO, "tests/fixtures/talos/v1.13/config.schema.json");

// ---------------------------------------------------------------------------------------------
// The contract, from the reference

/** "bool" (no type in the reference), "string", "strings", "stringArray", "duration", "int", … or the allowed values of an enum flag. */
type FlagType = string | string[];
interface FlagSpec {
  readonly long: string;
  readonly short?: string;
  readonly type: FlagType;
  readonly default?: string;
}
interface CommandSpec {
  readonly path: string;
  readonly usage: string;
  readonly flags: FlagSpec[];
  readonly minArgs: number;
  /** Infinity for `<x>...`. */
  readonly maxArgs: number;
}

function parseReference(text: string): Map<string, CommandSpec> {
  const commands = new Map<string, CommandSpec>();
  for (const section of text.split(/^## /m).slice(1)) {
    const title = section.split("\n")[0]!.trim();
    if (!title.startsWith("talosctl")) continue;
    const blocks = [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const usage = blocks.find((b) => b.startsWith("talosctl")) ?? title;
    const flags: FlagSpec[] = [];
    for (const heading of ["### Options\n", "### Options inherited from parent commands\n"]) {
      const at = section.indexOf(heading);
      if (at < 0) continue;
      const block = /```\n([\s\S]*?)```/.exec(section.slice(at))?.[1] ?? "";
      for (const line of block.split("\n")) {
        const m = /^\s*(?:-(\w), )?--([\w-]+)(?: (\S.*?))?\s{2,}(.*)$/.exec(line);
        if (!m) continue;
        const rawType = m[3];
        const type: FlagType = !rawType
          ? "bool"
          : rawType.includes(",")
            ? rawType.split(",").map((s) => s.trim())
            : rawType;
        const def = /\(default (.*)\)\s*$/.exec(m[4]!)?.[1]?.replace(/^"(.*)"$/, "$1");
        flags.push({ long: m[2]!, short: m[1], type, default: def });
      }
    }
    const args = usage.split("\n")[0]!.replace(title, "").replace("[flags]", "").trim();
    const required = (args.match(/(^|\s)<[^>]+>/g) ?? []).length;
    const optional = (args.match(/\[/g) ?? []).length;
    commands.set(title.replace(/^talosctl ?/, ""), {
      path: title,
      usage: usage.trim(),
      flags,
      minArgs: required,
      maxArgs: args.includes("...") ? Infinity : required + optional,
    });
  }
  return commands;
}

/** The subcommands this program uses; the other documented ones exit 3. */
const IMPLEMENTED = [
  "version",
  "get",
  "gen secrets",
  "gen config",
  "config endpoint",
  "config node",
  "apply-config",
  "upgrade",
  "upgrade-k8s",
  "bootstrap",
  "kubeconfig",
  "etcd members",
  "service",
  "read",
];

class CliError extends Error {
  readonly code: number;
  constructor(message: string, code = 1) {
    super(message);
    this.code = code;
  }
}

type Values = Map<string, string | string[] | boolean>;
interface Invocation {
  readonly command: string;
  readonly spec: CommandSpec;
  readonly flags: Values;
  readonly args: string[];
}

const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;

function setFlag(values: Values, f: FlagSpec, raw: string, name: string): void {
  const t = f.type;
  if (t === "bool") {
    if (!["true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False"].includes(raw))
      throw new CliError(
        `invalid argument "${raw}" for "${name}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
      );
    values.set(f.long, ["true", "1", "t", "TRUE", "True"].includes(raw));
  } else if (t === "strings" || t === "stringArray") {
    const prev = (values.get(f.long) as string[] | undefined) ?? [];
    values.set(f.long, [...prev, ...(t === "strings" ? raw.split(",") : [raw])]);
  } else if (t === "duration") {
    if (!GO_DURATION.test(raw))
      throw new CliError(
        `invalid argument "${raw}" for "${name}" flag: time: invalid duration "${raw}"`,
      );
    values.set(f.long, raw);
  } else if (t === "int") {
    if (!/^-?\d+$/.test(raw))
      throw new CliError(
        `invalid argument "${raw}" for "${name}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
      );
    values.set(f.long, raw);
  } else if (Array.isArray(t)) {
    if (!t.includes(raw))
      throw new CliError(
        `invalid argument "${raw}" for "${name}" flag: possible values are ${t.join(", ")}`,
      );
    values.set(f.long, raw);
  } else values.set(f.long, raw);
}

function parseArgv(argv: string[], commands: Map<string, CommandSpec>): Invocation | "help" {
  // Like cobra's Find: the command path is the leading words that name a (sub)command, with flags
  // (and the value of a non-bool flag) skipped wherever they stand, so `talosctl --talosconfig f
  // config endpoint a` finds `config endpoint`; the found command's flags are parsed afterwards.
  const bools = new Set(
    [...commands.values()].flatMap((c) =>
      c.flags
        .filter((f) => f.type === "bool")
        .flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]),
    ),
  );
  const words: string[] = [];
  const pathAt = new Set<number>();
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === "--") break;
    if (a.startsWith("-")) {
      if (!a.includes("=") && !bools.has(a) && !(a.length > 2 && !a.startsWith("--"))) k++;
      continue;
    }
    const next = [...words, a].join(" ");
    if (![...commands.keys()].some((c) => c === next || c.startsWith(`${next} `))) break;
    words.push(a);
    pathAt.add(k);
  }
  const command = words.join(" ");
  const spec = commands.get(command);
  const rest = argv.filter((_, k) => !pathAt.has(k));
  const word = rest.find((a) => !a.startsWith("-")) ?? "";
  if (!spec || command === "") {
    const first = rest[0] ?? "";
    if (first === "" || first === "--help" || first === "-h") return "help";
    if (first.startsWith("--")) throw new CliError(`unknown flag: ${first.split("=")[0]}`);
    if (first.startsWith("-"))
      throw new CliError(`unknown shorthand flag: '${first[1]}' in ${first}`);
    const parent = command ? `talosctl ${command}` : "talosctl";
    throw new CliError(
      `unknown command "${first}" for "${parent}"\nRun '${parent} --help' for usage.`,
    );
  }
  // A parent command without its subcommand prints its help, as cobra does.
  if (word === "" && [...commands.keys()].some((k) => k.startsWith(`${command} `))) return "help";
  argv = rest;
  let i = 0;
  const flags: Values = new Map();
  const args: string[] = [];
  const byLong = new Map(spec.flags.map((f) => [f.long, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const f = byLong.get(name);
      if (!f) throw new CliError(`unknown flag: --${name}`);
      if (f.type === "bool") setFlag(flags, f, inline ?? "true", `--${name}`);
      else if (inline !== undefined) setFlag(flags, f, inline, `--${name}`);
      else if (i + 1 < argv.length) setFlag(flags, f, argv[++i]!, `--${name}`);
      else throw new CliError(`flag needs an argument: --${name}`);
    } else if (a.startsWith("-") && a.length > 1) {
      const c = a[1]!;
      const f = byShort.get(c);
      if (!f) throw new CliError(`unknown shorthand flag: '${c}' in ${a}`);
      const rest = a.slice(2).replace(/^=/, "");
      const name = `-${c}, --${f.long}`;
      if (f.type === "bool") setFlag(flags, f, rest || "true", name);
      else if (rest) setFlag(flags, f, rest, name);
      else if (i + 1 < argv.length) setFlag(flags, f, argv[++i]!, name);
      else throw new CliError(`flag needs an argument: '${c}' in -${c}`);
    } else args.push(a);
  }
  if (flags.get("help") === true) return "help";
  const n = args.length;
  if (spec.maxArgs === 0 && n > 0)
    throw new CliError(`unknown command "${args[0]}" for "${spec.path}"`);
  if (spec.minArgs === spec.maxArgs && n !== spec.minArgs)
    throw new CliError(`accepts ${spec.minArgs} arg(s), received ${n}`);
  if (n < spec.minArgs)
    throw new CliError(`requires at least ${spec.minArgs} arg(s), only received ${n}`);
  if (n > spec.maxArgs) throw new CliError(`accepts at most ${spec.maxArgs} arg(s), received ${n}`);
  return { command, spec, flags, args };
}

function flag<T extends string | string[] | boolean>(inv: Invocation, long: string): T | undefined {
  if (inv.flags.has(long)) return inv.flags.get(long) as T;
  const f = inv.spec.flags.find((x) => x.long === long);
  if (!f || f.default === undefined) return f?.type === "bool" ? (false as T) : undefined;
  if (f.type === "bool") return (f.default === "true") as T;
  if (f.type === "strings" || f.type === "stringArray")
    return f.default
      .replace(/^\[|\]$/g, "")
      .split(",")
      .filter(Boolean) as T;
  return f.default as T;
}

// ---------------------------------------------------------------------------------------------
// State

export interface NodeFaults {
  /** On `upgrade`: "fail" (refused), "no-return" (node stays down), "rollback" (boots the old version). */
  upgrade?: "fail" | "no-return" | "rollback";
  /** After the next reboot (upgrade or reboot-mode apply): etcd or kubelet unhealthy. */
  etcd?: "unhealthy" | "learner";
  kubelet?: "unhealthy";
}

export interface NodeState {
  address: string;
  mode: "maintenance" | "running" | "down";
  /** Talos version running (maintenance: the ISO's). */
  version: string;
  bootId: string;
  /** Applied machine config (YAML). */
  config?: string;
  hostname?: string;
  role?: "controlplane" | "worker";
  /** Issuer fingerprint of the Talos API CA the node trusts (from its config). */
  trustedCa?: string;
  etcd: { member: boolean; learner: boolean; healthy: boolean };
  kubeletHealthy: boolean;
  faults: NodeFaults;
}

export interface ClusterState {
  bootstrapped: boolean;
  kubernetesVersion?: string;
  /** Fault: `upgrade-k8s` fails. */
  failKubernetesUpgrade?: boolean;
}

const STATE = process.env.TALOSCTL_STANDIN_STATE ?? "";
const nodeFile = (ip: string) => path.join(STATE, "nodes", `${ip}.json`);

function loadNode(ip: string): NodeState {
  if (!existsSync(nodeFile(ip)))
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${ip}:50000: connect: connection refused"`,
    );
  return JSON.parse(readFileSync(nodeFile(ip), "utf8")) as NodeState;
}
const saveNode = (n: NodeState) => writeFileSync(nodeFile(n.address), JSON.stringify(n, null, 2));
const clusterFile = () => path.join(STATE, "cluster.json");
function loadCluster(): ClusterState {
  return existsSync(clusterFile())
    ? (JSON.parse(readFileSync(clusterFile(), "utf8")) as ClusterState)
    : { bootstrapped: false };
}
const saveCluster = (c: ClusterState) => writeFileSync(clusterFile(), JSON.stringify(c, null, 2));
function allNodes(): NodeState[] {
  const dir = path.join(STATE, "nodes");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as NodeState);
}

// ---------------------------------------------------------------------------------------------
// Secrets, certificates (PEM-shaped, not real), talosconfig

const b64 = (s: string) => Buffer.from(s).toString("base64");
const fakePem = (label: string) =>
  b64(`-----BEGIN ${label}-----\n${randomBytes(48).toString("base64")}\n-----END ${label}-----\n`);
const fingerprint = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
const token = (a: number, b: number) =>
  `${randomBytes(a).toString("hex").slice(0, a)}.${randomBytes(b).toString("hex").slice(0, b)}`;

interface Bundle {
  cluster: { id: string; secret: string };
  secrets: { bootstraptoken: string; secretboxencryptionsecret: string };
  trustdinfo: { token: string };
  certs: Record<"etcd" | "k8s" | "k8saggregator" | "os", { crt: string; key: string }> & {
    k8sserviceaccount: { key: string };
  };
}

function newBundle(): Bundle {
  const pair = () => ({ crt: fakePem("CERTIFICATE"), key: fakePem("EC PRIVATE KEY") });
  return {
    cluster: {
      id: randomBytes(32).toString("base64url"),
      secret: randomBytes(32).toString("base64"),
    },
    secrets: {
      bootstraptoken: token(6, 16),
      secretboxencryptionsecret: randomBytes(32).toString("base64"),
    },
    trustdinfo: { token: token(6, 16) },
    certs: {
      etcd: pair(),
      k8s: pair(),
      k8saggregator: pair(),
      k8sserviceaccount: { key: fakePem("EC PRIVATE KEY") },
      os: { crt: fakePem("CERTIFICATE"), key: fakePem("ED25519 PRIVATE KEY") },
    },
  };
}

function loadBundle(file: string): Bundle {
  if (!existsSync(file)) throw new CliError(`open ${file}: no such file or directory`);
  const b = parseAllDocuments(readFileSync(file, "utf8"))[0]?.toJS() as Bundle | undefined;
  const missing = [
    !b?.cluster?.secret && "cluster.secret is required",
    !b?.secrets?.bootstraptoken && "secrets.bootstraptoken is required",
    !b?.trustdinfo?.token && "trustdinfo is required",
    ...(["etcd", "k8s", "k8saggregator", "os"] as const).map(
      (c) => !b?.certs?.[c]?.crt && `certs.${c} is required`,
    ),
  ].filter(Boolean);
  if (missing.length) throw new CliError(`failed to load secrets bundle: ${missing.join(", ")}`);
  return b!;
}

function writeOut(file: string, content: string, force: boolean): void {
  if (file === "-") {
    process.stdout.write(content);
    return;
  }
  if (existsSync(file) && !force)
    throw new CliError(`${file} already exists, use --force to overwrite`);
  writeFileSync(file, content, { mode: 0o600 });
}

interface Talosconfig {
  context: string;
  contexts: Record<
    string,
    { endpoints?: string[]; nodes?: string[]; ca: string; crt: string; key: string }
  >;
}

function talosconfigPath(inv: Invocation): string {
  return (
    flag<string>(inv, "talosconfig") ??
    process.env.TALOSCONFIG ??
    path.join(process.env.HOME ?? "/root", ".talos", "config")
  );
}

function loadTalosconfig(inv: Invocation): { file: string; cfg: Talosconfig; name: string } {
  const file = talosconfigPath(inv);
  if (!existsSync(file))
    throw new CliError(
      `failed to open config file "${file}": open ${file}: no such file or directory`,
    );
  const cfg = parseAllDocuments(readFileSync(file, "utf8"))[0]?.toJS() as Talosconfig;
  const name = flag<string>(inv, "context") ?? cfg?.context;
  if (!cfg?.contexts?.[name]) throw new CliError(`context "${name}" is not defined in "${file}"`);
  return { file, cfg, name };
}

// ---------------------------------------------------------------------------------------------
// Machine configs: generation, patches, validation

// Validation: ajv compiles a schema definition in about a second, so each compiled definition is
// cached as standalone code (ajv's standalone mode) under node_modules/.cache, keyed by the schema's
// hash; ajv itself is loaded only when a definition is not cached yet.
const load = createRequire(process.argv[1]!);
type Schema = {
  $id: string;
  $defs: Record<string, { properties?: { kind?: { enum?: string[] } } }>;
};
type Validate = ((d: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params: Record<string, unknown> }[] | null;
};
const CACHE = path.join(REPO, "node_modules", ".cache", "talosctl-standin");
let schemaText: string | undefined;
const schemaOf = () => JSON.parse((schemaText ??= readFileSync(SCHEMA, "utf8"))) as Schema;

function validatorFor(def: string | undefined): Validate {
  schemaText ??= readFileSync(SCHEMA, "utf8");
  const hash = createHash("sha256").update(schemaText).digest("hex").slice(0, 12);
  const file = path.join(CACHE, `${hash}-${def ?? "any"}.cjs`);
  if (!existsSync(file)) {
    const schema = schemaOf();
    const Ajv = (load("ajv/dist/2020.js") as { default: typeof AjvType }).default;
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { source: true } });
    ajv.addSchema(schema);
    const validate = ajv.getSchema(def ? `${schema.$id}#/$defs/${def}` : schema.$id)!;
    const standalone = (
      load("ajv/dist/standalone/index.js") as {
        default: (a: AjvType, v: unknown) => string;
      }
    ).default;
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, standalone(ajv, validate));
    renameSync(tmp, file);
  }
  return load(file) as Validate;
}

/**
 * Each document against its own definition of the Talos v1.13 schema (the v1alpha1 Config for a
 * document without `kind`, else the definition whose `kind` matches), so that a problem is named
 * precisely; the whole schema's oneOf is the fallback for an unknown kind.
 */
function schemaProblems(docs: Record<string, unknown>[]): string[] {
  const s = schemaOf();
  return docs.flatMap((d, i) => {
    const kind = typeof d.kind === "string" ? d.kind : undefined;
    const def = kind
      ? Object.keys(s.$defs).find((k) => s.$defs[k]!.properties?.kind?.enum?.includes(kind))
      : "v1alpha1.Config";
    const validate = validatorFor(def);
    return validate(d)
      ? []
      : [
          `document ${i + 1} (${kind ?? "v1alpha1 Config"}): ${(validate.errors ?? [])
            .map((e) => {
              const extra = (e.params as { additionalProperty?: string }).additionalProperty;
              return `${e.instancePath || "/"} ${e.message ?? "is invalid"}${extra ? ` (${extra})` : ""}`;
            })
            .join("; ")}`,
        ];
  });
}

function parseDocs(text: string, where: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text);
  for (const d of docs)
    if (d.errors.length) throw new CliError(`${where}: ${d.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as unknown).filter((d) => d !== null) as Record<
    string,
    unknown
  >[];
}

function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch))
    return [...(base as unknown[]), ...(patch as unknown[])];
  if (
    base &&
    patch &&
    typeof base === "object" &&
    typeof patch === "object" &&
    !Array.isArray(patch)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(patch)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return patch;
}

function applyPatches(
  docs: Record<string, unknown>[],
  patches: string[],
): Record<string, unknown>[] {
  let out = docs;
  for (const p of patches) {
    const text = p.startsWith("@") ? readFileSync(p.slice(1), "utf8") : p;
    for (const d of parseDocs(text, `failed to parse patch ${p}`)) {
      if (Array.isArray(d)) throw new CliError("stand-in does not implement JSON 6902 patches", 3);
      if (!("kind" in d))
        out = out.map((x) => ("kind" in x ? x : (merge(x, d) as Record<string, unknown>)));
      else out = [...out.filter((x) => !(x.kind === d.kind && x.name === d.name)), d];
    }
  }
  return out;
}

function machineConfig(
  type: "controlplane" | "worker",
  name: string,
  endpoint: string,
  k8s: string,
  b: Bundle,
  inv: Invocation,
): Record<string, unknown> {
  const cp = type === "controlplane";
  const image = (what: string, repo = "registry.k8s.io") => `${repo}/${what}:v${k8s}`;
  return {
    version: "v1alpha1",
    debug: false,
    machine: {
      type,
      token: b.trustdinfo.token,
      ca: cp ? { crt: b.certs.os.crt, key: b.certs.os.key } : { crt: b.certs.os.crt, key: "" },
      certSANs: [],
      kubelet: {
        image: image("kubelet", "ghcr.io/siderolabs"),
        defaultRuntimeSeccompProfileEnabled: true,
      },
      install: {
        disk: flag<string>(inv, "install-disk") ?? "/dev/sda",
        image:
          flag<string>(inv, "install-image") ?? `ghcr.io/siderolabs/installer:${STANDIN_VERSION}`,
        wipe: false,
      },
      features: { diskQuotaSupport: true, kubePrism: { enabled: true, port: 7445 } },
    },
    cluster: {
      id: b.cluster.id,
      secret: b.cluster.secret,
      controlPlane: { endpoint },
      clusterName: name,
      network: {
        dnsDomain: flag<string>(inv, "dns-domain") ?? "cluster.local",
        podSubnets: ["10.244.0.0/16"],
        serviceSubnets: ["10.96.0.0/12"],
      },
      token: b.secrets.bootstraptoken,
      ...(cp ? { secretboxEncryptionSecret: b.secrets.secretboxencryptionsecret } : {}),
      ca: cp ? b.certs.k8s : { crt: b.certs.k8s.crt, key: "" },
      ...(cp
        ? {
            aggregatorCA: b.certs.k8saggregator,
            serviceAccount: { key: b.certs.k8sserviceaccount.key },
            apiServer: { image: image("kube-apiserver"), certSANs: [new URL(endpoint).hostname] },
            controllerManager: { image: image("kube-controller-manager") },
            scheduler: { image: image("kube-scheduler") },
            etcd: { ca: b.certs.etcd },
          }
        : {}),
      proxy: { image: image("kube-proxy") },
      discovery: { enabled: true },
    },
  };
}

function renderDocs(docs: Record<string, unknown>[]): string {
  return docs.map((d) => stringify(d)).join("---\n");
}

// ---------------------------------------------------------------------------------------------
// Node API

function targets(
  inv: Invocation,
  insecure: boolean,
): { nodes: string[]; cfg?: ReturnType<typeof loadTalosconfig> } {
  if (insecure) {
    const nodes = flag<string[]>(inv, "nodes") ?? [];
    if (!nodes.length)
      throw new CliError(
        "nodes are not set for the command: please use `--nodes` flag or configuration file to set the nodes to run the command against",
      );
    return { nodes };
  }
  const cfg = loadTalosconfig(inv);
  const ctx = cfg.cfg.contexts[cfg.name]!;
  const nodes = flag<string[]>(inv, "nodes") ?? ctx.nodes ?? [];
  const endpoints = flag<string[]>(inv, "endpoints") ?? ctx.endpoints ?? [];
  if (!endpoints.length) throw new CliError("failed to determine endpoints");
  if (!nodes.length)
    throw new CliError(
      "nodes are not set for the command: please use `--nodes` flag or configuration file to set the nodes to run the command against",
    );
  return { nodes, cfg };
}

/** A node answering over mTLS with the caller's talosconfig, or a clear transport error. */
function secureNode(ip: string, cfg: ReturnType<typeof loadTalosconfig>): NodeState {
  const n = loadNode(ip);
  if (n.mode === "down")
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${ip}:50000: connect: no route to host"`,
    );
  if (n.mode === "maintenance")
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority" (node ${ip} is in maintenance mode)`,
    );
  const ctx = cfg.cfg.contexts[cfg.name]!;
  const issuer = Buffer.from(ctx.crt, "base64")
    .toString("utf8")
    .match(/issuer=(\w+)/)?.[1];
  if (issuer !== n.trustedCa || fingerprint(ctx.ca) !== n.trustedCa)
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`,
    );
  return n;
}

function maintenanceNode(ip: string): NodeState {
  const n = loadNode(ip);
  if (n.mode === "down")
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${ip}:50000: connect: no route to host"`,
    );
  if (n.mode !== "maintenance")
    throw new CliError(
      `rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: remote error: tls: certificate required"`,
    );
  return n;
}

function tagOf(image: string): string {
  const tag = /:([^:/@]+)$/.exec(image)?.[1];
  if (!tag || !/^v\d+\.\d+\.\d+/.test(tag))
    throw new CliError(`invalid installer image reference "${image}": expected a tag like v1.13.9`);
  return tag;
}

function reboot(n: NodeState, version: string): void {
  n.bootId = randomBytes(16).toString("hex");
  n.version = version;
  n.mode = "running";
  n.kubeletHealthy = n.faults.kubelet !== "unhealthy";
  if (n.role === "controlplane" && loadCluster().bootstrapped) {
    n.etcd = {
      member: true,
      learner: n.faults.etcd === "learner",
      healthy: n.faults.etcd !== "unhealthy",
    };
  }
}

/** Validates a machine config the node receives; returns its documents. */
function receivedConfig(file: string): Record<string, unknown>[] {
  if (!existsSync(file))
    throw new CliError(
      `failed to read configuration from "${file}": open ${file}: no such file or directory`,
    );
  const docs = parseDocs(readFileSync(file, "utf8"), "failed to parse config");
  const problems = schemaProblems(docs);
  if (problems.length)
    throw new CliError(
      `rpc error: code = InvalidArgument desc = configuration validation failed:\n  ${problems.join("\n  ")}`,
    );
  const main = docs.find((d) => !("kind" in d)) as
    { machine?: { type?: string; ca?: { crt?: string } } } | undefined;
  if (!main?.machine?.type)
    throw new CliError(
      "rpc error: code = InvalidArgument desc = machine config has no v1alpha1 document with machine.type",
    );
  return docs;
}

function needsReboot(oldText: string | undefined, docs: Record<string, unknown>[]): boolean {
  if (!oldText) return true;
  const pick = (ds: Record<string, unknown>[]) => {
    const m = (ds.find((d) => !("kind" in d))?.machine ?? {}) as Record<string, unknown>;
    const install = { ...((m.install ?? {}) as Record<string, unknown>) };
    delete install.image;
    return JSON.stringify([install, m.kernel ?? null]);
  };
  return pick(parseDocs(oldText, "stored config")) !== pick(docs);
}

function configure(n: NodeState, docs: Record<string, unknown>[], text: string): void {
  const main = docs.find((d) => !("kind" in d)) as {
    machine: { type: "controlplane" | "worker"; ca: { crt: string } };
  };
  n.config = text;
  n.role = main.machine.type;
  n.trustedCa = fingerprint(main.machine.ca.crt);
  n.hostname =
    (docs.find((d) => d.kind === "HostnameConfig")?.hostname as string | undefined) ?? n.hostname;
}

// ---------------------------------------------------------------------------------------------
// Subcommands

const out = (s: string) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);

/** Go's text/tabwriter with minwidth 0, padding 3, padchar ' ' (as talosctl uses it). */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]! + 3))).join(""))
    .join("\n");
}

const handlers: Record<string, (inv: Invocation) => void> = {
  version(inv) {
    out(
      flag<boolean>(inv, "short")
        ? `Client:\nTalos ${STANDIN_VERSION}`
        : `Client:\n\tTag:         ${STANDIN_VERSION}\n\tGo version:  go1.24.11\n\tOS/Arch:     linux/amd64`,
    );
    if (flag<boolean>(inv, "client")) return;
    out("Server:");
    const insecure = flag<boolean>(inv, "insecure") === true;
    const t = targets(inv, insecure);
    for (const ip of t.nodes) {
      const n = insecure ? maintenanceNode(ip) : secureNode(ip, t.cfg!);
      out(
        `\tNODE:        ${ip}\n\tTag:         ${n.version}\n\tSHA:         ${fingerprint(n.version).slice(0, 8)}\n\tBuilt:       \n\tGo version:  go1.24.11\n\tOS/Arch:     linux/amd64\n\tEnabled:     RBAC`,
      );
    }
  },
  get(inv) {
    if (
      ![
        "machinestatus",
        "machinestatuses",
        "MachineStatus",
        "MachineStatuses.runtime.talos.dev",
      ].includes(inv.args[0]!)
    )
      throw new CliError(`stand-in does not implement resource type "${inv.args[0]}"`, 3);
    const insecure = flag<boolean>(inv, "insecure") === true;
    const t = targets(inv, insecure);
    const rows = [["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "STAGE", "READY"]];
    for (const ip of t.nodes) {
      const n = insecure ? maintenanceNode(ip) : secureNode(ip, t.cfg!);
      rows.push([
        ip,
        "runtime",
        "MachineStatus",
        "machine",
        "1",
        n.mode === "maintenance" ? "maintenance" : "running",
        "true",
      ]);
    }
    out(table(rows));
  },
  "gen secrets"(inv) {
    for (const f of [
      "from-controlplane-config",
      "from-kubernetes-pki",
      "kubernetes-bootstrap-token",
    ])
      if (inv.flags.has(f)) throw new CliError(`stand-in does not implement --${f}`, 3);
    writeOut(
      flag<string>(inv, "output-file")!,
      stringify(newBundle()),
      flag<boolean>(inv, "force") === true,
    );
  },
  "gen config"(inv) {
    const [name, endpoint] = inv.args as [string, string];
    if (!/^https:\/\//.test(endpoint))
      throw new CliError(`cluster endpoint "${endpoint}" should be a URL with https:// scheme`);
    const withSecrets = flag<string>(inv, "with-secrets");
    const b = withSecrets ? loadBundle(withSecrets) : newBundle();
    const k8s = (flag<string>(inv, "kubernetes-version") ?? "1.36.3").replace(/^v/, "");
    const types = flag<string[]>(inv, "output-types")!;
    for (const t of types)
      if (!["controlplane", "worker", "talosconfig"].includes(t))
        throw new CliError(`unknown output type: ${t}`);
    const force = flag<boolean>(inv, "force") === true;
    const output = flag<string>(inv, "output") ?? (types.length === 1 ? undefined : ".");
    const results: [string, string][] = [];
    for (const t of types) {
      if (t === "talosconfig") {
        const issuer = fingerprint(b.certs.os.crt);
        const cfg: Talosconfig = {
          context: name,
          contexts: {
            [name]: {
              endpoints: ["127.0.0.1"],
              ca: b.certs.os.crt,
              crt: b64(
                `STAND-IN CLIENT CERTIFICATE issuer=${issuer} role=os:admin ${randomBytes(8).toString("hex")}`,
              ),
              key: fakePem("ED25519 PRIVATE KEY"),
            },
          },
        };
        results.push([t, stringify(cfg)]);
        continue;
      }
      const role = t as "controlplane" | "worker";
      const patches = [
        ...(flag<string[]>(inv, "config-patch") ?? []),
        ...(flag<string[]>(
          inv,
          role === "controlplane" ? "config-patch-control-plane" : "config-patch-worker",
        ) ?? []),
      ];
      const docs = applyPatches([machineConfig(role, name, endpoint, k8s, b, inv)], patches);
      const problems = schemaProblems(docs);
      if (problems.length) throw new CliError(`failed to generate config: ${problems.join("; ")}`);
      results.push([`${t}.yaml`, renderDocs(docs)]);
    }
    if (types.length === 1) {
      if (!output)
        throw new CliError(
          `output file is required for a single output type (use -o or "-" for stdout)`,
        );
      writeOut(output, results[0]![1], force);
    } else {
      mkdirSync(output!, { recursive: true });
      for (const [f, text] of results) writeOut(path.join(output!, f), text, force);
    }
  },
  "config endpoint"(inv) {
    const c = loadTalosconfig(inv);
    c.cfg.contexts[c.name]!.endpoints = inv.args;
    writeFileSync(c.file, stringify(c.cfg), { mode: 0o600 });
  },
  "config node"(inv) {
    const c = loadTalosconfig(inv);
    c.cfg.contexts[c.name]!.nodes = inv.args;
    writeFileSync(c.file, stringify(c.cfg), { mode: 0o600 });
  },
  "apply-config"(inv) {
    const file = flag<string>(inv, "file");
    if (!file) throw new CliError("no filename supplied for configuration");
    if (inv.flags.has("config-patch"))
      throw new CliError("stand-in does not implement --config-patch on apply-config", 3);
    const mode = flag<string>(inv, "mode")!;
    if (mode === "try" || mode === "staged")
      throw new CliError(`stand-in does not implement --mode ${mode}`, 3);
    const insecure = flag<boolean>(inv, "insecure") === true;
    const dry = flag<boolean>(inv, "dry-run") === true;
    const t = targets(inv, insecure);
    const text = readFileSync(file, "utf8");
    for (const ip of t.nodes) {
      const docs = receivedConfig(file);
      if (insecure) {
        const n = maintenanceNode(ip);
        if (dry) {
          out("Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).");
          continue;
        }
        configure(n, docs, text);
        const image = (docs.find((d) => !("kind" in d))!.machine as { install: { image: string } })
          .install.image;
        reboot(n, tagOf(image));
        saveNode(n);
        out("Applied configuration without a reboot");
        continue;
      }
      const n = secureNode(ip, t.cfg!);
      const main = docs.find((d) => !("kind" in d)) as { machine: { type: string } };
      if (n.role && main.machine.type !== n.role)
        throw new CliError(
          `rpc error: code = InvalidArgument desc = machine type can't be changed from ${n.role} to ${main.machine.type}`,
        );
      const rebootNeeded = needsReboot(n.config, docs);
      if (dry) {
        out(
          `Dry run summary:\nApplied configuration ${rebootNeeded && mode !== "no-reboot" ? "with" : "without"} a reboot (skipped in dry-run).${n.config === text ? "\nNo changes." : "\nConfig diff:\n(stand-in: diff not rendered)"}`,
        );
        continue;
      }
      if (mode === "no-reboot" && rebootNeeded)
        throw new CliError(
          "error applying new configuration: rpc error: code = InvalidArgument desc = apply configuration without reboot is not supported: this config change can't be applied in immediate mode",
        );
      configure(n, docs, text);
      if (mode === "reboot" || (mode === "auto" && rebootNeeded)) {
        reboot(n, n.version);
        saveNode(n);
        out("Applied configuration with a reboot");
      } else {
        saveNode(n);
        out("Applied configuration without a reboot");
      }
    }
  },
  upgrade(inv) {
    const t = targets(inv, false);
    const image = flag<string>(inv, "image")!;
    const version = tagOf(image);
    for (const f of ["debug", "legacy", "no-reboot"])
      if (flag<boolean>(inv, f)) throw new CliError(`stand-in does not implement --${f}`, 3);
    for (const ip of t.nodes) {
      const n = secureNode(ip, t.cfg!);
      const fault = n.faults.upgrade;
      if (fault === "fail")
        throw new CliError(
          `error performing upgrade on node ${ip}: rpc error: code = FailedPrecondition desc = upgrade failed (stand-in fault)`,
        );
      out(`watching nodes: [${ip}]\n    * ${ip}: upgrading to ${image}`);
      delete n.faults.upgrade;
      if (fault === "no-return") {
        n.mode = "down";
        saveNode(n);
        if (flag<boolean>(inv, "wait"))
          throw new CliError(
            `${ip}: timeout waiting for the node to come back after the upgrade reboot (--timeout ${flag<string>(inv, "timeout")})`,
          );
        continue;
      }
      reboot(n, fault === "rollback" ? n.version : version);
      saveNode(n);
      if (flag<boolean>(inv, "wait")) out(`    * ${ip}: post check passed`);
    }
  },
  "upgrade-k8s"(inv) {
    const t = targets(inv, false);
    const to = flag<string>(inv, "to")!.replace(/^v/, "");
    if (!/^\d+\.\d+\.\d+$/.test(to)) throw new CliError(`invalid version "${to}"`);
    if (flag<boolean>(inv, "dry-run"))
      throw new CliError("stand-in does not implement --dry-run on upgrade-k8s", 3);
    const n = secureNode(t.nodes[0]!, t.cfg!);
    if (n.role !== "controlplane")
      throw new CliError(
        `error fetching kubeconfig: node ${n.address} is not a control plane node`,
      );
    const c = loadCluster();
    if (!c.bootstrapped)
      throw new CliError(
        "error building kubernetes client: kubeconfig not found (etcd is not bootstrapped)",
      );
    if (c.failKubernetesUpgrade)
      throw new CliError(
        `failed upgrading kube-apiserver: timed out waiting for the control plane (stand-in fault)`,
      );
    const from = c.kubernetesVersion ?? "unknown";
    out(
      `automatically detected the lowest Kubernetes version ${from}\ndiscovered controlplane nodes ${JSON.stringify(
        allNodes()
          .filter((x) => x.role === "controlplane")
          .map((x) => x.address),
      )}`,
    );
    for (const x of allNodes().filter((x) => x.mode === "running" && x.config)) {
      const docs = parseDocs(x.config!, "stored config").map((d) => {
        if ("kind" in d) return d;
        const s = JSON.stringify(d).replace(
          /(kubelet|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy):v[0-9.]+/g,
          `$1:v${to}`,
        );
        return JSON.parse(s) as Record<string, unknown>;
      });
      x.config = renderDocs(docs);
      saveNode(x);
    }
    c.kubernetesVersion = to;
    saveCluster(c);
    out(`updating kubelet to version "${to}"\nkubernetes upgrade to ${to} finished`);
  },
  bootstrap(inv) {
    const t = targets(inv, false);
    const n = secureNode(t.nodes[0]!, t.cfg!);
    if (n.role !== "controlplane")
      throw new CliError(
        "rpc error: code = FailedPrecondition desc = bootstrap is not available on this node",
      );
    const c = loadCluster();
    if (c.bootstrapped)
      throw new CliError("rpc error: code = AlreadyExists desc = etcd data directory is not empty");
    c.bootstrapped = true;
    c.kubernetesVersion ??= /kubelet:v([0-9.]+)/.exec(n.config ?? "")?.[1];
    saveCluster(c);
    for (const x of allNodes().filter((x) => x.role === "controlplane" && x.mode === "running")) {
      x.etcd = {
        member: true,
        learner: x.faults.etcd === "learner",
        healthy: x.faults.etcd !== "unhealthy",
      };
      saveNode(x);
    }
  },
  kubeconfig(inv) {
    const t = targets(inv, false);
    const n = secureNode(t.nodes[0]!, t.cfg!);
    if (!loadCluster().bootstrapped || n.role !== "controlplane")
      throw new CliError(
        "rpc error: code = NotFound desc = kubeconfig is not available yet (etcd not bootstrapped)",
      );
    const file = inv.args[0] ?? path.join(process.cwd(), "kubeconfig");
    const body = stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "stand-in", cluster: { server: `https://${n.address}:6443` } }],
      users: [{ name: "admin", user: { token: randomBytes(16).toString("hex") } }],
    });
    if (file === "-" && flag<boolean>(inv, "merge") === false) {
      out(body);
      return;
    }
    if (existsSync(file) && !flag<boolean>(inv, "force"))
      throw new CliError(`kubeconfig file already exists, use --force to overwrite: ${file}`);
    writeFileSync(file, body, { mode: 0o600 });
  },
  "etcd members"(inv) {
    const t = targets(inv, false);
    const rows = [["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"]];
    for (const ip of t.nodes) {
      const n = secureNode(ip, t.cfg!);
      if (!n.etcd.member)
        throw new CliError(
          `error from node ${ip}: rpc error: code = Unknown desc = etcd is not running on this node`,
        );
      for (const m of allNodes().filter((x) => x.etcd.member && x.mode === "running"))
        rows.push([
          ip,
          fingerprint(m.address),
          m.hostname ?? m.address,
          `https://${m.address}:2380`,
          `https://${m.address}:2379`,
          String(m.etcd.learner),
        ]);
    }
    out(table(rows));
  },
  service(inv) {
    const t = targets(inv, false);
    const [id, action] = inv.args;
    if (!id || (action && action !== "status"))
      throw new CliError(`stand-in implements only "service <id> [status]"`, 3);
    for (const ip of t.nodes) {
      const n = secureNode(ip, t.cfg!);
      let state: string, health: string;
      if (id === "etcd") {
        if (n.role !== "controlplane")
          throw new CliError(`service "etcd" is not registered on any nodes`);
        [state, health] = !n.etcd.member
          ? ["Preparing", "?"]
          : n.etcd.healthy
            ? ["Running", "OK"]
            : ["Running", "Fail"];
      } else if (id === "kubelet")
        [state, health] = n.kubeletHealthy ? ["Running", "OK"] : ["Running", "Fail"];
      else throw new CliError(`stand-in does not implement service "${id}"`, 3);
      out(
        table([
          ["NODE", n.hostname ?? ip],
          ["ID", id],
          ["STATE", state],
          ["HEALTH", health],
          [
            "EVENTS",
            `[${state}]: Health check ${health === "OK" ? "successful" : "failed"} (1s ago)`,
          ],
        ]),
      );
    }
  },
  read(inv) {
    const t = targets(inv, false);
    const n = secureNode(t.nodes[0]!, t.cfg!);
    if (inv.args[0] === "/proc/sys/kernel/random/boot_id") out(n.bootId);
    else if (inv.args[0] === "/system/state/config.yaml") out(n.config ?? "");
    else throw new CliError(`stand-in does not implement reading ${inv.args[0]}`, 3);
  },
};

function main(): number {
  const argv = process.argv.slice(2);
  if (STATE) {
    mkdirSync(path.join(STATE, "nodes"), { recursive: true });
    appendFileSync(path.join(STATE, "calls.log"), `${JSON.stringify(argv)}\n`);
  }
  try {
    const commands = parseReference(readFileSync(REFERENCE, "utf8"));
    const inv = parseArgv(argv, commands);
    if (inv === "help") {
      out("talosctl stand-in (v1.13.9 contract); see tests/support/talosctl/talosctl.ts");
      return 0;
    }
    if (!IMPLEMENTED.includes(inv.command))
      throw new CliError(`stand-in does not implement "talosctl ${inv.command}"`, 3);
    if (
      !STATE &&
      inv.command !== "version" &&
      !inv.command.startsWith("gen") &&
      !inv.command.startsWith("config")
    )
      throw new CliError(
        "TALOSCTL_STANDIN_STATE is not set (the stand-in keeps its nodes there)",
        3,
      );
    handlers[inv.command]!(inv);
    return 0;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(
      `${e.code === 1 && /^(unknown|flag needs|invalid argument|accepts|requires)/.test(e.message) ? "Error: " : "error: "}${e.message}\n`,
    );
    return e.code;
  }
}

process.exitCode = main();
