"use strict";
// homelab-iac toolchain: preloaded (node --require) into Node.js plugin processes that the Pulumi
// engine starts directly (the dynamic provider). When the engine dies (SIGKILL, OOM) nothing tells
// its plugins; an orphan is re-parented at that moment, so a change of process.ppid (a live
// getppid) is the engine's death: exit, instead of serving a dead engine forever. Silently: stdout and
// stderr are pipes to the dead engine.
const parent = process.ppid;
if (parent > 1) {
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 500);
  timer.unref();
}
