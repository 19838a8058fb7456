import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../preview/cli";
import {
  DEFAULT_MAX_CHARS,
  PreviewDigest,
  PreviewStep,
  marker,
  policyViolations,
  redact,
  renderReport,
} from "../../../preview/report";
import { expectGolden } from "../../support/golden";
import { REPO } from "../../support/stack";

const FIXTURES = path.join(REPO, "tests", "fixtures", "preview");

interface Scenario {
  readonly digest: PreviewDigest;
  readonly events: string[];
  readonly exitCode: number;
}

function scenario(name: string): Scenario {
  const dir = path.join(FIXTURES, name);
  return {
    digest: JSON.parse(readFileSync(path.join(dir, "preview.json"), "utf8")) as PreviewDigest,
    events: readFileSync(path.join(dir, "events.jsonl"), "utf8").split("\n"),
    exitCode: Number(readFileSync(path.join(dir, "exit-code"), "utf8").trim()),
  };
}

const report = (s: Scenario, extra: Partial<Parameters<typeof renderReport>[2]> = {}) =>
  renderReport(s.digest, s.events, {
    project: "homelab",
    stack: "lab",
    exitCode: s.exitCode,
    ...extra,
  });

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const step = (d: PreviewDigest, resource: string): PreviewStep => {
  const s = d.steps?.find((x) => x.urn.endsWith(`::${resource}`));
  assert.ok(s, `fixture has no step for ${resource}`);
  return s;
};

// A syntactically real (throwaway, never used) OpenSSH private key block.
const PEM = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "QyNTUxOQAAACBiZ2FsbGVyeS1leGFtcGxlLWtleS1ub3QtcmVhbC0tLS0tAAAAmJp3Z8Ga",
  "-----END OPENSSH PRIVATE KEY-----",
].join("\n");

