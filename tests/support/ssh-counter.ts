/**
 * Counts new SSH connections from the deployer to each host of a simulated lab: an nftables table
 * of its own with one counter per host (TCP SYNs to port 22 leaving through the lab's out-of-band
 * bridge), so "no host was contacted" is a measurement. Used by the e2e tests and the benchmarks.
 */
import { spawnSync } from "node:child_process";

export interface CountedLab {
  readonly oobBridge: string;
  readonly hosts: readonly { readonly name: string; readonly oobAddress: string }[];
}

export interface SshCounter {
  /** (Re)installs the counters at zero, for the lab's hosts as they are now. */
  reset(): void;
  /** Connections per host name since the last reset (hosts with none are left out). */
  read(): Record<string, number>;
  remove(): void;
}

function nft(args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync("nft", args, { input, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function sshCounter(table: string, lab: () => CountedLab): SshCounter {
  const remove = () => void nft(["delete", "table", "inet", table]);
  return {
    reset() {
      const { oobBridge, hosts } = lab();
      const rules = hosts.map(
        (h) =>
          `  oifname "${oobBridge}" ip daddr ${h.oobAddress} tcp dport 22 tcp flags syn counter comment "${h.name}"`,
      );
      remove();
      const r = nft(
        ["-f", "-"],
        [
          `table inet ${table} {`,
          " chain out {",
          "  type filter hook output priority 0; policy accept;",
          ...rules,
          " }",
          "}",
          "",
        ].join("\n"),
      );
      if (r.status !== 0) throw new Error(`cannot install the SSH counter ${table}:\n${r.output}`);
    },
    read() {
      const r = nft(["-j", "list", "table", "inet", table]);
      if (r.status !== 0) throw new Error(`cannot read the SSH counter ${table}:\n${r.output}`);
      const doc = JSON.parse(r.output) as {
        nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[];
      };
      const out: Record<string, number> = {};
      for (const item of doc.nftables) {
        if (!item.rule?.comment) continue;
        const packets = item.rule.expr.find((e) => e.counter)?.counter?.packets ?? 0;
        if (packets > 0) out[item.rule.comment] = packets;
      }
      return out;
    },
    remove,
  };
}
