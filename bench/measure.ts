/**
 * The measurements on the bench lab (P1, P2, P3, P5; README "Benchmarks", docs/benchmarks.md):
 * each a function that runs its runs, interleaved where two things are compared, and returns its
 * statistics. P4 (under mocks, no lab) is in bench/scale-runs.ts.
 */
import type { Lab } from "../model/lab";
import { ansible, writeAnsible } from "./ansible";
import {
  forgetStack,
  must,
  PREVIEW,
  pulumi,
  resetHosts,
  setMaxAuthTries,
  sshCounter,
  total,
  UP,
  withHosts,
} from "./lab";
import type { Results } from "./report";
import { log, ratios, stat } from "./stats";

const RUNS = Number(process.env.HOMELAB_BENCH_RUNS ?? 3);
const NOOP_RUNS = Number(process.env.HOMELAB_BENCH_NOOP_RUNS ?? Math.max(RUNS, 5));

export { RUNS };

/** P2 (and P3's own first converge): fresh stack, unconfigured hosts, 1 and 8 hosts interleaved. */
export function parallelism(lab: Lab): Results["p2"] {
  const one: number[] = [];
  const eight: number[] = [];
  const eightSessions: number[] = [];
  const oneSessions: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const n of [1, 8]) {
      log(`P2 run ${i + 1}/${RUNS}: first converge with ${n} host(s)`);
      forgetStack();
      resetHosts(lab);
      const restore = withHosts(n);
      try {
        sshCounter.reset();
        const up = must(pulumi(UP), `pulumi up (${n} hosts)`);
        (n === 1 ? one : eight).push(up.ms);
        (n === 1 ? oneSessions : eightSessions).push(total(sshCounter.read()));
      } finally {
        restore();
      }
    }
  }
  return {
    one: stat(one),
    eight: stat(eight),
    ratio: ratios(eight, one),
    sessions: { one: stat(oneSessions).median, eight: stat(eightSessions).median },
  };
}

/** P1: no-op on the converged lab (after P2, whose last run converged all 8 hosts). */
export function noop(): Results["p1"] {
  const ups: number[] = [];
  const previews: number[] = [];
  const noopSessions: number[] = [];
  const noopSteps: number[] = [];
  for (let i = 0; i < NOOP_RUNS; i++) {
    log(`P1 run ${i + 1}/${NOOP_RUNS}: preview and no-op up`);
    previews.push(must(pulumi(PREVIEW), "pulumi preview").ms);
    sshCounter.reset();
    const up = must(pulumi(UP), "pulumi up (no-op)");
    ups.push(up.ms);
    noopSessions.push(total(sshCounter.read()));
    noopSteps.push(up.steps.length);
  }
  return {
    up: stat(ups),
    preview: stat(previews),
    ratio: ratios(ups, previews),
    sessions: noopSessions,
    steps: noopSteps,
  };
}

/** P5: one host's sshd setting changes (alternating, so every run is a change). */
export function blastRadius(): Results["p5"] {
  const p5Sessions: Record<string, number>[] = [];
  const p5Steps: string[][] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`P5 run ${i + 1}/${RUNS}: host03's MaxAuthTries changes`);
    const restore = setMaxAuthTries("host03", i % 2 === 0 ? 4 : 5);
    try {
      sshCounter.reset();
      const up = must(pulumi(UP), "pulumi up (one host changed)");
      p5Sessions.push(sshCounter.read());
      p5Steps.push(up.steps.map((s) => `${s.op} ${s.name}`).sort());
    } finally {
      restore();
    }
  }
  must(pulumi(UP), "pulumi up (back)");
  return { sessions: p5Sessions, steps: p5Steps };
}

/**
 * P3: ours and Ansible (same files and activation) on the same hosts, paired run by run: our
 * no-op up, reset, Ansible's first and no-op runs, reset, our first converge.
 */
export function versusAnsible(lab: Lab): Results["p3"] {
  const inventory = writeAnsible(lab);
  const oFirst: number[] = [];
  const oNoop: number[] = [];
  const aFirst: number[] = [];
  const aNoop: number[] = [];
  const sessions = {
    oursFirst: [] as number[],
    ansibleFirst: [] as number[],
    ansibleNoop: [] as number[],
  };
  for (let i = 0; i < RUNS; i++) {
    log(`P3 run ${i + 1}/${RUNS}: ours no-op, Ansible first and no-op, ours first`);
    oNoop.push(must(pulumi(UP), "pulumi up (no-op)").ms);
    resetHosts(lab);
    sshCounter.reset();
    const first = must(ansible(inventory), "ansible-playbook (first)");
    aFirst.push(first.ms);
    sessions.ansibleFirst.push(total(sshCounter.read()));
    if (!/changed=[1-9]/.test(first.stdout))
      throw new Error("ansible changed nothing on reset hosts");
    sshCounter.reset();
    const noop = must(ansible(inventory), "ansible-playbook (no-op)");
    aNoop.push(noop.ms);
    sessions.ansibleNoop.push(total(sshCounter.read()));
    if (/changed=[1-9]/.test(noop.stdout))
      throw new Error("ansible's second run changed something");
    forgetStack();
    resetHosts(lab);
    sshCounter.reset();
    oFirst.push(must(pulumi(UP), "pulumi up (first converge)").ms);
    sessions.oursFirst.push(total(sshCounter.read()));
  }
  return {
    oursFirst: stat(oFirst),
    oursNoop: stat(oNoop),
    ansibleFirst: stat(aFirst),
    ansibleNoop: stat(aNoop),
    first: ratios(oFirst, aFirst),
    noop: ratios(oNoop, aNoop),
    sessions: {
      oursFirst: stat(sessions.oursFirst).median,
      ansibleFirst: stat(sessions.ansibleFirst).median,
      oursNoop: 0,
      ansibleNoop: stat(sessions.ansibleNoop).median,
    },
  };
}
