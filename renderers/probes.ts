/**
 * Post-apply reachability probes, planned from the model: after the lab converges, machines inside
 * each zone try TCP connections and the results must match the declared flows. Pure.
 *
 * From a vantage machine in zone A (an SSH-managed Linux machine that is not a router, whose
 * primary interface — the one its default route leaves by — is in A; machines with one zone are
 * preferred), towards each other zone B that the vantage has no address in itself:
 *   - the SSH port of one machine in B: reachable if a flow A → B covers it, otherwise dropped
 *     (this is the "DMZ cannot reach the hypervisors' management" check);
 *   - the router's SSH port on its management-zone address: dropped unless A is that zone;
 *   - every TCP port of each declared flow A → B, on a machine in B that listens there according
 *     to the model (its sshd, or a service it runs): reachable.
 * From each router: every published port's target answers (something listens behind the DNAT).
 *
 * A machine with addresses in two zones (a NAS on two VLANs, a VM with a NIC in each of two zones)
 * is the vantage of at most its primary zone: its connections to a zone it sits in go straight over
 * that link, not through the router, so they would prove nothing about the flows. For the same
 * reason such a machine is not a target for probes from a zone it also sits in. So every machine
 * has at most one plan, and one probe script (one `<machine>-probes` command).
 *
 * "Reachable" means the connection was accepted or refused by the target (the packet got through
 * the router); "dropped" means no answer within the timeout (or an ICMP unreachable); "answers"
 * means accepted.
 */
import type { Flow, Lab, Machine } from "../model/lab";
import { lines, shq } from "./text";
import { sha256, STAGE_ROOT } from "./unit-script";

export type Expectation = "reach" | "dropped" | "answer";

export interface Probe {
  /** One line naming the check, used in results and failures. */
  readonly what: string;
  readonly address: string;
  readonly port: number;
  readonly expect: Expectation;
}

export interface ProbePlan {
  /** The machine the probes run on. */
  readonly vantage: string;
  /** Its zone (or "router"). */
  readonly zone: string;
  readonly probes: readonly Probe[];
}

/** Seconds a probe waits for an answer before it counts as dropped. */
export const PROBE_TIMEOUT_SECONDS = 2;

const tcpPorts = (f: Flow): number[] =>
  f.ports.flatMap((p) =>
    p.protocol === "tcp" && p.from !== undefined
      ? [p.from]
      : p.protocol === "any"
        ? [-1] // any port: stands for "whatever the target listens on"
        : [],
  );

function covers(flow: Flow, address: string, port: number): boolean {
  if (flow.toAddresses.length && !flow.toAddresses.includes(address)) return false;
  return flow.ports.some(
    (p) =>
      p.protocol === "any" ||
      (p.protocol === "tcp" && p.from !== undefined && p.from <= port && port <= (p.to ?? p.from)),
  );
}

const isLinux = (m: Machine) => m.ssh !== undefined && m.os !== "talos";
const addressIn = (m: Machine, zone: string) => m.interfaces.find((i) => i.zone === zone)?.address;

/** Ports a machine listens on according to the model: its sshd and its services' TCP ports. */
function listens(lab: Lab, m: Machine): number[] {
  const ports = new Set<number>();
  if (m.ssh) ports.add(m.ssh.port);
  for (const s of lab.services.filter((x) => x.host === m.name)) {
    for (const p of s.ports) if (p.protocol === "tcp") ports.add(p.port);
  }
  return [...ports].sort((a, b) => a - b);
}

