/**
 * Provisioning units per role, from the model: which files, how they are validated, activated and
 * verified. Pure: components only wire these to CopyToRemote + Command.
 */
import type { Hypervisor, Lab, Machine, Router, Vm } from "../model/lab";
import { renderDnsmasq, DNSMASQ_PATH } from "./dnsmasq";
import {
  renderCloudInitMetaData,
  renderCloudInitNetwork,
  renderCloudInitUserData,
  renderDomainXml,
  diskPath,
  seedPath,
  IMAGES_DIR,
} from "./libvirt";
import {
  guestNetPlan,
  hypervisorNetPlan,
  NetPlan,
  renderIfupdown,
  renderNetConverge,
  routerNetPlan,
} from "./network";
import { NFTABLES_PATH, renderNftables } from "./nftables";
import { NIXOS_CONFIG, renderNixosConfiguration } from "./nixos";
import { expectedSshdEffective, renderAuthorizedKeys, renderSshdDropin, SSHD_DROPIN } from "./sshd";
import { renderSysctl, SYSCTL_PATH, SysctlRole } from "./sysctl";
import { generatedHeader, lines, shq } from "./text";
import type { UnitFact, UnitSpec } from "./unit";

/** Reloads a service on systemd or sysvinit-style hosts. */
export function serviceAction(action: "reload" | "restart", service: string): string {
  return `if [ -d /run/systemd/system ]; then systemctl ${action} ${service}; else service ${service} ${action}; fi`;
}

function authorizedKeysPath(user: string): string {
  return user === "root" ? "/root/.ssh/authorized_keys" : `/home/${user}/.ssh/authorized_keys`;
}

/** Hardened SSH baseline: sshd drop-in + authorized_keys, `sshd -t` before reload, `sshd -T` after. */
export function sshdUnit(lab: Lab, m: Machine): UnitSpec {
  const ssh = m.ssh!;
  const checks = expectedSshdEffective(ssh.sshd, ssh.port).map(
    ([k, v]) =>
      `sshd -T -C user=${lab.adminUser},host=localhost,addr=127.0.0.1 | grep -qx ${shq(`${k} ${v}`)} || { echo ${shq(`sshd on ${m.name} does not report "${k} ${v}" after reload: another sshd_config file overrides the homelab drop-in`)} >&2; false; }`,
  );
  return {
    machine: m.name,
    unit: "sshd",
    files: [
      {
        name: "sshd.conf",
        target: SSHD_DROPIN,
        mode: "0644",
        content: renderSshdDropin(m.name, ssh.sshd, ssh.port),
      },
      {
        name: "authorized_keys",
        target: authorizedKeysPath(lab.adminUser),
        mode: "0600",
        owner: lab.adminUser,
        content: renderAuthorizedKeys(m.name, lab.authorizedKeys),
      },
    ],
    validate: [
      `ssh-keygen -l -f "$STAGE/authorized_keys" >/dev/null || fail "authorized_keys has an invalid key"`,
    ],
    activate: ["sshd -t", serviceAction("reload", "ssh")],
    verify: checks,
    facts: [sshdFact(lab, m)],
    guard: { revertAfterSeconds: lab.revertAfterSeconds },
  };
}

/** The security-relevant settings sshd actually uses (`sshd -T`), whichever file sets them. */
function sshdFact(lab: Lab, m: Machine): UnitFact {
  const expected = expectedSshdEffective(m.ssh!.sshd, m.ssh!.port);
  return {
    key: "sshd -T (effective settings)",
    script: `sshd -T -C user=${lab.adminUser},host=localhost,addr=127.0.0.1 | grep -E '^(${expected.map(([k]) => k).join("|")}) ' | LC_ALL=C sort`,
    expect: expected
      .map(([k, v]) => `${k} ${v}`)
      .sort()
      .join("\n"),
  };
}

/** Each declared link: present, its bridge, its IPv4 addresses; and the default route. */
function networkFacts(plan: NetPlan): UnitFact[] {
  const linkLine = (l: NetPlan["links"][number]) =>
    `${l.name}: present${l.master ? `, port of ${l.master}` : ""}${l.dhcp ? "" : `, ipv4 ${l.addresses.length ? [...l.addresses].sort().join(" ") : "none"}`}`;
  const probe = (l: NetPlan["links"][number]) => {
    const q = shq(l.name);
    return [
      `if ip link show dev ${q} >/dev/null 2>&1; then`,
      `  m=$(ip -o link show dev ${q} | sed -n 's/.* master \\([^ ]*\\) .*/\\1/p')`,
      `  a=$(ip -4 -o addr show dev ${q} | awk '{print $4}' | LC_ALL=C sort | tr '\\n' ' ' | sed 's/ $//')`,
      `  echo "${l.name}: present\${m:+, port of $m}${l.dhcp ? "" : ", ipv4 ${a:-none}"}"`,
      `else echo "${l.name}: missing"; fi`,
    ].join("\n");
  };
  const facts: UnitFact[] = [
    {
      key: "network links (ip link, ip addr)",
      script: plan.links.map(probe).join("\n"),
      expect: plan.links.map(linkLine).join("\n"),
    },
  ];
  if (plan.defaultRoute) {
    facts.push({
      key: "default route (ip route)",
      script: `ip -4 route show default | awk '{v="?"; d="?"; for (i = 1; i < NF; i++) { if ($i == "via") v = $(i+1); if ($i == "dev") d = $(i+1) }; print "default via " v " dev " d}'`,
      expect: `default via ${plan.defaultRoute.via} dev ${plan.defaultRoute.dev}`,
    });
  }
  return facts;
}

