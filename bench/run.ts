/**
 * `make bench`: how well the product does its job, on this machine, as ratios taken in one run.
 * Needs the bench lab (scripts/bench.sh brings it up): a router and eight Debian hosts.
 *
 *   P1 no-op: `pulumi up` on the converged lab: SSH sessions opened (must be 0), time / `pulumi preview`
 *   P2 parallelism: first converge of the baseline with 8 hosts / with 1 host
 *   P3 versus Ansible: the same files and activation (bench/ansible/playbook.yml), first converge
 *      and no-op re-run, ours / Ansible
 *   P4 scale: program + all policies under mocks, 50 and 500 machines: time, peak memory, ratio
 *   P5 blast radius: one host's sshd setting changes: SSH sessions and steps, per host
 *
 * Every figure is the median of HOMELAB_BENCH_RUNS runs (default 3; P1 uses 5), min–max shown.
 * Writes docs/benchmarks.md (and bench/.work/results.json).
 *
 * The lab driver is bench/lab.ts, the measurements bench/measure.ts and bench/scale-runs.ts,
 * Ansible bench/ansible.ts, the page bench/report.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import * as path from "node:path";
import { model, ROOT, sshCounter, WORK } from "./lab";
import { blastRadius, noop, parallelism, RUNS, versusAnsible } from "./measure";
import { report, type Results } from "./report";
import { scale } from "./scale-runs";
import { log } from "./stats";

function main(): void {
  mkdirSync(WORK, { recursive: true });
  const lab = model();
  if (lab.hosts.length !== 8) throw new Error("bench/inventory.yaml must have 8 hosts");
  // Order matters: P2 leaves the lab converged for P1, P5 changes and restores one host, P3
  // resets the hosts itself; P4 needs no lab.
  const p2 = parallelism(lab);
  const p1 = noop();
  const p5 = blastRadius();
  const p3 = versusAnsible(lab);
  const p4 = scale();
  const r: Results = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    runs: RUNS,
    p1,
    p2,
    p3,
    p4,
    p5,
  };
  sshCounter.remove();
  writeFileSync(path.join(WORK, "results.json"), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(path.join(ROOT, "docs", "benchmarks.md"), report(r));
  log("wrote docs/benchmarks.md");
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    sshCounter.remove();
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
