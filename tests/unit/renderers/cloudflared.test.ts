import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { CLOUDFLARED_INSTALL, renderCloudflaredInstall } from "../../../renderers/cloudflared";

describe("renderer: cloudflared install", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homelab-cloudflared-"));
    // Stand-ins on PATH: cloudflared records its arguments; sudo drops -n and runs the rest.
    writeFileSync(path.join(dir, "cloudflared"), `#!/bin/sh\necho "$*" >> "${dir}/calls"\n`);
    writeFileSync(path.join(dir, "sudo"), `#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n`);
    chmodSync(path.join(dir, "cloudflared"), 0o755);
    chmodSync(path.join(dir, "sudo"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (script: string) =>
    spawnSync("/bin/sh", ["-c", script], {
      input: "TOKEN-'with'-quotes\n",
      encoding: "utf8",
      env: { PATH: `${dir}:/usr/bin:/bin` },
    });

  it("root runs the body itself; any other admin user through sudo -n sh -c, quoted", () => {
    assert.equal(renderCloudflaredInstall("root"), CLOUDFLARED_INSTALL);
    assert.equal(
      renderCloudflaredInstall("admin"),
      `sudo -n sh -c 'set -eu; read -r token; command -v cloudflared >/dev/null || { echo "install cloudflared first" >&2; exit 1; }; cloudflared service uninstall >/dev/null 2>&1 || true; cloudflared service install "$token"'`,
    );
    assert.doesNotMatch(renderCloudflaredInstall("admin"), /TOKEN/);
  });

  it("reinstalls the service with the token read from stdin, through sudo too", () => {
    for (const user of ["root", "admin"]) {
      rmSync(path.join(dir, "calls"), { force: true });
      const r = run(renderCloudflaredInstall(user));
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
    const r = run(renderCloudflaredInstall("admin"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /install cloudflared first/);
  });
});