export function planProbes(lab: Lab): ProbePlan[] {
  const routerNames = new Set(lab.routers.map((r) => r.name));
  const zones = lab.zones.filter((z) => z.trust !== "wan").map((z) => z.name);
  const members = (zone: string) =>
    lab.machines.filter((m) => !routerNames.has(m.name) && addressIn(m, zone) !== undefined);
  const zoneCount = (m: Machine) => new Set(m.interfaces.map((i) => i.zone)).size;
  const plans: ProbePlan[] = [];

  for (const a of zones) {
    const vantage = members(a)
      .filter((m) => isLinux(m) && m.interfaces[0]?.zone === a)
      .sort((x, y) => zoneCount(x) - zoneCount(y))[0];
    if (!vantage) continue;
    // Machines in B reached through the router from A: not also in A.
    const through = (b: string) => members(b).filter((m) => addressIn(m, a) === undefined);
    const probes: Probe[] = [];
    for (const b of zones.filter((z) => z !== a && addressIn(vantage, z) === undefined)) {
      const flows = lab.flows.filter((f) => f.from === a && f.to === b);
      const sshTarget = through(b).find(isLinux);
      if (sshTarget) {
        const address = addressIn(sshTarget, b)!;
        const port = sshTarget.ssh!.port;
        const allowed = flows.some((f) => covers(f, address, port));
        probes.push({
          what: `${a} → ${b}: ${sshTarget.name} ${address} tcp/${port} (ssh) ${allowed ? "is allowed" : flows.length ? "is outside the declared flows" : "has no flow"}`,
          address,
          port,
          expect: allowed ? "reach" : "dropped",
        });
      }
      for (const f of flows) {
        for (const port of tcpPorts(f)) {
          // A machine in B, inside the flow's destination, that listens on the port.
          const target = through(b).find((m) => {
            const addr = addressIn(m, b)!;
            const ok = f.toAddresses.length === 0 || f.toAddresses.includes(addr);
            return (
              ok && (port === -1 ? listens(lab, m).length > 0 : listens(lab, m).includes(port))
            );
          });
          if (!target) continue;
          const addr = addressIn(target, b)!;
          const p = port === -1 ? listens(lab, target)[0]! : port;
          if (probes.some((x) => x.address === addr && x.port === p)) continue;
          probes.push({
            what: `${a} → ${b}: ${target.name} ${addr} tcp/${p} (flow${f.description ? ` “${f.description}”` : ""})`,
            address: addr,
            port: p,
            expect: "reach",
          });
        }
      }
    }
    for (const r of lab.routers) {
      if (addressIn(vantage, r.managementZone) !== undefined || !r.machine.ssh) continue;
      const address = addressIn(r.machine, r.managementZone);
      if (!address) continue;
      probes.push({
        what: `${a} → router ${r.name} ${address} tcp/${r.machine.ssh.port} (ssh only from ${r.managementZone})`,
        address,
        port: r.machine.ssh.port,
        expect: "dropped",
      });
    }
    if (probes.length) plans.push({ vantage: vantage.name, zone: a, probes });
  }

  for (const r of lab.routers) {
    if (!r.machine.ssh || r.portForwards.length === 0) continue;
    const probes: Probe[] = r.portForwards
      .filter((p) => p.protocol === "tcp")
      .map((p) => ({
        what: `published tcp/${p.publicPort} → ${p.service} at ${p.targetAddress}:${p.targetPort} answers`,
        address: p.targetAddress,
        port: p.targetPort,
        expect: "answer" as const,
      }));
    if (probes.length) plans.push({ vantage: r.name, zone: "router", probes });
  }
  return plans.sort((x, y) => x.vantage.localeCompare(y.vantage));
}

/**
 * The probe script (bash, any user): one line per probe, `ok` or `FAIL`; exits 1 naming the
 * vantage and every failed check.
 */
export function renderProbeScript(plan: ProbePlan): string {
  const out: string[] = [
    `# reachability probes from ${plan.vantage} (${plan.zone}); generated by homelab-iac`,
    "fails=0",
    "probe() {",
    `  out=$(timeout ${PROBE_TIMEOUT_SECONDS} bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1); rc=$?`,
    '  if [ $rc -eq 0 ]; then got=accepted; elif [ $rc -eq 124 ]; then got="no answer (dropped)"',
    '  else case "$out" in *refused*) got=refused ;; *) got="unreachable: ${out##*: }" ;; esac; fi',
    '  case "$4:$got" in',
    "    reach:accepted | reach:refused | dropped:no* | dropped:unreachable* | answer:accepted)",
    '      echo "ok    $1: $got" ;;',
    "    *)",
    '      echo "FAIL  $1: expected $4, got $got"',
    `      echo "homelab: verify from ${plan.vantage}: $1: expected $4, got $got" >&2`,
    "      fails=$((fails + 1)) ;;",
    "  esac",
    "}",
    ...plan.probes.map((p) => `probe ${shq(p.what)} ${p.address} ${p.port} ${p.expect}`),
    `[ "$fails" -eq 0 ] || { echo "homelab: verify from ${plan.vantage}: $fails of ${plan.probes.length} reachability checks failed" >&2; exit 1; }`,
  ];
  return lines(out);
}

/** The remote command: runs the staged probe script after checking it is the rendered one. */
export function probeCommand(script: string): string {
  return `set -e; cd "$HOME/${STAGE_ROOT}"; printf '%s  %s\\n' ${sha256(script)} probes.sh | sha256sum -c --status; bash probes.sh`;
}
