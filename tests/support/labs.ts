import * as path from "node:path";
import { loadInventoryOrThrow } from "../../model/load";
import type { Lab } from "../../model/lab";
import { corpus, FIXTURES } from "./corpus";
import { applyPatch, PatchOp } from "./patch";
import { readStackConfig } from "./stack";

export function homeLab(patch: PatchOp[] = []): Lab {
  return loadInventoryOrThrow(applyPatch(readStackConfig("Pulumi.home.yaml"), patch));
}

export function validLab(
  file:
    | "no-talos.yaml"
    | "no-public.yaml"
    | "single-node.yaml"
    | "cascaded-firewalls.yaml"
    | "flat-home-lan.yaml",
  patch: PatchOp[] = [],
): Lab {
  return loadInventoryOrThrow(
    applyPatch(readStackConfig(path.join(FIXTURES, "valid", file)), patch),
  );
}

export function insecureLab(file: string): Lab {
  const c = corpus("insecure").find((x) => x.file === file);
  if (!c) throw new Error(`no insecure fixture ${file}`);
  return loadInventoryOrThrow(c.raw);
}
