import * as assert from "node:assert/strict";
import { nixosOpenPorts, nixStr, renderNixosConfiguration } from "../../../renderers/nixos";
import { expectGolden } from "../../support/golden";
import { homeLab, validLab } from "../../support/labs";
import { run, withTempFile } from "../../support/tools";

const parse = (text: string) =>
  withTempFile(text, "configuration.nix", (f) => run("nix-instantiate", ["--parse", f]));

describe("renderer: NixOS configuration", () => {
  const lab = homeLab();
  const infra1 = lab.machines.find((m) => m.name === "infra1")!;

  it("renders infra1 (golden): hardened openssh, MariaDB, NFS exports to the workers' addresses", () => {
    const text = renderNixosConfiguration(lab, infra1);
    expectGolden("home/infra1-configuration.nix", text);
    assert.match(text, /^ {6}PasswordAuthentication = false;$/m);
    assert.match(text, /^ {6}PermitRootLogin = "prohibit-password";$/m);
    assert.match(
      text,
      /^ {4}\/srv\/nfs\/nextcloud 10\.0\.20\.21\(rw,sync,no_subtree_check,no_root_squash\) 10\.0\.20\.22\(rw,sync,no_subtree_check,no_root_squash\) 10\.0\.20\.23\(rw,sync,no_subtree_check,no_root_squash\)$/m,
    );
    assert.doesNotMatch(
      text,
      /IDENTIFIED BY|password =/i,
      "no secrets in the world-readable Nix store",
    );
  });

  it("opens exactly sshd, the services on the host and its daemons", () => {
    assert.deepEqual(nixosOpenPorts(lab, infra1), { tcp: [22, 2049, 3306], udp: [] });
  });

  it("parses with the real Nix parser (nix-instantiate --parse) for every NixOS machine", () => {
    for (const l of [lab, validLab("no-talos.yaml")]) {
      for (const m of l.machines.filter((x) => x.os === "nixos")) {
        const r = parse(renderNixosConfiguration(l, m));
        assert.equal(r.status, 0, `${m.name}: ${r.output}`);
      }
    }
  });

  it("renders a non-root admin as a wheel user with passwordless sudo, and NFS clients given as CIDR", () => {
    const l = validLab("no-talos.yaml");
    const files = l.machines.find((m) => m.name === "files")!;
    const text = renderNixosConfiguration({ ...l, adminUser: "admin" }, files);
    assert.match(
      text,
      /users\.users\."admin" = \{\n {4}isNormalUser = true;\n {4}extraGroups = \[ "wheel" \];/,
    );
    assert.match(text, /security\.sudo\.wheelNeedsPassword = false;/);
    assert.match(
      text,
      /^ {4}\/srv\/share 10\.30\.0\.10\(rw,sync,no_subtree_check\) 10\.20\.0\.0\/24\(rw,sync,no_subtree_check\)$/m,
    );
    assert.equal(parse(text).status, 0);
  });

  it("escapes Nix strings", () => {
    assert.equal(nixStr('a"b${c}\\d'), '"a\\"b\\${c}\\\\d"');
    assert.equal(parse(`{ x = ${nixStr('a"b${c}\\d')}; }`).status, 0);
  });
});
