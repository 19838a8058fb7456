/**
 * Summarises a V8 CPU profile (node --cpu-prof) by where the self time is spent: the Pulumi SDK,
 * ts-node's source-map support, the garbage collector, our program, the policies, the test harness.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const CATEGORIES: [string, (url: string, fn: string) => boolean][] = [
  ["garbage collector", (_u, f) => f === "(garbage collector)"],
  [
    "stack traces: ts-node's source-map support rewriting every frame",
    (u, f) =>
      /source-map-support|trace-mapping|sourcemap-codec/.test(u) ||
      /prepareStackTrace|CallSite/.test(f),
  ],
  ["Pulumi SDK (@pulumi/pulumi)", (u) => u.includes("@pulumi/pulumi/")],
  ["policy SDK (@pulumi/policy)", (u) => u.includes("@pulumi/policy/")],
  ["protobuf / gRPC serialization", (u) => /google-protobuf|@grpc/.test(u)],
  ["TypeScript transpiling (ts-node)", (u) => /ts-node|typescript\/lib/.test(u)],
  ["policies (policies/)", (u) => /\/policies\/(lib|rules)\//.test(u)],
  ["test harness (mocks, policy harness)", (u) => u.includes("/tests/support/")],
  [
    "our program (model, renderers, components)",
    (u) => /\/(model|renderers|components|providers|runtime)\/|\/index\.(ts|js)$/.test(u),
  ],
];

export function summarizeProfile(dir: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const p = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let totalUs = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    totalUs += dt;
    const n = byId.get(id)!;
    const { url, functionName } = n.callFrame;
    const cat =
      CATEGORIES.find(([, match]) => match(url, functionName))?.[0] ??
      (functionName === "(idle)" || functionName === "(program)"
        ? "idle / V8 runtime"
        : "Node.js and other libraries");
    self.set(cat, (self.get(cat) ?? 0) + dt);
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
  return [
    "  | Where | Self time | Share |",
    "  | --- | ---: | ---: |",
    ...rows.map(
      ([k, us]) =>
        `  | ${k} | ${(us / 1e6).toFixed(1)} s | ${((100 * us) / totalUs).toFixed(0)} % |`,
    ),
  ].join("\n");
}
