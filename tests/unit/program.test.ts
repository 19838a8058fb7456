import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { rawInventoryFromConfig } from "../../model/pulumi-config";
import { isSecret, reveal } from "../support/inputs";
import { applyPatch } from "../support/patch";
import { engineConfig, importFresh, runMocked } from "../support/mocks";
import { TEST_DEPLOY_KEY } from "../support/program";
import { readStackConfig, REPO } from "../support/stack";
import { parseYamlValue } from "../../model/stack-file";

const DEPLOY_KEY = TEST_DEPLOY_KEY;

function homeConfig(patch: Parameters<typeof applyPatch>[1] = []) {
  return {
    config: {
      ...engineConfig(applyPatch(readStackConfig("Pulumi.home.yaml"), patch)),
      "homelab:deployPrivateKey": DEPLOY_KEY,
    },
    secretKeys: ["homelab:deployPrivateKey"],
  };
}

describe("program (index.ts) under mocks", function () {
  // Each test runs the whole program (twice here) under mocks: seconds on an idle machine, more on a
  // loaded one. A wall-clock limit is not what these tests check (speed lives in bench/).
  this.timeout(120_000);
  it("loads the home stack's inventory from the engine's config", async () => {
    const { outputs, error } = await runMocked(() => importFresh("index"), homeConfig());
    assert.equal(error, undefined);
    const inventory = outputs?.inventory as { zones: string[]; machines: string[] };
    assert.deepEqual(inventory.zones, ["dmz", "hypervisors", "internal", "mgmt", "wan"]);
    assert.equal(inventory.machines.length, 14);
  });

  it("shortens the SDK's per-output stack traces unless HOMELAB_STACK_TRACES=1 (benchmarks P4)", async () => {
    const before = Error.stackTraceLimit;
    const short = await runMocked(() => importFresh("index"), homeConfig());
    assert.equal(short.error, undefined);
    assert.equal(short.stackTraceLimit, 0);
    assert.equal(Error.stackTraceLimit, before, "the harness restores the limit for later tests");
    process.env.HOMELAB_STACK_TRACES = "1";
    try {
      const full = await runMocked(() => importFresh("index"), homeConfig());
      assert.equal(full.stackTraceLimit, before);
    } finally {
      delete process.env.HOMELAB_STACK_TRACES;
    }
  });

  it("fails before registering any resource when the inventory is invalid, listing every problem", async () => {
    const { config, secretKeys } = homeConfig([
      { set: "homelab:zones.dmz.vlan", value: 40 },
      { set: "homelab:hosts.iris.nics[0].address", value: "10.0.10.1" },
    ]);
    const { error, resources } = await runMocked(() => importFresh("index"), {
      config,
      secretKeys,
    });
    assert.ok(
      pulumi.RunError.isInstance(error),
      "a RunError: the engine prints it without a stack trace",
    );
    assert.equal(
      error.message,
      [
        "The homelab inventory has 2 problems; nothing was registered or applied.",
        "  - homelab:zones.hypervisors.vlan: 40 is already the VLAN of zone dmz; expected a VLAN id unique across zones. Pick an unused VLAN id.",
        '  - homelab:hosts.iris.nics[0].address: "10.0.10.1" is the gateway of zone mgmt (the router\'s address); expected a free address. Pick another address in 10.0.10.0/24.',
      ].join("\n"),
    );
    // Only the stack itself was registered: no component, no command.
    assert.deepEqual(
      resources.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });
  it("refuses a deploy key that authorizedKeys does not hold, before registering anything", async () => {
    const other =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBeNVTuB3AO9BP9Elv8cGY6CftgN1ui7Wi59AV0CeoI3 someone@else";
    const { config, secretKeys } = homeConfig([
      { set: "homelab:ssh.authorizedKeys", value: [other] },
    ]);
    const { error, resources } = await runMocked(() => importFresh("index"), {
      config,
      secretKeys,
    });
    assert.ok(pulumi.RunError.isInstance(error));
    assert.equal(
      error.message,
      [
        "The homelab inventory has 1 problem; nothing was registered or applied.",
        "  - homelab:ssh.authorizedKeys: does not hold the deploy key's public half (ssh-ed25519 SHA256:AuJz3mOoWkP0SfQGDGFZs9rs5gAjYdk2efujkxQ1DfU, the key in homelab:deployPrivateKey); expected it among these keys, since authorized_keys on every host is written from this list and the deployer would lock itself out. Add the line `ssh-keygen -y -f <deploy key file>` prints to homelab:ssh.authorizedKeys.",
      ].join("\n"),
    );
    assert.deepEqual(
      resources.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });
});

describe("all problems at once, also those the engine would check", () => {
  it("Pulumi.yaml declares no key the engine would require before the program runs", () => {
    // pulumi/pulumi sdk/go/common/workspace (mergeConfig): a key of the project's namespace declared
    // without a default and missing from the stack stops `pulumi preview` with "Stack '<stack>' is
    // missing configuration value", before the program could list the inventory's problems.
    const project = parseYamlValue(
      readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"),
      "Pulumi.yaml",
    ) as { name: string; config?: Record<string, { default?: unknown; value?: unknown }> };
    const required = Object.entries(project.config ?? {})
      .filter(([k]) => !k.includes(":") || k.startsWith(`${project.name}:`))
      .filter(([, v]) => v.default === undefined && v.value === undefined)
      .map(([k]) => k);
    assert.deepEqual(required, []);
  });

  it("reports a missing deploy key together with the inventory's problems", async () => {
    const config: Record<string, string> = homeConfig([{ delete: "homelab:domain" }]).config;
    delete config["homelab:deployPrivateKey"];
    const { error, resources } = await runMocked(() => importFresh("index"), { config });
    assert.ok(pulumi.RunError.isInstance(error));
    assert.equal(
      error.message,
      [
        "The homelab inventory has 2 problems; nothing was registered or applied.",
        "  - homelab:deployPrivateKey: (missing) is required; expected the deployer's SSH private key, stored as a secret. Set it with `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.",
        "  - homelab:domain: (missing) is required; expected a DNS name (Internal DNS domain served by the routers, e.g. home.arpa). Set it in Pulumi.<stack>.yaml; see docs/config-reference.md.",
      ].join("\n"),
    );
    assert.equal(resources.length, 1);
  });

  it("refuses a deploy key stored in plaintext, without showing it", async () => {
    const { config } = homeConfig();
    const { error, resources } = await runMocked(() => importFresh("index"), { config });
    assert.ok(pulumi.RunError.isInstance(error));
    assert.equal(
      error.message,
      [
        "The homelab inventory has 1 problem; nothing was registered or applied.",
        "  - homelab:deployPrivateKey: is stored in plaintext; expected a secret (a private key never sits in the stack file in the clear). Remove it from Pulumi.<stack>.yaml and rotate the key, then set it with `pulumi config set --secret homelab:deployPrivateKey < ~/.ssh/homelab_ed25519`.",
      ].join("\n"),
    );
    assert.doesNotMatch(error.message, /PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    assert.equal(resources.length, 1);
  });
});

describe("config adapter", () => {
  it("parses structured keys from JSON and keeps plain strings", () => {
    const { raw, issues } = rawInventoryFromConfig(
      {
        "homelab:domain": "home.arpa",
        "homelab:zones": '{"lan":{"trust":"internal"}}',
        "other:x": "1",
      },
      () => false,
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(raw, {
      "homelab:domain": "home.arpa",
      "homelab:zones": { lan: { trust: "internal" } },
    });
  });

  it("keeps malformed JSON as text so the schema reports its type", () => {
    const { raw } = rawInventoryFromConfig({ "homelab:zones": "{not json" }, () => false);
    assert.equal(raw["homelab:zones"], "{not json");
  });

  it("never reads secret keys into the model", () => {
    const { raw } = rawInventoryFromConfig({ "homelab:deployPrivateKey": DEPLOY_KEY }, () => true);
    assert.deepEqual(raw, {});
  });

  it("rejects inventory keys stored as secrets (they would be copied into resources and docs)", () => {
    const { issues } = rawInventoryFromConfig(
      { "homelab:cloudflare": "{}" },
      (k) => k === "homelab:cloudflare",
    );
    assert.deepEqual(issues, [
      {
        path: "homelab:cloudflare",
        message:
          "is stored as a secret; expected plain configuration (the inventory ends up in resource inputs and docs). Set it without --secret and keep secrets in dedicated secret keys.",
      },
    ]);
  });

  describe("adopting an existing Talos cluster (homelab:talosSecrets)", () => {
    const bundle = readFileSync(path.join(REPO, "tests/fixtures/talos/secrets.yaml"), "utf8");
    const withSecrets = (value: string, secret: boolean) => {
      const { config, secretKeys } = homeConfig();
      return {
        config: { ...config, "homelab:talosSecrets": value },
        secretKeys: secret ? [...secretKeys, "homelab:talosSecrets"] : secretKeys,
      };
    };

    it("uses the given bundle instead of generating one, and keeps it secret", async () => {
      const { error, resources } = await runMocked(
        () => importFresh("index"),
        withSecrets(bundle, true),
      );
      assert.equal(error, undefined);
      assert.equal(
        resources.some((r) => r.name === "homelab-secrets"),
        false,
        "no talosctl gen secrets",
      );
      const cfg = resources.find((r) => r.name === "homelab-talos-cp1-config")!;
      assert.ok(isSecret(cfg.inputs.stdin));
      assert.equal(reveal(cfg.inputs.stdin), bundle);
    });

    it("refuses a plaintext bundle and an incomplete one before registering anything, never printing it", async () => {
      const plain = await runMocked(() => importFresh("index"), withSecrets(bundle, false));
      assert.ok(pulumi.RunError.isInstance(plain.error));
      assert.match(
        plain.error.message,
        /homelab:talosSecrets: is stored in plaintext; expected a secret/,
      );
      assert.deepEqual(
        plain.resources.map((r) => r.type),
        ["pulumi:pulumi:Stack"],
      );
      const partial = bundle.replace(/^trustdinfo:\n {2}token: .*\n/m, "");
      const bad = await runMocked(() => importFresh("index"), withSecrets(partial, true));
      assert.ok(pulumi.RunError.isInstance(bad.error));
      assert.match(
        bad.error.message,
        /homelab:talosSecrets: trustdinfo\.token is missing; expected a complete talosctl secrets bundle/,
      );
      assert.doesNotMatch(bad.error.message, /LS0tLS1CRUdJTi/, "no key material in the message");
      assert.deepEqual(
        bad.resources.map((r) => r.type),
        ["pulumi:pulumi:Stack"],
      );
    });
  });
});
