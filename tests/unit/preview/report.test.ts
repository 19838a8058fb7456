import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { readDigest, readEventLog } from "../../../preview/input";
import { policyViolations } from "../../../preview/policy";
import { redact } from "../../../preview/redact";
import { DEFAULT_MAX_CHARS, marker, renderReport } from "../../../preview/report";
import type { EventLog, PreviewDigest, PreviewStep } from "../../../preview/types";
import { RESOURCE_TYPES, TOKENS } from "../../../model/tokens";
import { expectGolden } from "../../support/golden";
import { REPO } from "../../support/stack";

const FIXTURES = path.join(REPO, "tests", "fixtures", "preview");
const NAMES = ["no-change", "secure-change", "insecure-change", "replacement", "rejected", "drift"];

interface Scenario {
  readonly digest: PreviewDigest;
  readonly log: EventLog;
  /** The event log as captured, one event per line. */
  readonly lines: string[];
  readonly exitCode: number;
}

const file = (name: string, f: string) => readFileSync(path.join(FIXTURES, name, f), "utf8");

function scenario(name: string): Scenario {
  const exitCode = Number(file(name, "exit-code").trim());
  const events = file(name, "events.jsonl");
  return {
    digest: readDigest(file(name, "preview.json"), "preview.json", exitCode),
    log: readEventLog(events, "events.jsonl"),
    lines: events.split("\n").filter(Boolean),
    exitCode,
  };
}

type Opts = Partial<Parameters<typeof renderReport>[2]>;
const render = (digest: PreviewDigest, log: EventLog, exitCode: number, extra: Opts = {}) =>
  renderReport(digest, log, { project: "homelab", stack: "lab", exitCode, ...extra });
const report = (s: Scenario, extra: Opts = {}) => render(s.digest, s.log, s.exitCode, extra);
/** The scenario's report with its event log edited line by line. */
const withLines = (s: Scenario, edit: (lines: string[]) => string[], extra: Opts = {}) =>
  render(
    s.digest,
    readEventLog(`${edit(s.lines).join("\n")}\n`, "events.jsonl"),
    s.exitCode,
    extra,
  );

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const step = (d: PreviewDigest, resource: string): PreviewStep => {
  const s = d.steps.find((x) => x.urn.endsWith(`::${resource}`));
  assert.ok(s, `fixture has no step for ${resource}`);
  return s;
};
const declared = (s: PreviewStep, side: "oldState" | "newState") =>
  s[side]!.inputs!.state as Record<string, string>;
/** The machine block of a report. */
const block = (out: string, machine: string) =>
  new RegExp(`<details><summary><b>${machine}</b>[\\s\\S]*?</details>`).exec(out)?.[0] ?? "";

// A syntactically real (throwaway, never used) OpenSSH private key block.
const PEM = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "QyNTUxOQAAACBiZ2FsbGVyeS1leGFtcGxlLWtleS1ub3QtcmVhbC0tLS0tAAAAmJp3Z8Ga",
  "-----END OPENSSH PRIVATE KEY-----",
].join("\n");

