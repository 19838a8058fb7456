import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { OPTIONS } from "../../../preview/cli";
import { marker } from "../../../preview/report";
import { REPO } from "../../support/stack";

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly "runs-on": string[];
  readonly environment?: string;
  readonly env: Record<string, string>;
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const workflow = (file: string) =>
  parse(readFileSync(path.join(REPO, ".github", "workflows", file), "utf8")) as Workflow;
const pinned = /^export PULUMI_VERSION=(\S+)$/m.exec(
  readFileSync(path.join(REPO, "scripts", "env.sh"), "utf8"),
)?.[1];
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

describe("GitHub workflows", () => {
  it("preview: every stack with the policy pack, digest and event log, fork PRs never on the lab runner", () => {
    const job = workflow("preview.yml").jobs.preview!;
    assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
    assert.deepEqual(job["runs-on"], ["self-hosted", "homelab"]);
    assert.match(
      runs(job),
      /umask 077\n\s*pulumi preview --stack "\$\{\{ matrix\.stack \}\}" --policy-pack policies \\\n\s+--policy-pack-config "policy-config\.\$\{\{ matrix\.stack \}\}\.json" --non-interactive \\\n\s+--json --event-log events\.jsonl > preview\.json 2> preview\.stderr/,
    );
    assert.equal(job.env.PULUMI_DEBUG_COMMANDS, "true");
  });

  it("every pulumi run with a policy config checks that config first (the engine would ignore typos)", () => {
    const jobs = [
      workflow("preview.yml").jobs.preview!,
      ...Object.values(workflow("deploy.yml").jobs),
      ...Object.values(workflow("drift.yml").jobs),
    ];
    let checked = 0;
    for (const job of jobs) {
      const steps = job.steps.map((s) => s.run ?? "");
      const uses = steps.findIndex((r) => r.includes("--policy-pack-config"));
      if (uses < 0) continue;
      const check = steps.findIndex((r) =>
        r.includes('npm run -s policy-config -- check "policy-config.${{ matrix.stack }}.json"'),
      );
      assert.ok(check >= 0 && check < uses, "the check runs before the engine reads the file");
      checked++;
    }
    assert.equal(checked, 3);
  });

  it("preview: calls the report CLI only with options it has", () => {
    const render = workflow("preview.yml").jobs.preview!.steps.find((s) =>
      s.run?.includes("preview-report"),
    );
    assert.ok(render?.run);
    const flags = [...render.run.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
    assert.deepEqual(
      flags.filter((f) => !(f in OPTIONS)),
      [],
    );
    assert.ok(
      ["stack", "json", "events", "stderr", "exit-code", "out"].every((f) => flags.includes(f)),
    );
  });

  it("preview: finds its comment by the report's own marker", () => {
    const script = workflow("preview.yml").jobs.preview!.steps.find((s) =>
      s.uses?.startsWith("actions/github-script"),
    )?.with?.script;
    assert.ok(script);
    const template = /const marker = `([^`]+)`;/.exec(script)?.[1];
    assert.equal(template, marker("homelab", "${process.env.STACK}"));
  });

  it("deploy: only main, behind the approval environment, with the policy pack, one machine's failure its own", () => {
    const wf = workflow("deploy.yml");
    assert.deepEqual(Object.keys(wf.on), ["push"]);
    assert.deepEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
    const job = wf.jobs.up!;
    assert.equal(job.environment, "homelab");
    assert.match(
      runs(job),
      /pulumi up --stack "\$\{\{ matrix\.stack \}\}" --refresh --continue-on-error --policy-pack policies \\\n\s+--policy-pack-config "policy-config\.\$\{\{ matrix\.stack \}\}\.json" --yes --non-interactive/,
    );
  });

  it("drift: nightly, reads the machines (--refresh), reports, and fails when anything differs", () => {
    const wf = workflow("drift.yml");
    assert.deepEqual(Object.keys(wf.on).sort(), ["schedule", "workflow_dispatch"]);
    const job = wf.jobs.drift!;
    assert.deepEqual(job["runs-on"], ["self-hosted", "homelab"]);
    assert.match(
      runs(job),
      /umask 077\n\s*pulumi preview --stack "\$\{\{ matrix\.stack \}\}" --refresh --policy-pack policies \\\n\s+--policy-pack-config "policy-config\.\$\{\{ matrix\.stack \}\}\.json" --non-interactive \\\n\s+--json --event-log events\.jsonl > preview\.json/,
    );
    assert.match(runs(job), /cat report\.md >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(runs(job), /s\.op !== "same" && s\.op !== "refresh"/);
  });

  it("every workflow installs the Pulumi CLI version the project pins", () => {
    assert.ok(pinned);
    for (const [file, name] of [
      ["preview.yml", "preview"],
      ["deploy.yml", "up"],
      ["drift.yml", "drift"],
    ] as const) {
      const install = workflow(file).jobs[name]!.steps.find((s) =>
        s.uses?.startsWith("pulumi/actions"),
      );
      assert.equal(install?.with?.["pulumi-version"], pinned, file);
    }
  });
});