function networkUnit(m: Machine, plan: NetPlan, role: SysctlRole): UnitSpec {
  return {
    machine: m.name,
    unit: "network",
    files: [
      {
        name: "interfaces",
        target: "/etc/network/interfaces.d/homelab",
        mode: "0644",
        content: renderIfupdown(plan),
      },
      {
        name: "converge.sh",
        target: "/etc/homelab/net-converge.sh",
        mode: "0755",
        content: renderNetConverge(plan),
      },
      { name: "sysctl.conf", target: SYSCTL_PATH, mode: "0644", content: renderSysctl(role) },
    ],
    validate: [`sh -n "$STAGE/converge.sh" || fail "converge script does not parse"`],
    // -e: keys of absent modules (br_netfilter) are skipped, everything else must apply.
    activate: ["sysctl -e -q -p /etc/sysctl.d/90-homelab.conf", "sh /etc/homelab/net-converge.sh"],
    facts: networkFacts(plan),
  };
}

export function routerNetworkUnit(lab: Lab, r: Router): UnitSpec {
  return networkUnit(r.machine, routerNetPlan(lab, r), "router");
}

export function hypervisorNetworkUnit(h: Hypervisor): UnitSpec {
  return networkUnit(h.machine, hypervisorNetPlan(h), "hypervisor");
}

export function guestNetworkUnit(m: Machine): UnitSpec {
  return networkUnit(m, guestNetPlan(m), "guest");
}

/**
 * The loaded ruleset equals the declared one: the declared file is loaded into a scratch network
 * namespace and both listings (`nft -s`, same nft) are compared; a difference prints as a diff.
 */
function rulesetFact(ruleset: string): UnitFact {
  return {
    key: "nftables ruleset (loaded)",
    script: [
      `t=$(mktemp -d); cat > "$t/declared.nft" <<'HOMELAB_EOF'`,
      ruleset.replace(/\n$/, ""),
      "HOMELAB_EOF",
      `if ! unshare --net sh -c "nft -f '$t/declared.nft' && nft -s list ruleset" > "$t/want" 2>&1; then echo "the declared ruleset does not load in a scratch namespace:"; cat "$t/want"`,
      `elif nft -s list ruleset > "$t/have" 2>&1 && cmp -s "$t/want" "$t/have"; then echo "matches the declared ruleset"`,
      `else echo "differs from the declared ruleset (- declared, + loaded):"; diff -U0 "$t/want" "$t/have" | sed -e '1,2d' -e '/^@@/d'; fi`,
      'rm -rf "$t"',
    ].join("\n"),
    expect: "matches the declared ruleset",
  };
}

export function firewallUnit(lab: Lab, r: Router): UnitSpec {
  const ruleset = renderNftables(lab, r).text;
  return {
    machine: r.name,
    unit: "firewall",
    files: [
      {
        name: "nftables.conf",
        target: NFTABLES_PATH,
        mode: "0644",
        content: ruleset,
      },
    ],
    validate: [
      `nft -c -f "$STAGE/nftables.conf" || fail "nftables ruleset does not validate (nft -c)"`,
    ],
    activate: [
      `nft -f ${NFTABLES_PATH}`,
      "if [ -d /run/systemd/system ]; then systemctl enable --quiet nftables; fi",
    ],
    verify: [`nft list chain inet homelab forward | grep -q 'policy drop;'`],
    facts: [rulesetFact(ruleset)],
    guard: { revertAfterSeconds: lab.revertAfterSeconds },
    // What was loaded before, whether or not it came from a file: restored exactly on a revert.
    snapshot: {
      save: `nft -s list ruleset > "$BK/runtime"`,
      restore: `{ echo 'flush ruleset'; cat "$BK/runtime"; } | nft -f -`,
    },
  };
}

export function dnsUnit(lab: Lab, r: Router): UnitSpec {
  return {
    machine: r.name,
    unit: "dns",
    files: [
      { name: "dnsmasq.conf", target: DNSMASQ_PATH, mode: "0644", content: renderDnsmasq(lab, r) },
    ],
    validate: [
      `dnsmasq --test --conf-file="$STAGE/dnsmasq.conf" >/dev/null 2>&1 || fail "dnsmasq rejects the configuration"`,
    ],
    activate: [serviceAction("restart", "dnsmasq")],
    verify: [`pidof dnsmasq >/dev/null`],
    facts: [
      {
        key: "dnsmasq (process)",
        script: `pidof dnsmasq >/dev/null && echo running || echo "not running"`,
        expect: "running",
      },
    ],
  };
}