describe("preview report", () => {
  describe("fixtures captured from real runs of the lab stack", () => {
    it("has the six scenarios, complete event logs, without key material", () => {
      assert.deepEqual(readdirSync(FIXTURES).sort(), [...NAMES].sort());
      for (const name of NAMES) {
        for (const f of ["preview.json", "events.jsonl"]) {
          assert.doesNotMatch(file(name, f), /PRIVATE KEY/, `${name}/${f}`);
          assert.doesNotMatch(file(name, f), /\bv1:[A-Za-z0-9+/=]{16,}:/, `${name}/${f}`);
        }
        assert.equal(scenario(name).log.status, "complete", name);
      }
      // Where connections appear (changed SSH resources), the engine itself prints them as secrets.
      for (const name of ["secure-change", "insecure-change", "replacement", "drift"]) {
        assert.match(file(name, "preview.json"), /"connection": "\[secret\]"/, name);
        assert.doesNotMatch(file(name, "preview.json"), /"connection": \{/, name);
      }
    });

    for (const name of NAMES) {
      it(`renders ${name} as reviewed (tests/golden/preview/${name}.md)`, () => {
        expectGolden(`preview/${name}.md`, report(scenario(name)));
      });
    }

    it("the README's sample comment is the current rendering of the insecure change", () => {
      const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
      const sample =
        /<!-- sample-comment:start -->\n<!-- prettier-ignore-start -->\n([\s\S]*)<!-- prettier-ignore-end -->\n<!-- sample-comment:end -->/.exec(
          readme,
        )?.[1];
      assert.ok(sample, "README.md has the sample-comment block");
      assert.equal(sample, report(scenario("insecure-change")));
    });

    it("no change: the verdict, the counts and the pack's own summary of what passed", () => {
      const out = report(scenario("no-change"));
      assert.match(out, /: ✅ no changes\n/);
      assert.match(out, /\| 0 \| 0 \| 0 \| 0 \| 133 \|/);
      assert.match(out, /\n- Policy pack `homelab` 0\.1\.0: all 9 policies passed\.\n/);
      assert.doesNotMatch(out, /Changes by machine/);
      assert.match(out, /No change to internet exposure or to the flows between zones\./);
    });

    it("secure change: the new flow is allowed and the nftables rule appears once, by its target path", () => {
      const out = report(scenario("secure-change"));
      assert.match(out, /: ✅ preview succeeded\n/);
      assert.match(
        out,
        /\| ➕ new flow \| mgmt → internal on tcp\/8080 to 10\.20\.0\.32 \(“admins reach the app”\) \| ✅ allowed \|/,
      );
      assert.match(
        out,
        /`\/etc\/nftables\.conf`\n\n```diff\n@@ [^\n]+\n(?: [^\n]*\n)*\+ {4}iifname "eth1\.10" oifname "eth1\.20" ip daddr 10\.20\.0\.32 tcp dport 8080 accept comment "flow 6: mgmt -> internal/,
      );
      assert.equal(out.match(/flow 6: mgmt -> internal/g)?.length, 1, "the rule is shown once");
      assert.match(
        out,
        /`\.homelab\/stage\/firewall\/apply\.sh`: only the checksums of the files it applies changed\./,
      );
    });

    it("insecure change: blocked, with severity, resource, finding and fix", () => {
      const out = report(scenario("insecure-change"));
      assert.match(out, /: ❌ blocked by mandatory policies\n/);
      assert.match(
        out,
        /\n- Policy pack `homelab` 0\.1\.0: 1 of 9 policies reported findings \(`dmz-only-ingress`\)\.\n/,
      );
      assert.match(
        out,
        /\| critical \| `dmz-only-ingress` \| mandatory \| `gw1-router-intent` \| Port-forward tcp\/8080 on router gw1 .* Fix: Forward to a DMZ reverse proxy/,
      );
      assert.match(
        out,
        /\| ➕ newly internet-reachable \| tcp\/8080 on gw1 → app at 10\.20\.0\.32:8080 \(zone internal\) \| ❌ blocked by `dmz-only-ingress` \|/,
      );
    });

    it("replacement: deletions are warned about per machine, above everything else", () => {
      const out = report(scenario("replacement"));
      const warning = out.indexOf("> **22 deletions** on **hv2** (22 resources).");
      assert.ok(warning > 0, "deletion warning");
      assert.ok(warning < out.indexOf("#### Policy findings"));
      assert.match(
        out,
        /2 provisioning commands will re-run: `gw1-dns-apply`, `proxy1-domain-apply`/,
      );
      assert.match(
        block(out, "proxy1"),
        /`\/etc\/homelab\/vms\/proxy1\.xml`\n\n```diff\n[^`]*\n- {2}<memory unit='MiB'>512<\/memory>\n- {2}<currentMemory unit='MiB'>512<\/currentMemory>\n\+ {2}<memory unit='MiB'>1024<\/memory>\n/,
      );
      assert.match(block(out, "gw1"), /\n-host-record=hv2\.lab\.arpa,10\.40\.0\.12\n/);
    });

    it("rejected: the inventory's own error, and that no policy ran — never that policies passed", () => {
      const out = report(scenario("rejected"));
      assert.match(out, /: ❌ preview failed\n/);
      assert.match(
        out,
        /#### Errors\n\n```\nerror: The homelab inventory has 1 problem; nothing was registered or applied\.\n {2}- homelab:zones\.internal\.cidr: "10\.20\.0\.0\/33" is not an IPv4 network in CIDR form;/,
      );
      assert.match(
        out,
        /> \*\*Policies did not run:\*\* the stack policies of `homelab` did not run: the preview failed first \(The homelab inventory has 1 problem; nothing was registered or applied\.\)\. Nothing in this preview was checked by the policy pack\./,
      );
      assert.match(
        out,
        /Not known: the preview failed before the whole lab was registered, so exposure and flows could not be compared\./,
      );
      assert.doesNotMatch(out, /passed|✅|No change to internet exposure/);
    });
  });

  describe("policy results, from the event log only", () => {
    const stackSummary = (l: string) => l.includes('"policyAnalyzeStackSummaryEvent"');

    it("without the stack policies' summary, they did not run: nothing is 'allowed'", () => {
      const out = withLines(scenario("secure-change"), (ls) => ls.filter((l) => !stackSummary(l)));
      assert.match(out, /: ✅ preview succeeded, but ⚠️ policies did not run\n/);
      assert.match(
        out,
        /> \*\*Policies did not run:\*\* the stack policies of `homelab` did not run\. Nothing in this preview was checked by the policy pack\./,
      );
      assert.doesNotMatch(out, /Policy pack `homelab` 0\.1\.0/);
      assert.match(out, /\| ➕ new flow \| [^|]+ \| ❔ not judged \(see policy findings\) \|/);
      assert.doesNotMatch(out, /✅ allowed|passed/);
    });

    it("a preview without a policy pack says so", () => {
      const out = withLines(scenario("no-change"), (ls) =>
        ls
          .filter((l) => !/"policy[A-Za-z]*Event"/.test(l))
          .map((l) => l.replace(/"PolicyPacks":\{[^}]*\}/, '"PolicyPacks":{}')),
      );
      assert.match(out, /: ✅ no changes, but ⚠️ policies did not run\n/);
      assert.match(out, /no policy pack ran \(was `--policy-pack policies` given\?\)/);
    });

    it("no event log (the engine never started): the findings could not be read", () => {
      const out = render(
        { steps: [], diagnostics: [] },
        readEventLog(undefined, "events.jsonl"),
        255,
        {
          stderr: "error: could not load the stack\n",
        },
      );
      assert.match(out, /: ❌ preview failed; policy findings could not be read\n/);
      assert.match(
        out,
        /> \*\*Policy findings could not all be read:\*\* no event log \(events\.jsonl does not exist: the preview stopped before the engine started, or the path is wrong\)\. 0 findings read; there may be more, blocking ones included\./,
      );
    });

    it("reads violations: description line stripped, duplicates once", () => {
      const line = (seq: number) =>
        JSON.stringify({
          sequence: seq,
          policyEvent: {
            policyName: "ssh-root-login",
            policyPackName: "homelab",
            enforcementLevel: "mandatory",
            severity: "high",
            message:
              "Root login is never yes.\nhost gw1 permits root login. Fix: set ... [finding root:gw1]",
            resourceUrn: "",
          },
        });
      const log = readEventLog(
        [line(1), line(2), JSON.stringify({ sequence: 3, cancelEvent: {} })].join("\n"),
        "e",
      );
      assert.equal(log.status, "complete");
      assert.deepEqual(policyViolations(log), [
        {
          policy: "ssh-root-login",
          pack: "homelab",
          level: "mandatory",
          severity: "high",
          message: "host gw1 permits root login. Fix: set ... [finding root:gw1]",
          urn: undefined,
        },
      ]);
    });
  });

  describe("an event log cut off or unreadable never hides a blocking finding", () => {
    const s = () => scenario("insecure-change");
    const at = (ls: string[], re: RegExp) => ls.findIndex((l) => re.test(l));

    it("cut inside the violation: no verdict of success, and it says where the log stops", () => {
      const out = withLines(s(), (ls) => {
        const i = at(ls, /"policyEvent"/);
        return [...ls.slice(0, i), ls[i]!.slice(0, 200)];
      });
      assert.match(out, /: ❌ preview failed; policy findings could not be read\n/);
      assert.match(
        out,
        /> \*\*Policy findings could not all be read:\*\* the event log is incomplete \(events\.jsonl line \d+ \(the last\): it is cut off; events\.jsonl ends without the engine's final event \(cut off after \d+ readable events\)\)\. 0 findings read; there may be more, blocking ones included\./,
      );
    });

    it("cut after the violation: the finding is shown and blocks, with the warning", () => {
      const out = withLines(s(), (ls) => ls.slice(0, at(ls, /"policyEvent"/) + 1));
      assert.match(out, /: ❌ blocked by mandatory policies\n/);
      assert.match(out, /1 finding read \(below\); there may be more/);
      assert.match(out, /\| critical \| `dmz-only-ingress` \| mandatory \|/);
      assert.match(out, /\| ❌ blocked by `dmz-only-ingress` \|/);
    });

    it("a garbage line before the violation: the rest is still read, and the line is named", () => {
      const lines = s().lines;
      const i = at(lines, /"policyEvent"/);
      const out = withLines(s(), (ls) => [...ls.slice(0, i - 1), "{not json", ...ls.slice(i - 1)]);
      assert.match(out, /: ❌ blocked by mandatory policies\n/);
      assert.match(
        out,
        new RegExp(`events\\.jsonl line ${i}: it is not valid JSON at line 1, column 2`),
      );
      assert.match(out, /\| critical \| `dmz-only-ingress` \|/);
    });

    it("lines out of order (logs concatenated) are named", () => {
      const out = withLines(s(), (ls) => [...ls, ls[0]!, ls[ls.length - 1]!]);
      assert.match(
        out,
        /events\.jsonl line \d+: sequence 0 after \d+ \(lines out of order or logs mixed\)/,
      );
    });
  });

  describe("changes grouped by machine, from each resource's parent chain", () => {
    it("puts a unit's resources under its machine and the probes under the verification component", () => {
      const out = report(scenario("secure-change"));
      assert.match(block(out, "gw1"), /`gw1-firewall-apply`[\s\S]*`gw1-router-intent`/);
      assert.match(block(out, "lab-verify"), /`app1-probes`[\s\S]*`proxy1-probes`/);
      assert.doesNotMatch(block(out, "gw1"), /gw1-probes/);
    });

    it("names do not matter: a resource renamed like another machine's unit stays with its parent", () => {
      const sc = scenario("secure-change");
      const d = clone(sc.digest);
      const s = step(d, "gw1-firewall-apply");
      (s as { urn: string }).urn = s.urn.replace(/::gw1-firewall-apply$/, "::app1-sshd-apply");
      const out = render(d, sc.log, 0);
      assert.match(block(out, "gw1"), /`app1-sshd-apply`/);
      assert.equal(block(out, "app1"), "");
    });

    it("a VM's resources belong to the VM, not to its hypervisor", () => {
      const out = report(scenario("replacement"));
      assert.match(block(out, "proxy1"), /`proxy1-domain-apply`/);
      assert.doesNotMatch(block(out, "hv1"), /proxy1/);
    });

    it("without the event log's parents, the nearest component known stands in", () => {
      const sc = scenario("secure-change");
      const out = render(sc.digest, { status: "complete", events: [] }, 0);
      assert.match(block(out, "gw1-firewall"), /`gw1-firewall-apply`/);
      assert.match(block(out, "gw1"), /`gw1-router-intent`/);
    });
  });

  describe("file diffs from the units' declared state", () => {
    it("still show every file when the files no longer travel as their own CopyToRemote", () => {
      const sc = scenario("secure-change");
      const d = {
        ...sc.digest,
        steps: sc.digest.steps.filter((s) => !s.urn.includes(RESOURCE_TYPES.copyToRemote)),
      };
      const out = render(d, sc.log, 0);
      assert.doesNotMatch(out, /CopyToRemote/);
      assert.match(out, /`\/etc\/nftables\.conf`\n\n```diff\n[\s\S]*flow 6: mgmt -> internal/);
    });

    it("do not show a file whose content is a secret", () => {
      const sc = scenario("secure-change");
      const d = clone(sc.digest);
      const live = step(d, "gw1-firewall-live");
      declared(live, "oldState")["/etc/nftables.conf"] = "[secret]";
      declared(live, "newState")["/etc/nftables.conf"] = "[secret]";
      const nft = step(d, "gw1-firewall-nftables.conf");
      nft.oldState!.inputs!.source = "[secret]";
      nft.newState!.inputs!.source = "[secret]";
      const out = render(d, sc.log, 0);
      assert.match(out, /`\/etc\/nftables\.conf`: content not shown \(secret or not text\)\./);
      assert.doesNotMatch(out, /flow 6: mgmt -> internal/);
      live.newState!.inputs!.state = "[secret]";
      assert.match(render(d, sc.log, 0), /The unit's files are secret: not shown\./);
    });

    it("redact key material in old values", () => {
      const sc = scenario("secure-change");
      const d = clone(sc.digest);
      const live = step(d, "gw1-firewall-live");
      declared(live, "oldState")["/etc/nftables.conf"] += `${PEM}\n`;
      const out = render(d, sc.log, 0);
      assert.match(out, /\n-\[redacted\]\n/);
      assert.doesNotMatch(out, /PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    });
  });

  describe("drift", () => {
    it("warns on top and shows each drifted file or fact as a diff, live → declared", () => {
      const out = report(scenario("drift"));
      const warning = out.indexOf(
        "> **Drift:** 2 units on **app1**, **gw1** no longer match the declared state",
      );
      assert.ok(
        warning > 0 && warning < out.indexOf("#### Policy findings"),
        "drift warning on top",
      );
      assert.match(
        out,
        /\| `app1-sshd-live` \| `pulumi-nodejs:dynamic\/homelab:LiveState` \| update \(repairs drift\) \| `state` \|/,
      );
      assert.match(
        out,
        /`\/etc\/ssh\/sshd_config\.d\/01-homelab\.conf` \(live → declared\)\n\n```diff\n@@ [^\n]+\n PubkeyAuthentication yes\n AuthenticationMethods publickey\n-PasswordAuthentication yes\n\+PasswordAuthentication no\n/,
      );
      assert.match(out, /\n-passwordauthentication yes\n\+passwordauthentication no\n/);
      assert.match(
        out,
        /`nftables ruleset \(loaded\)` \(live → declared\)\n\n```diff\n@@ -1,2 \+1,1 @@\n-differs from the declared ruleset \(- declared, \+ loaded\):\n-\+\t\tiifname "eth1\.30" oifname "eth1\.40" accept\n\+matches the declared ruleset\n```/,
      );
    });

    it("a re-applied unit's observer is not drift", () => {
      const out = report(scenario("secure-change"));
      assert.doesNotMatch(out, /Drift|repairs drift/);
      assert.match(
        out,
        /\| `gw1-firewall-live` \| `pulumi-nodejs:dynamic\/homelab:LiveState` \| update \|/,
      );
    });
  });

  describe("adoption", () => {
    it("a unit's first apply on an adopted machine: warned on top, live → declared, access marked", () => {
      const s = scenario("drift");
      const d = clone(s.digest);
      const sshd = d.steps.find((x) => x.op === "update" && x.urn.endsWith("::app1-sshd-live"))!;
      Object.assign(sshd.oldState!.inputs!, { observeOnly: true, applyId: "observe-only" });
      Object.assign(sshd.newState!.inputs!, { applyId: "app1-sshd-apply1234" });
      delete sshd.newState!.inputs!.observeOnly;
      const out = render(d, s.log, s.exitCode);
      assert.match(
        out,
        /> \*\*First apply after adoption:\*\* 1 unit on \*\*app1\*\* will be written for the first time\./,
      );
      assert.match(
        out,
        /\| `app1-sshd-live` \| `pulumi-nodejs:dynamic\/homelab:LiveState` \| update \(first apply after adoption\) \| /,
      );
      assert.match(
        block(out, "app1"),
        /⚠️ \*\*Can cut access\*\* \(SSH or firewall\): applied under the dead-man switch; the machine reverts by itself unless the deployer logs in anew within \d+ s\.\n\n`\/etc\/ssh\/sshd_config\.d\/01-homelab\.conf` \(live → declared\)\n\n```diff\n/,
      );
      // Still observed (the flag on both sides): nothing is written, so nothing is announced.
      sshd.newState!.inputs!.observeOnly = true;
      assert.doesNotMatch(render(d, s.log, s.exitCode), /First apply after adoption/);
    });

    it("marks only the units that can cut access", () => {
      const out = report(scenario("secure-change"));
      const firewall = /`gw1-firewall-live`[\s\S]*?<\/details>/.exec(out)?.[0] ?? "";
      assert.match(firewall, /Can cut access/);
      const d = clone(scenario("secure-change").digest);
      const fw = step(d, "gw1-firewall-live");
      fw.newState!.inputs!.revertAfterSeconds = 0;
      fw.newState!.inputs!.unit = "dns";
      assert.doesNotMatch(render(d, scenario("secure-change").log, 0), /Can cut access/);
    });
  });

  describe("secrets", () => {
    it("applies configured masks everywhere (tables, findings, diffs)", () => {
      const out = report(scenario("insecure-change"), { masks: [/10\.20\.0\.32/] });
      assert.doesNotMatch(out, /10\.20\.0\.32/);
      assert.match(out, /app at \[redacted\]:8080/);
    });

    it("redacts Pulumi ciphertext, GitHub tokens and unterminated keys; empty matches redact nothing", () => {
      assert.equal(redact("x v1:abcdefghijklmnopqrstu:ABCDEFGHIJKLMNOPQRSTUV y"), "x [redacted] y");
      assert.equal(redact("token ghp_0123456789abcdefghijABCDEFGHIJ end"), "token [redacted] end");
      assert.equal(redact("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE..."), "a\n[redacted]");
      assert.equal(redact("a b", [/\b/g, /x*/g]), "a b");
    });
  });

  describe("size cap", () => {
    /** The replacement fixture with `copies` extra VMs, each changing its domain. */
    function huge(copies: number): PreviewDigest {
      const d = clone(scenario("replacement").digest);
      const domain = step(d, "proxy1-domain-domain.xml");
      const extra = Array.from({ length: copies }, (_, i) => {
        const c = clone(domain) as PreviewStep & { urn: string };
        const vm = `vm${String(i).padStart(3, "0")}`;
        c.urn = domain.urn.replace(/::proxy1-/, `::${vm}-`);
        const parent = `urn:pulumi:lab::homelab::${TOKENS.lab}$${TOKENS.hypervisor}$${TOKENS.vm}::${vm}`;
        for (const st of [c.oldState!, c.newState!]) (st as { parent: string }).parent = parent;
        return c;
      });
      return { ...d, steps: [...d.steps, ...extra] };
    }
    const log = () => scenario("replacement").log;

    it("drops whole machines from the end and says how many", () => {
      const out = render(huge(40), log(), 0, { maxChars: 8000 });
      assert.ok(out.length <= 8000, `length ${out.length}`);
      const m = /the changes of (\d+) machines are not shown; see the workflow log/.exec(out);
      assert.ok(m, "truncation notice");
      const shown = (out.match(/<details>/g) ?? []).length;
      // gw1, hv2, proxy1 and 40 VMs: 43 machines in all
      assert.equal(shown + Number(m[1]), 43);
      assert.ok(out.startsWith(marker("homelab", "lab")));
    });

    it("stays under GitHub's 65,536 characters by default", () => {
      const out = render(huge(400), log(), 0);
      assert.ok(
        out.length <= DEFAULT_MAX_CHARS && DEFAULT_MAX_CHARS < 65_536,
        `length ${out.length}`,
      );
      assert.match(out, /Truncated to stay under GitHub's comment limit/);
    });

    it("cuts hard, with a notice, when even the findings are too long", () => {
      const events = Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({
          sequence: i,
          policyEvent: {
            policyName: "zone-isolation",
            policyPackName: "homelab",
            enforcementLevel: "mandatory",
            severity: "critical",
            message: `desc\nviolation ${i} ${"x".repeat(200)}`,
          },
        }),
      );
      events.push(JSON.stringify({ sequence: 300, cancelEvent: {} }));
      const out = render(
        { steps: [], diagnostics: [] },
        readEventLog(events.join("\n"), "e"),
        255,
        {
          maxChars: 5000,
        },
      );
      assert.ok(out.length <= 5000, `length ${out.length}`);
      assert.match(
        out,
        /Truncated to stay under GitHub's comment limit; see the workflow log for the full preview\.\n$/,
      );
      assert.ok(out.startsWith(marker("homelab", "lab")));
    });
  });

  describe("marker, verdicts and errors", () => {
    it("has one stable hidden marker per project and stack", () => {
      assert.equal(marker("homelab", "home"), "<!-- homelab-preview homelab/home -->");
      const a = report(scenario("secure-change"));
      const b = report(scenario("no-change"));
      assert.equal(a.split("\n")[0], b.split("\n")[0]);
      assert.equal(
        renderReport({ steps: [], diagnostics: [] }, scenario("no-change").log, {
          project: "homelab",
          stack: "home",
          exitCode: 255,
        }).split("\n")[0],
        "<!-- homelab-preview homelab/home -->",
      );
    });

    it("shows the (redacted) error output when the preview failed before producing a digest", () => {
      const stderr = `error: homelab: the inventory is invalid (1 problem)\n  homelab:zones.dmz.cidr: "10.30.0.0/33" is not a CIDR\n${PEM}\n`;
      const out = render(
        { steps: [], diagnostics: [] },
        readEventLog(undefined, "events.jsonl"),
        255,
        {
          stderr,
        },
      );
      assert.match(out, /: ❌ preview failed; policy findings could not be read\n/);
      assert.match(
        out,
        /#### Errors\n\n```\nerror: homelab: the inventory is invalid \(1 problem\)\n {2}homelab:zones\.dmz\.cidr: "10\.30\.0\.0\/33" is not a CIDR\n\[redacted\]\n```/,
      );
    });
  });
});
