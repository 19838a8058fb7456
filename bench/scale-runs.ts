/**
 * P4: the program and all policies under mocks for synthetic inventories (bench/scale.ts in a fresh
 * process per run), and a CPU profile of the 200-machine case. Needs no lab.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { exec, must } from "./lab";
import { summarizeProfile } from "./profile";
import type { Results } from "./report";
import { RUNS } from "./measure";
import { log, ratios, stat } from "./stats";

interface ScaleRun {
  readonly ms: number;
  readonly programMs: number;
  readonly policiesMs: number;
  readonly maxRssMiB: number;
  readonly resources: number;
  readonly violations: number;
}

function scaleRun(n: number): ScaleRun {
  const out = must(
    exec(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "bench/scale.ts", String(n)],
      process.env,
    ),
    `scale ${n}`,
  );
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as ScaleRun;
}

/** Self time by where it is spent, for the 200-machine case. */
function profile200(): string {
  log("P4 profile: 200 machines with --cpu-prof");
  const profDir = mkdtempSync(path.join(tmpdir(), "homelab-prof-"));
  try {
    must(
      exec(
        process.execPath,
        [
          "--cpu-prof",
          `--cpu-prof-dir=${profDir}`,
          "-r",
          "ts-node/register/transpile-only",
          "bench/scale.ts",
          "200",
        ],
        process.env,
      ),
      "profile",
    );
    return summarizeProfile(profDir);
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
}

export function scale(): Results["p4"] {
  const s50: ScaleRun[] = [];
  const s500: ScaleRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`P4 run ${i + 1}/${RUNS}: 50 and 500 machines under mocks`);
    s50.push(scaleRun(50));
    s500.push(scaleRun(500));
  }
  if ([...s50, ...s500].some((s) => s.violations !== 0))
    throw new Error("a synthetic inventory violated a policy");
  const profile = profile200();
  return {
    t50: stat(s50.map((s) => s.ms)),
    t500: stat(s500.map((s) => s.ms)),
    ratio: ratios(
      s500.map((s) => s.ms),
      s50.map((s) => s.ms),
    ),
    rss50: stat(s50.map((s) => s.maxRssMiB)),
    rss500: stat(s500.map((s) => s.maxRssMiB)),
    program500: stat(s500.map((s) => s.programMs)),
    policies500: stat(s500.map((s) => s.policiesMs)),
    resources: { "50": s50[0]!.resources, "500": s500[0]!.resources },
    profile,
  };
}
