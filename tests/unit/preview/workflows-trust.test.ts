import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { RULES } from "../../../policies/all";
import { WAIVERS_SCHEMA } from "../../../policies/lib/rule";
import { homeResources, lines, violations } from "../../support/policy-fixture";
import type { PolicyPackConfig } from "../../support/policy-harness";
import { REPO } from "../../support/stack";

const WORKFLOWS = path.join(REPO, ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const text = (f: string) => readFileSync(path.join(WORKFLOWS, f), "utf8");

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string>;
}
interface Job {
  readonly strategy?: { matrix?: { stack?: string[] } };
  readonly steps: Step[];
}
const jobs = (f: string) => Object.values((parse(text(f)) as { jobs: Record<string, Job> }).jobs);

describe("GitHub workflows: what a reviewer can trust", () => {
  describe("third-party actions", () => {
    const uses = files.flatMap((f) =>
      [...text(f).matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) => ({ f, line: m[1]!.trim() })),
    );

    it("are pinned by full commit SHA with the release in a comment, but pulumi/actions (tag)", () => {
      assert.ok(uses.length >= 10, `uses: lines found: ${uses.length}`);
      const pinned = /^([\w.-]+\/[\w.-]+)@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;
      // No SHA of pulumi/actions could be tied to a release from the repository's own files
      // (README "Pull-request previews and deploys"); it stays on its major tag until one is.
      const byTag = uses.filter((u) => !pinned.test(u.line)).map((u) => u.line);
      assert.deepEqual([...new Set(byTag)], ["pulumi/actions@v6"]);
    });

    it("use one SHA per action across the workflows", () => {
      const shas = new Map<string, Set<string>>();
      for (const { line } of uses) {
        const [action, rest] = line.split("@") as [string, string];
        shas.set(action, (shas.get(action) ?? new Set()).add(rest));
      }
      for (const [action, set] of shas)
        assert.equal(set.size, 1, `${action}: ${[...set].join(" / ")}`);
      assert.deepEqual([...shas.keys()].sort(), [
        "actions/checkout",
        "actions/github-script",
        "actions/setup-node",
        "pulumi/actions",
      ]);
    });

    it("check out without leaving the token in the runner's git config, and cache nothing", () => {
      for (const f of files)
        for (const job of jobs(f))
          for (const step of job.steps) {
            if (step.uses?.startsWith("actions/checkout@"))
              assert.equal(String(step.with?.["persist-credentials"]), "false", f);
            if (step.uses?.startsWith("actions/setup-node@"))
              assert.equal(String(step.with?.["package-manager-cache"]), "false", f);
          }
    });
  });

  describe("the PR comment upsert", () => {
    const step = jobs("preview.yml")[0]!.steps.find((s) =>
      s.uses?.startsWith("actions/github-script@"),
    )!;

    interface Comment {
      id: number;
      body: string;
      user: { login: string; type: string };
    }

    /** Runs the workflow's own script the way github-script does (an async function body). */
    async function upsert(existing: Comment[]) {
      const dir = mkdtempSync(path.join(tmpdir(), "upsert-"));
      const calls: string[] = [];
      const prevCwd = process.cwd();
      const prevStack = process.env.STACK;
      try {
        writeFileSync(
          path.join(dir, "comment.md"),
          "<!-- homelab-preview homelab/home -->\nnew body",
        );
        process.chdir(dir);
        process.env.STACK = "home";
        const github = {
          paginate: (_list: unknown, args: { issue_number: number }) => {
            assert.equal(args.issue_number, 7);
            return Promise.resolve(existing);
          },
          rest: {
            issues: {
              listComments: {},
              updateComment: (a: { comment_id: number }) => {
                calls.push(`update ${a.comment_id}`);
                return Promise.resolve();
              },
              createComment: (a: { issue_number: number }) => {
                calls.push(`create on ${a.issue_number}`);
                return Promise.resolve();
              },
            },
          },
        };
        const context = { repo: { owner: "o", repo: "r" }, issue: { number: 7 } };
        // github-script runs the script as the body of an async function (src/async-function.ts).
        const AsyncFunction = async function () {}.constructor as new (
          ...args: string[]
        ) => (...args: unknown[]) => Promise<void>;
        await new AsyncFunction("require", "github", "context", step.with!.script!)(
          require,
          github,
          context,
        );
      } finally {
        process.chdir(prevCwd);
        if (prevStack === undefined) delete process.env.STACK;
        else process.env.STACK = prevStack;
        rmSync(dir, { recursive: true, force: true });
      }
      return calls;
    }

    const marked = "<!-- homelab-preview homelab/home -->\nold";
    const bot = { login: "github-actions[bot]", type: "Bot" };

    it("edits the comment the workflow's own identity wrote", async () => {
      assert.deepEqual(await upsert([{ id: 3, body: marked, user: bot }]), ["update 3"]);
    });

    it("never edits a comment by someone else that carries the marker: creates its own", async () => {
      const human = { login: "mallory", type: "User" };
      const lookalike = { login: "github-actions[bot]", type: "User" };
      assert.deepEqual(
        await upsert([
          { id: 4, body: marked, user: human },
          { id: 5, body: marked, user: lookalike },
        ]),
        ["create on 7"],
      );
      assert.deepEqual(
        await upsert([
          { id: 4, body: marked, user: human },
          { id: 6, body: marked, user: bot },
        ]),
        ["update 6"],
      );
    });

    it("ignores the bot's comments of other stacks", async () => {
      assert.deepEqual(
        await upsert([{ id: 8, body: "<!-- homelab-preview homelab/lab -->\nx", user: bot }]),
        ["create on 7"],
      );
    });

    it("posts whenever a comment was rendered, even when the renderer exited non-zero", () => {
      assert.equal(step.if, "${{ !cancelled() && hashFiles('comment.md') != '' }}");
    });
  });

  describe("the committed policy configs (waivers)", () => {
    const stacks = [
      ...new Set(files.flatMap((f) => jobs(f).flatMap((j) => j.strategy?.matrix?.stack ?? []))),
    ].sort();
    const config = (stack: string) =>
      JSON.parse(readFileSync(path.join(REPO, `policy-config.${stack}.json`), "utf8")) as Record<
        string,
        unknown
      >;

    it("every preview and up in the workflows passes the stack's policy config", () => {
      const commands = files.flatMap((f) =>
        jobs(f).flatMap((j) =>
          j.steps.flatMap((s) =>
            (s.run ?? "").split(/\n(?!\s)/).filter((c) => /pulumi (preview|up)\b/.test(c)),
          ),
        ),
      );
      assert.equal(commands.length, 3);
      for (const c of commands)
        assert.match(
          c,
          /--policy-pack policies \\\n\s+--policy-pack-config "policy-config\.\$\{\{ matrix\.stack \}\}\.json"/,
        );
    });

    it("exists for every stack the workflows run, naming only policies of the pack", () => {
      assert.deepEqual(stacks, ["home"]);
      const names = RULES.map((r) => r.name);
      for (const stack of stacks) {
        assert.ok(existsSync(path.join(REPO, `policy-config.${stack}.json`)), stack);
        assert.deepEqual(
          Object.keys(config(stack)).filter((k) => !names.includes(k)),
          [],
          `policy-config.${stack}.json`,
        );
      }
    });

    it("satisfies each policy's config schema, as the engine checks it, with real expiry dates", () => {
      const ajv = new Ajv({ allErrors: true, strict: false });
      for (const stack of stacks) {
        for (const [name, value] of Object.entries(config(stack))) {
          const rule = RULES.find((r) => r.name === name)!;
          const properties = { ...(rule.config ?? {}), waivers: WAIVERS_SCHEMA };
          // pulumi/pulumi pkg/resource/analyzer/config.go: an object of the policy's properties,
          // plus enforcementLevel, or a bare enforcement level.
          const ok =
            typeof value === "string"
              ? ["advisory", "mandatory", "disabled"].includes(value)
              : ajv.validate(
                  {
                    type: "object",
                    properties: { ...properties, enforcementLevel: { type: "string" } },
                    additionalProperties: false,
                  },
                  value,
                );
          assert.ok(ok, `policy-config.${stack}.json ${name}: ${ajv.errorsText()}`);
          for (const w of (value as { waivers?: { expires: string }[] }).waivers ?? []) {
            const d = new Date(`${w.expires}T00:00:00Z`);
            assert.ok(
              !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === w.expires,
              `${name}: ${w.expires} is not a calendar date`,
            );
          }
        }
      }
    });

    it("leaves the home stack without violations", async function () {
      this.timeout(60000);
      assert.deepEqual(
        lines(violations(await homeResources(), config("home") as PolicyPackConfig)),
        [],
      );
    });
  });
});
