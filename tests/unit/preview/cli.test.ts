import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../preview/cli";
import { InputError } from "../../../preview/input";
import { REPO } from "../../support/stack";

const FX = path.join(REPO, "tests", "fixtures", "preview");
const fx = (name: string, f: string) => path.join(FX, name, f);

describe("preview: the report CLI", () => {
  let dir: string;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "preview-cli-"));
    out = path.join(dir, "comment.md");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A file in the test's directory. */
  const put = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const args = (over: Record<string, string | undefined> = {}) => {
    const v: Record<string, string | undefined> = {
      stack: "lab",
      json: fx("secure-change", "preview.json"),
      events: fx("secure-change", "events.jsonl"),
      "exit-code": "0",
      out,
      ...over,
    };
    return Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : [`--${k}`, x]));
  };
  /** The InputError main throws, and that nothing was written. */
  const refused = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
    let message = "";
    assert.throws(
      () => main(argv, env),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `not an InputError: ${String(e)}`);
        message = e.message;
        return true;
      },
    );
    assert.equal(existsSync(out), false, "no comment is written for input not understood");
    return message;
  };

  it("writes the comment with masks from the environment", () => {
    const fxDir = path.join(FX, "insecure-change");
    const r = main(
      args({
        json: path.join(fxDir, "preview.json"),
        events: path.join(fxDir, "events.jsonl"),
        "exit-code": "1",
      }),
      { HOMELAB_PREVIEW_MASKS: "10\\.20\\.0\\.32\ngw1" },
    );
    const text = readFileSync(out, "utf8");
    assert.equal(text, r.comment);
    assert.deepEqual(r.problems, []);
    assert.match(text, /❌ blocked by mandatory policies/);
    assert.doesNotMatch(text, /10\.20\.0\.32|gw1/);
  });

  describe("refuses, naming the file or flag, input it does not understand", () => {
    const digestCases: [string, string, RegExp][] = [
      [
        "cut off",
        '{"steps": [{"op": "same"',
        /preview\.json: it is cut off; expected the one JSON document `pulumi preview --json` prints\./,
      ],
      [
        "garbage",
        "Error: something went wrong\n",
        /preview\.json: it is not valid JSON at line 1, column 1;/,
      ],
      [
        "null",
        "null",
        /preview\.json: expected the JSON object `pulumi preview --json` prints, got null\./,
      ],
      [
        "an array",
        "[1,2,3]",
        /preview\.json: expected the JSON object `pulumi preview --json` prints, got an array of 3\./,
      ],
      [
        "steps not a list",
        '{"steps":"x"}',
        /preview\.json: steps: expected an array, got the string "x"/,
      ],
      [
        "a step without an op",
        '{"steps":[{"urn":"u"}]}',
        /preview\.json: steps\[0\]\.op: expected a string, got nothing \(the field is missing\)/,
      ],
      [
        "a malformed intent",
        JSON.stringify({
          steps: [
            {
              op: "update",
              urn: "u",
              newState: {
                type: "homelab:intent:Record",
                inputs: { intent: { kind: "router", name: "gw1", flows: "x" } },
              },
            },
          ],
        }),
        /steps\[0\]\.newState\.inputs\.intent\.flows: expected an array, got the string "x"/,
      ],
      [
        "no steps from a successful preview",
        "{}",
        /preview\.json: no steps, but the preview exited 0/,
      ],
      ["empty from a successful preview", "", /preview\.json: empty, but the preview exited 0/],
    ];
    for (const [what, text, message] of digestCases) {
      it(`a digest that is ${what}`, () => {
        assert.match(refused(args({ json: put("preview.json", text) })), message);
      });
    }

    it("a missing digest, a missing stderr file", () => {
      assert.match(
        refused(args({ json: path.join(dir, "nope.json") })),
        /--json .*nope\.json: no such file\./,
      );
      assert.match(
        refused(args({ stderr: path.join(dir, "nope.err") })),
        /--stderr .*nope\.err: no such file\./,
      );
    });

    it("no event log from a preview that exited 0", () => {
      assert.match(
        refused(args({ events: path.join(dir, "none.jsonl") })),
        /--events: .*none\.jsonl does not exist, but the preview exited 0; a preview run with --event-log always writes it\./,
      );
    });

    it("bad masks: not a regular expression, or one that matches nothing but the empty string", () => {
      assert.match(
        refused([...args(), "--mask", "(unclosed"]),
        /--mask "\(unclosed": not a JavaScript regular expression \(/,
      );
      assert.match(refused([...args(), "--mask", "a*"]), /--mask "a\*": matches the empty string/);
      assert.match(
        refused(args(), { HOMELAB_PREVIEW_MASKS: "ok\n\\b" }),
        /HOMELAB_PREVIEW_MASKS line 2 "\\\\b": matches the empty string/,
      );
    });

    it("numbers that are not numbers, names that could break the marker, unknown options", () => {
      assert.match(
        refused(args({ "max-chars": "abc" })),
        /--max-chars "abc": expected a whole number from 2000 to 65536\./,
      );
      assert.match(
        refused(args({ "max-chars": "100000" })),
        /--max-chars "100000": expected a whole number from 2000 to 65536\./,
      );
      assert.match(
        refused(args({ "exit-code": "x" })),
        /--exit-code "x": expected a whole number from 0 to 255\./,
      );
      assert.match(
        refused(args({ stack: "home -->" })),
        /--stack "home -->": expected a Pulumi stack name/,
      );
      assert.match(
        refused([...args(), "--colour", "x"]),
        /Unknown option '--colour'[\s\S]*usage: preview-report/,
      );
      assert.match(
        refused(args({ stack: undefined })),
        /--stack is required\nusage: preview-report/,
      );
      assert.match(refused(args({ json: undefined })), /--json is required\nusage: preview-report/);
    });
  });

  it("a truncated event log: the comment says so, and the run reports the problem", () => {
    const events = readFileSync(fx("insecure-change", "events.jsonl"), "utf8").split("\n");
    const cut = put("events.jsonl", events.slice(0, events.length - 4).join("\n"));
    const r = main(
      args({ json: fx("insecure-change", "preview.json"), events: cut, "exit-code": "1" }),
      {},
    );
    assert.match(readFileSync(out, "utf8"), /\*\*Policy findings could not all be read:\*\*/);
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!,
      /the policy findings could not all be read: .*events\.jsonl ends without the engine's final event/,
    );
  });

  describe("as a process (npm run preview-report)", function () {
    this.timeout(60000);
    const run = (argv: string[]) =>
      spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(REPO, "preview", "cli.ts"), ...argv],
        {
          cwd: REPO,
          encoding: "utf8",
          env: { ...process.env, HOMELAB_PREVIEW_MASKS: "" },
        },
      );

    it("exits 2 with one line naming the problem, no stack trace, no comment", () => {
      const r = run(args({ json: put("preview.json", "[1,2,3]") }));
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `preview-report: ${path.join(dir, "preview.json")}: expected the JSON object \`pulumi preview --json\` prints, got an array of 3.\n`,
      );
      assert.equal(existsSync(out), false);
    });

    it("exits 1 after writing the comment when the event log is cut off", () => {
      const events = readFileSync(fx("secure-change", "events.jsonl"), "utf8");
      const r = run(args({ events: put("events.jsonl", events.slice(0, events.length - 30)) }));
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^preview-report: the policy findings could not all be read: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.match(readFileSync(out, "utf8"), /⚠️ policy findings could not be read/);
    });
  });
});
