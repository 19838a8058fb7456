/**
 * Applies path edits to a raw stack config, e.g. `homelab:hypervisors.atlas.vms.edge.nics[0].address`.
 * The first segment is the full config key (it contains a colon, never a dot).
 */
export type PatchOp = { set: string; value: unknown } | { delete: string };

function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const firstDot = path.search(/[.[]/);
  out.push(firstDot < 0 ? path : path.slice(0, firstDot));
  const rest = firstDot < 0 ? "" : path.slice(firstDot);
  const re = /\.([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(rest)) !== null) {
    if (m.index !== consumed) throw new Error(`bad patch path ${path}`);
    consumed = re.lastIndex;
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  if (consumed !== rest.length) throw new Error(`bad patch path ${path}`);
  return out;
}

export function applyPatch(
  raw: Record<string, unknown>,
  ops: readonly PatchOp[],
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const op of ops) {
    const path = "set" in op ? op.set : op.delete;
    const segs = segments(path);
    let node: Record<string | number, unknown> = out;
    for (const seg of segs.slice(0, -1)) {
      const next = node[seg];
      if (next === null || typeof next !== "object")
        throw new Error(`patch path ${path} does not exist at ${seg}`);
      node = next as Record<string | number, unknown>;
    }
    const last = segs[segs.length - 1]!;
    if ("set" in op) node[last] = structuredClone(op.value);
    else {
      if (!(last in node)) throw new Error(`patch path ${path} does not exist`);
      if (Array.isArray(node)) node.splice(last as number, 1);
      else delete node[last];
    }
  }
  return out;
}
