/**
 * Reading a Pulumi.<stack>.yaml: its `config:` block as plain values, the text each scalar was
 * written as (so messages show `25.10`, not the number 25.1 YAML made of it), and YAML syntax errors
 * that name the file, line and column.
 */
import { readFileSync } from "node:fs";
import { Document, isScalar, parseDocument } from "yaml";

export interface StackFile {
  /** The `config:` block, keyed like `homelab:zones`. */
  readonly config: Record<string, unknown>;
  /** The source text of the scalar at a config path (`homelab:zones.dmz.vlan`), if there is one. */
  readonly written: (path: string) => string | undefined;
}

/** Splits `homelab:flows[0].ports[1]` into ["homelab:flows", 0, "ports", 1]. */
export function pathSegments(path: string): (string | number)[] {
  const first = path.search(/[.[]/);
  const out: (string | number)[] = [first < 0 ? path : path.slice(0, first)];
  const re = /\.([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while (first >= 0 && (m = re.exec(path.slice(first))) !== null) {
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return out;
}

/** Parses YAML text as a document; a syntax error names the file, line and column. */
export function parseYaml(text: string, file: string): Document {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = e.linePos?.[0];
    const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new Error(
      `${file}${at ? `:${at.line}:${at.col}` : ""}: ${what} (YAML syntax; fix the file and run again)`,
    );
  }
  return doc;
}

/** Parses YAML text to plain values; a syntax error names the file. */
export function parseYamlValue(text: string, file: string): unknown {
  return parseYaml(text, file).toJS() as unknown;
}

/** Parses stack-file text; `file` names it in errors. */
export function parseStackFile(text: string, file: string): StackFile {
  const doc = parseYaml(text, file);
  const value = doc.toJS() as { config?: Record<string, unknown> } | null;
  const config = value?.config ?? {};
  return {
    config,
    written: (path) => {
      const node = doc.getIn(["config", ...pathSegments(path)], true);
      if (!isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
  };
}

export function readStackFile(file: string): StackFile {
  return parseStackFile(readFileSync(file, "utf8"), file);
}
