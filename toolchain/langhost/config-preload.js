"use strict";
// homelab-iac toolchain/langhost: loaded with `node --require` before @pulumi/pulumi's cmd/run (or
// cmd/run-policy-pack). The language host hands the stack configuration over through an inherited
// pipe, not the environment (Linux refuses to start a process with an environment string over 128
// KiB), and this script puts it where the SDK reads it: process.env.PULUMI_CONFIG and
// PULUMI_CONFIG_SECRET_KEYS (@pulumi/pulumi runtime/config.js and state.js), before the SDK loads.
const fs = require("fs");

const fd = Number(process.env.HOMELAB_LANGHOST_CONFIG_FD);
delete process.env.HOMELAB_LANGHOST_CONFIG_FD;
if (Number.isInteger(fd) && fd > 2) {
  let vars;
  try {
    vars = JSON.parse(fs.readFileSync(fd, "utf8"));
  } catch (e) {
    console.error(
      `homelab-iac language host: could not read the stack configuration (fd ${fd}): ${e.message}`,
    );
    process.exit(1);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
}