/** Same directory layout on every hypervisor (seed 000); only libvirt, qemu and cloud-image tools. */
export function hypervisorLayoutUnit(h: Hypervisor): UnitSpec {
  return {
    machine: h.name,
    unit: "layout",
    files: [
      {
        name: "README",
        target: "/var/lib/homelab/README",
        mode: "0644",
        content: lines(
          generatedHeader("hypervisors (layout; identical on every hypervisor)"),
          `# ${IMAGES_DIR}: base images and guest disks`,
          "# /var/lib/homelab/stage: files staged by the deployer",
          "# Nothing else runs here: services belong in VMs.",
        ),
      },
    ],
    validate: [
      `for t in virsh qemu-img cloud-localds; do command -v "$t" >/dev/null || fail "$t is missing: install libvirt-daemon-system, qemu-utils and cloud-image-utils"; done`,
    ],
    activate: [`mkdir -p ${IMAGES_DIR} /var/lib/homelab/stage`, `chmod 0711 ${IMAGES_DIR}`],
  };
}

/** Prints the bridge a link is a port of ("no bridge", or "no such device"). */
function bridgeOf(dev: string): string {
  const d = `/sys/class/net/${dev}`;
  return `if [ ! -e ${d} ]; then echo "no such device"; elif [ -e ${d}/master ]; then basename "$(readlink -f ${d}/master)"; else echo "no bridge"; fi`;
}

/** Defines (or redefines) the VM from rendered domain XML, creates its disk once, starts it. */
export function vmDomainUnit(lab: Lab, vm: Vm): UnitSpec {
  const files: UnitSpec["files"][number][] = [
    {
      name: "domain.xml",
      target: `/etc/homelab/vms/${vm.name}.xml`,
      mode: "0644",
      content: renderDomainXml(vm),
    },
  ];
  const withSeed = vm.machine.os === "debian";
  if (withSeed) {
    files.push(
      {
        name: "user-data",
        target: `/etc/homelab/vms/${vm.name}/user-data`,
        mode: "0644",
        content: renderCloudInitUserData(lab, vm),
      },
      {
        name: "network-config",
        target: `/etc/homelab/vms/${vm.name}/network-config`,
        mode: "0644",
        content: renderCloudInitNetwork(vm),
      },
      {
        name: "meta-data",
        target: `/etc/homelab/vms/${vm.name}/meta-data`,
        mode: "0644",
        content: renderCloudInitMetaData(vm),
      },
    );
  }
  const d = shq(diskPath(vm));
  return {
    machine: vm.hypervisor,
    unit: `vm-${vm.name}`,
    files,
    validate: [
      `[ -f ${shq(vm.image)} ] || fail ${shq(`base image ${vm.image} is missing on ${vm.hypervisor}`)}`,
    ],
    activate: [
      `[ -e ${d} ] || qemu-img create -q -f qcow2 -F qcow2 -b ${shq(vm.image)} ${d} ${vm.diskGiB}G`,
      ...(withSeed
        ? [
            `cloud-localds --network-config=/etc/homelab/vms/${vm.name}/network-config ${shq(seedPath(vm))} /etc/homelab/vms/${vm.name}/user-data /etc/homelab/vms/${vm.name}/meta-data`,
          ]
        : []),
      `virsh define /etc/homelab/vms/${vm.name}.xml >/dev/null`,
      `virsh autostart ${vm.autostart ? "" : "--disable "}${vm.name} >/dev/null`,
      `[ "$(virsh domstate ${vm.name})" = running ] || virsh start ${vm.name} >/dev/null`,
      // A NIC falls off its bridge when the bridge is recreated (libvirt does not re-attach it).
      ...vm.nics.map(
        (n) =>
          `[ "$(${bridgeOf(n.tap)})" = ${shq(n.bridge)} ] || ip link set ${shq(n.tap)} master ${shq(n.bridge)}`,
      ),
    ],
    verify: [`[ "$(virsh domstate ${vm.name})" = running ]`],
    facts: [
      {
        key: `domain ${vm.name} (virsh domstate)`,
        script: `virsh domstate ${vm.name} 2>&1 | sed '/^$/d'`,
        expect: "running",
      },
      {
        key: `domain ${vm.name} NICs (bridge of each tap)`,
        script: vm.nics
          .map((n) => `echo "${n.tap} (${n.mac}): on $(${bridgeOf(n.tap)})"`)
          .join("\n"),
        expect: vm.nics.map((n) => `${n.tap} (${n.mac}): on ${n.bridge}`).join("\n"),
      },
    ],
  };
}

export function nixosUnit(lab: Lab, m: Machine): UnitSpec {
  return {
    machine: m.name,
    unit: "nixos",
    files: [
      {
        name: "configuration.nix",
        target: NIXOS_CONFIG,
        mode: "0644",
        content: renderNixosConfiguration(lab, m),
      },
    ],
    validate: [
      `nix-instantiate --parse "$STAGE/configuration.nix" >/dev/null || fail "configuration.nix does not parse"`,
    ],
    activate: ["nixos-rebuild switch"],
  };
}
