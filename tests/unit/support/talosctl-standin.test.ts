/**
 * The talosctl stand-in keeps to the talosctl v1.13.9 contract: what the reference lists is
 * accepted, anything else is refused as cobra refuses it, and the state it keeps is what real nodes
 * would report.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "../../support/stack";
import { STANDIN_BIN, TalosStandIn } from "../../support/talosctl-standin";

describe("talosctl stand-in: the v1.13.9 contract", function () {
  this.timeout(120_000);
  let s: TalosStandIn;
  before(() => {
    s = new TalosStandIn();
    s.addNode("10.0.20.11");
  });
  after(() => s.cleanup());
  const refuse = (args: string[], message: RegExp, code = 1) => {
    const r = s.talosctl(args);
    assert.equal(r.status, code, `${args.join(" ")}: ${r.output}`);
    assert.match(r.output, message);
  };

  it("says on its first lines that it is a stand-in for talosctl v1.13.9 and names its source", () => {
    const wrapper = readFileSync(path.join(STANDIN_BIN, "talosctl"), "utf8").split("\n");
    assert.match(wrapper[1]!, /^# STAND-IN for talosctl v1\.13\.9 - NOT the real tool/);
    const main = readFileSync(path.join(STANDIN_BIN, "talosctl.ts"), "utf8");
    assert.match(main.split("\n")[0]!, /^\/\/ STAND-IN for talosctl v1\.13\.9 — NOT the real tool/);
    assert.match(main, /tests\/fixtures\/talos\/v1\.13\/talosctl-cli\.md/);
    const reference = readFileSync(
      path.join(REPO, "tests/fixtures/talos/v1.13/talosctl-cli.md"),
      "utf8",
    );
    assert.match(reference, /^## talosctl upgrade-k8s$/m);
    assert.match(reference, /ghcr\.io\/siderolabs\/installer:v1\.13\.9/);
  });

  it("refuses what talosctl refuses: unknown subcommands and flags, missing flag values and arguments, bad values", () => {
    refuse(["frobnicate"], /^Error: unknown command "frobnicate" for "talosctl"/);
    refuse(["etcd", "frobnicate"], /unknown command "frobnicate" for "talosctl etcd"/);
    refuse(["version", "--bogus"], /^Error: unknown flag: --bogus/);
    refuse(["version", "-z"], /unknown shorthand flag: 'z' in -z/);
    refuse(["apply-config", "--file"], /flag needs an argument: --file/);
    refuse(["gen", "config", "only-a-name"], /accepts 2 arg\(s\), received 1/);
    refuse(["read"], /accepts 1 arg\(s\), received 0/);
    refuse(["config", "endpoint"], /requires at least 1 arg\(s\), only received 0/);
    refuse(["kubeconfig", "a", "b"], /accepts at most 1 arg\(s\), received 2/);
    refuse(["version", "extra"], /unknown command "extra" for "talosctl version"/);
    refuse(
      ["apply-config", "--mode", "later", "-f", "x"],
      /invalid argument "later" for "--mode" flag/,
    );
    refuse(["upgrade", "--timeout", "ten"], /time: invalid duration "ten"/);
    refuse(["upgrade", "--wait=maybe"], /strconv\.ParseBool: parsing "maybe": invalid syntax/);
    // Flags of older releases are gone in v1.13.
    refuse(["upgrade", "--preserve"], /unknown flag: --preserve/);
    refuse(["apply-config", "--immediate"], /unknown flag: --immediate/);
  });

  it("documented subcommands the program does not use fail loudly (exit 3), never faked", () => {
    refuse(["etcd", "status"], /stand-in does not implement "talosctl etcd status"/, 3);
    refuse(["reboot"], /stand-in does not implement "talosctl reboot"/, 3);
  });

  it("finds the command wherever the flags stand, as cobra does", () => {
    assert.equal(s.talosctl(["-n", "10.0.20.11", "version", "--client", "--short"]).status, 0);
    refuse(
      ["--talosconfig", "missing", "config", "endpoint", "1.2.3.4"],
      /failed to open config file "missing"/,
    );
  });

  it("reports the client version like talosctl (`Client:` then `Talos <tag>`), and a node in maintenance mode only over the insecure API", () => {
    assert.equal(s.talosctl(["version", "--client", "--short"]).stdout, "Client:\nTalos v1.13.9");
    const insecure = s.talosctl(["version", "--insecure", "-n", "10.0.20.11", "-e", "10.0.20.11"]);
    assert.equal(insecure.status, 0, insecure.output);
    assert.match(insecure.stdout, /^\tTag: {9}v1\.13\.9$/m);
    refuse(
      ["get", "machinestatus", "--insecure", "-n", "10.0.20.99"],
      /connect: connection refused/,
    );
  });

  it("validates every machine config it receives against the Talos v1.13 schema", () => {
    s.step(`printf 'machine:\\n  type: worker\\n  network:\\n    hostname: x\\n' > bad.yaml`);
    refuse(
      ["apply-config", "--insecure", "-n", "10.0.20.11", "-e", "10.0.20.11", "--file", "bad.yaml"],
      /configuration validation failed:\n {2}document 1 \(v1alpha1 Config\): \/machine must NOT have additional properties \(network\)/,
    );
    assert.equal(s.node("10.0.20.11").mode, "maintenance", "nothing was applied");
  });
});
