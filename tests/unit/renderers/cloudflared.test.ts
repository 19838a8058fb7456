import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { CLOUDFLARED_INSTALL, renderCloudflaredInstall } from "../../../renderers/cloudflared";
import { renderSudoCheck } from "../../../renderers/sudo";
import { shq } from "../../../renderers/text";
import { installSudoStandin } from "../../support/sudo-standin";

describe("renderer: cloudflared install", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-cloudflared-"));
    // Stand-ins on PATH: cloudflared records its arguments; sudo is passwordless (NOPASSWD).
    writeFileSync(path.join(dir, "cloudflared"), `#!/bin/sh\necho "$*" >> "${dir}/calls"\n`);
    chmodSync(path.join(dir, "cloudflared"), 0o755);
    installSudoStandin(dir, { password: false });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (script: string) =>
    spawnSync("/bin/sh", ["-c", script], {
      input: "TOKEN-'with'-quotes\n",
      encoding: "utf8",
      env: { PATH: `${dir}:/usr/bin:/bin` },
    });

  it("root runs the body itself; any other admin user through sudo -n sh -c, quoted", () => {
    assert.equal(renderCloudflaredInstall("root", "edge1"), CLOUDFLARED_INSTALL);
    assert.equal(
      renderCloudflaredInstall("admin", "edge1"),
      `sh -c ${shq(`${renderSudoCheck("cloudflared on edge1", "admin")}; exec sudo -n sh -c ${shq(CLOUDFLARED_INSTALL)}`)}`,
    );
    assert.doesNotMatch(renderCloudflaredInstall("admin", "edge1"), /TOKEN/);
  });

  it("reinstalls the service with the token read from stdin, through sudo too", () => {
    for (const user of ["root", "admin"]) {
      rmSync(path.join(dir, "calls"), { force: true });
      const r = run(renderCloudflaredInstall(user, "edge1"));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        readFileSync(path.join(dir, "calls"), "utf8"),
        "service uninstall\nservice install TOKEN-'with'-quotes\n",
        user,
      );
    }
  });

  it("fails clearly when cloudflared is not installed", () => {
    rmSync(path.join(dir, "cloudflared"));
    const r = run(renderCloudflaredInstall("admin", "edge1"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /install cloudflared first/);
  });
});
