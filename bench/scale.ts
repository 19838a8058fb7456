/**
 * P4: the program plus every policy, under mocks, for a synthetic inventory of N machines. Run in a
 * fresh process per measurement so peak memory is this run's own:
 *   ts-node bench/scale.ts 500   → {"machines":500,"resources":…,"violations":0,"ms":…,"maxRssMiB":…}
 */
import { fromRecorded, evaluateStack } from "../tests/support/policy-harness";
import { POLICIES } from "../policies/all";
import { runProgram } from "../tests/support/program";
import { syntheticInventory } from "./synthetic";

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n < 4) throw new Error("usage: scale.ts <machines (>= 4)>");
  const config = syntheticInventory(n);
  const start = process.hrtime.bigint();
  const run = await runProgram(config);
  if (run.error) throw run.error;
  const programDone = process.hrtime.bigint();
  const result = evaluateStack(POLICIES, fromRecorded(run.resources), {});
  const end = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Math.round(Number(b - a) / 1e6);
  const out = {
    machines: n,
    resources: run.resources.length,
    violations: result.violations.length,
    ms: ms(start, end),
    programMs: ms(start, programDone),
    policiesMs: ms(programDone, end),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