describe("preview report", () => {
  describe("fixtures captured from real runs of the lab stack", () => {
    it("has the five scenarios, without key material", () => {
      assert.deepEqual(readdirSync(FIXTURES).sort(), [
        "drift",
        "insecure-change",
        "no-change",
        "replacement",
        "secure-change",
      ]);
      for (const name of readdirSync(FIXTURES)) {
        for (const f of ["preview.json", "events.jsonl"]) {
          const text = readFileSync(path.join(FIXTURES, name, f), "utf8");
          assert.doesNotMatch(text, /PRIVATE KEY/, `${name}/${f}`);
          assert.doesNotMatch(text, /\bv1:[A-Za-z0-9+/=]{16,}:/, `${name}/${f} holds ciphertext`);
        }
      }
      // Where connections appear (changed SSH resources), the engine itself prints them as secrets.
      for (const name of ["secure-change", "insecure-change", "replacement", "drift"]) {
        const json = readFileSync(path.join(FIXTURES, name, "preview.json"), "utf8");
        assert.match(json, /"connection": "\[secret\]"/, name);
        assert.doesNotMatch(json, /"connection": \{/, `${name}: a connection in plaintext`);
      }
    });

    for (const name of ["no-change", "secure-change", "insecure-change", "replacement", "drift"]) {
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

    it("no change: a verdict and the counts, nothing else", () => {
      const out = report(scenario("no-change"));
      assert.match(out, /: ✅ no changes\n/);
      assert.match(out, /\| 0 \| 0 \| 0 \| 0 \| 133 \|/);
      assert.doesNotMatch(out, /Changes by host/);
      assert.match(out, /No change to internet exposure or to the flows between zones\./);
    });

    it("secure change: the new flow is allowed and the nftables rule appears as a diff", () => {
      const out = report(scenario("secure-change"));
      assert.match(out, /: ✅ preview succeeded\n/);
      assert.match(
        out,
        /\| ➕ new flow \| mgmt → internal on tcp\/8080 to 10\.20\.0\.32 \(“admins reach the app”\) \| ✅ allowed \|/,
      );
      assert.match(
        out,
        /\n\+ {4}iifname "eth1\.10" oifname "eth1\.20" ip daddr 10\.20\.0\.32 tcp dport 8080 accept comment "flow 6: mgmt -> internal/,
      );
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
        /\| critical \| `dmz-only-ingress` \| mandatory \| `gw1-router-intent` \| Port-forward tcp\/8080 on router gw1 .* Fix: Forward to a DMZ reverse proxy/,
      );
      assert.match(
        out,
        /\| ➕ newly internet-reachable \| tcp\/8080 on gw1 → app at 10\.20\.0\.32:8080 \(zone internal\) \| ❌ blocked by `dmz-only-ingress` \|/,
      );
    });

    it("replacement: deletions are warned about per host, above everything else", () => {
      const out = report(scenario("replacement"));
      const warning = out.indexOf("> **22 deletions** on **hv2** (22 resources).");
      assert.ok(warning > 0, "deletion warning");
      assert.ok(warning < out.indexOf("#### Policy findings"));
      assert.match(
        out,
        /2 provisioning commands will re-run: `gw1-dns-apply`, `proxy1-domain-apply`/,
      );
      assert.match(
        out,
        /\n- {2}<memory unit='MiB'>512<\/memory>\n- {2}<currentMemory unit='MiB'>512<\/currentMemory>\n\+ {2}<memory unit='MiB'>1024<\/memory>\n/,
      );
      assert.match(out, /\n-host-record=hv2\.lab\.arpa,10\.40\.0\.12\n/);
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

  describe("secrets", () => {
    it("redacts key material in old values of file diffs", () => {
      const s = scenario("secure-change");
      const digest = clone(s.digest);
      const nft = step(digest, "gw1-firewall-nftables.conf");
      const source = nft.oldState!.inputs!.source as { text: string };
      source.text = `${source.text}${PEM}\n`;
      const out = renderReport(digest, s.events, { project: "homelab", stack: "lab", exitCode: 0 });
      assert.match(out, /\n-\[redacted\]\n/);
      assert.doesNotMatch(out, /PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    });

    it("does not show a file whose content is a secret", () => {
      const s = scenario("secure-change");
      const digest = clone(s.digest);
      const nft = step(digest, "gw1-firewall-nftables.conf");
      nft.oldState!.inputs!.source = "[secret]";
      nft.newState!.inputs!.source = "[secret]";
      const out = renderReport(digest, s.events, { project: "homelab", stack: "lab", exitCode: 0 });
      assert.match(
        out,
        /`\.homelab\/stage\/firewall\/nftables\.conf`: content not shown \(secret or not text\)\./,
      );
      assert.doesNotMatch(out, /flow 6: mgmt -> internal/);
    });

    it("applies configured masks everywhere (tables, findings, diffs)", () => {
      const out = report(scenario("insecure-change"), { masks: [/10\.20\.0\.32/] });
      assert.doesNotMatch(out, /10\.20\.0\.32/);
      assert.match(out, /app at \[redacted\]:8080/);
    });

    it("redacts Pulumi ciphertext, GitHub tokens and unterminated keys", () => {
      assert.equal(redact("x v1:abcdefghijklmnopqrstu:ABCDEFGHIJKLMNOPQRSTUV y"), "x [redacted] y");
      assert.equal(redact("token ghp_0123456789abcdefghijABCDEFGHIJ end"), "token [redacted] end");
      assert.equal(redact("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE..."), "a\n[redacted]");
    });
  });

  describe("size cap", () => {
    /** The replacement fixture with its per-host blocks multiplied: `copies` extra hosts. */
    function huge(copies: number): PreviewDigest {
      const d = clone(scenario("replacement").digest);
      const extra = d
        .steps!.filter((s) => s.urn.endsWith("-domain-domain.xml"))
        .flatMap((s) =>
          Array.from({ length: copies }, (_, i) => {
            const c = clone(s);
            const host = `vm${String(i).padStart(3, "0")}`;
            (c as { urn: string }).urn = s.urn.replace(/::proxy1-/, `::${host}-`);
            return c;
          }),
        );
      return { ...d, steps: [...d.steps!, ...extra] };
    }

    it("drops whole hosts from the end and says how many", () => {
      const out = renderReport(huge(40), [], {
        project: "homelab",
        stack: "lab",
        exitCode: 0,
        maxChars: 8000,
      });
      assert.ok(out.length <= 8000, `length ${out.length}`);
      const m = /the changes of (\d+) hosts are not shown; see the workflow log/.exec(out);
      assert.ok(m, "truncation notice");
      const shown = (out.match(/<details>/g) ?? []).length;
      // gw1, hv2, proxy1 and 40 copies: 43 hosts in all
      assert.equal(shown + Number(m[1]), 43);
      assert.ok(out.startsWith(marker("homelab", "lab")));
    });

    it("stays under GitHub's 65,536 characters by default", () => {
      const out = renderReport(huge(400), [], { project: "homelab", stack: "lab", exitCode: 0 });
      assert.ok(
        out.length <= DEFAULT_MAX_CHARS && DEFAULT_MAX_CHARS < 65_536,
        `length ${out.length}`,
      );
      assert.match(out, /Truncated to stay under GitHub's comment limit/);
    });

    it("cuts hard, with a notice, when even the findings are too long", () => {
      const events = Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({
          policyEvent: {
            policyName: "zone-isolation",
            policyPackName: "homelab",
            enforcementLevel: "mandatory",
            severity: "critical",
            message: `desc\nviolation ${i} ${"x".repeat(200)}`,
          },
        }),
      );
      const out = renderReport({}, events, {
        project: "homelab",
        stack: "lab",
        exitCode: 255,
        maxChars: 5000,
      });
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
      assert.notEqual(
        renderReport({}, [], { project: "homelab", stack: "home", exitCode: 0 }).split("\n")[0],
        a.split("\n")[0],
      );
    });

    it("shows the (redacted) error output when the preview failed before producing a digest", () => {
      const stderr = `error: homelab: the inventory is invalid (1 problem)\n  homelab:zones.dmz.cidr: "10.30.0.0/33" is not a CIDR\n${PEM}\n`;
      const out = renderReport({}, [], {
        project: "homelab",
        stack: "home",
        exitCode: 255,
        stderr,
      });
      assert.match(out, /: ❌ preview failed\n/);
      assert.match(
        out,
        /#### Errors\n\n```\nerror: homelab: the inventory is invalid \(1 problem\)\n {2}homelab:zones\.dmz\.cidr: "10\.30\.0\.0\/33" is not a CIDR\n\[redacted\]\n```/,
      );
    });

    it("reads policy results from the event log: description line stripped, duplicates once", () => {
      const line = JSON.stringify({
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
      assert.deepEqual(
        policyViolations([line, "", "not json", line, JSON.stringify({ diagnosticEvent: {} })]),
        [
          {
            policy: "ssh-root-login",
            pack: "homelab",
            level: "mandatory",
            severity: "high",
            message: "host gw1 permits root login. Fix: set ... [finding root:gw1]",
            urn: undefined,
          },
        ],
      );
    });
  });

  describe("CLI", () => {
    it("writes the comment with masks from the environment", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "preview-"));
      const out = path.join(dir, "comment.md");
      const fx = path.join(FIXTURES, "insecure-change");
      const prev = process.env.HOMELAB_PREVIEW_MASKS;
      process.env.HOMELAB_PREVIEW_MASKS = "10\\.20\\.0\\.32\ngw1";
      try {
        main([
          "--stack",
          "lab",
          "--json",
          path.join(fx, "preview.json"),
          "--events",
          path.join(fx, "events.jsonl"),
          "--exit-code",
          "255",
          "--out",
          out,
        ]);
      } finally {
        if (prev === undefined) delete process.env.HOMELAB_PREVIEW_MASKS;
        else process.env.HOMELAB_PREVIEW_MASKS = prev;
      }
      const text = readFileSync(out, "utf8");
      assert.match(text, /❌ blocked by mandatory policies/);
      assert.doesNotMatch(text, /10\.20\.0\.32|gw1/);
    });

    it("rejects a call without --stack or --json with a usage line", () => {
      assert.throws(
        () => main(["--json", "x.json"]),
        /usage: preview-report --stack STACK --json preview\.json/,
      );
    });
  });
});
