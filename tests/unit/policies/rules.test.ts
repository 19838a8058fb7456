import * as assert from "node:assert/strict";
import { unknownObjectValue, unknownStringValue } from "../../support/unknowns";
import { homeResources, isIntent, lines, violations } from "../../support/policy-fixture";
import { mutate, StackResourceInput } from "../../support/policy-harness";

type Intent = Record<string, unknown>;
const intentOf = (p: Record<string, unknown>) => p.intent as Intent;
const isCommand = (name: string) => (r: StackResourceInput) =>
  r.type === "command:remote:Command" && r.name === name;
const isLiveState = (name: string) => (r: StackResourceInput) =>
  r.type === "pulumi-nodejs:dynamic/homelab:LiveState" && r.name === name;
const conn = (p: Record<string, unknown>) => p.connection as Record<string, unknown>;

/** One mutation of the secure home stack, then all policies. */
async function after(
  match: (r: StackResourceInput) => boolean,
  change: (p: Record<string, unknown>) => void,
  config?: Parameters<typeof violations>[1],
) {
  return lines(violations(mutate(await homeResources(), match, change), config));
}

describe("policy: ssh-no-password-auth", function () {
  this.timeout(60000);
  it("flags a connection that sets a password, once per host", async () => {
    assert.deepEqual(
      await after(isCommand("gw1-sshd-apply"), (p) => (conn(p).password = "hunter2")),
      [
        "ssh-no-password-auth/mandatory: 1 SSH connection to 10.0.10.1 sets a password (gw1-sshd-apply). Fix: Remove the password from the connection to 10.0.10.1; connect with the deploy key only. [finding connection:10.0.10.1]",
      ],
    );
  });
  it("flags a password on the live-state observer's connection too", async () => {
    assert.deepEqual(
      await after(isLiveState("iris-sshd-live"), (p) => (conn(p).password = "hunter2")),
      [
        "ssh-no-password-auth/mandatory: 1 SSH connection to 10.0.10.5 sets a password (iris-sshd-live). Fix: Remove the password from the connection to 10.0.10.5; connect with the deploy key only. [finding connection:10.0.10.5]",
      ],
    );
  });
  it("flags a bastion (proxy) that authenticates with a password", async () => {
    assert.deepEqual(
      await after(isCommand("gw1-dns-apply"), (p) => {
        conn(p).proxy = {
          host: "10.0.10.9",
          user: "jump",
          password: "pw",
          hostKey: "ssh-ed25519 AAAAC3Nza",
        };
      }),
      [
        "ssh-no-password-auth/mandatory: 1 SSH connection to 10.0.10.9 sets a password (gw1-dns-apply (bastion)). Fix: Remove the password from the connection to 10.0.10.9; connect with the deploy key only. [finding connection:10.0.10.9]",
      ],
    );
  });
  it("flags a password that is unknown during preview: it is still a password", async () => {
    const out = await after(
      isCommand("edge-sshd-apply"),
      (p) => (conn(p).password = unknownStringValue),
    );
    assert.deepEqual(out, [
      "ssh-no-password-auth/mandatory: 1 SSH connection to 192.168.30.8 sets a password (edge-sshd-apply). Fix: Remove the password from the connection to 192.168.30.8; connect with the deploy key only. [finding connection:192.168.30.8]",
    ]);
  });
  it("flags sshd accepting passwords on a host (intent)", async () => {
    assert.deepEqual(
      await after(isIntent("edge-intent"), (p) => {
        const ssh = intentOf(p).ssh as Intent;
        ssh.passwordAuthentication = true;
        (ssh.settingsFrom as Intent).passwordAuthentication =
          "homelab:hypervisors.atlas.vms.edge.ssh.sshd";
      }),
      [
        "ssh-no-password-auth/mandatory: sshd on vm edge (debian) accepts password logins (PasswordAuthentication yes). Fix: Remove passwordAuthentication: true from homelab:hypervisors.atlas.vms.edge.ssh.sshd. [finding sshd-password:edge]",
      ],
    );
  });
  it("flags keyboard-interactive logins on a NixOS host too", async () => {
    assert.deepEqual(
      await after(
        isIntent("infra1-intent"),
        (p) => ((intentOf(p).ssh as Intent).kbdInteractiveAuthentication = true),
      ),
      [
        "ssh-no-password-auth/mandatory: sshd on vm infra1 (nixos) accepts keyboard-interactive logins (password prompts through PAM). Fix: Remove kbdInteractiveAuthentication: true from homelab:ssh.sshd (the global setting: infra1 has none of its own, and every host without one inherits it). [finding sshd-kbd:infra1]",
      ],
    );
  });
});

describe("policy: ssh-root-login", function () {
  this.timeout(60000);
  it("flags PermitRootLogin yes", async () => {
    assert.deepEqual(
      await after(
        isIntent("iris-intent"),
        (p) => ((intentOf(p).ssh as Intent).permitRootLogin = "yes"),
      ),
      [
        "ssh-root-login/mandatory: sshd on host iris (debian) has PermitRootLogin yes: root may log in with a password. Fix: Set permitRootLogin: prohibit-password in homelab:ssh.sshd (the global setting: iris has none of its own, and every host without one inherits it). Not no: the deployer logs in as root. [finding sshd-root:iris]",
      ],
    );
  });
  it("suggests `no` only when the deployer does not log in as root", async () => {
    assert.deepEqual(
      await after(isIntent("iris-intent"), (p) => {
        const ssh = intentOf(p).ssh as Intent;
        ssh.permitRootLogin = "yes";
        ssh.loginUser = "deploy";
      }),
      [
        "ssh-root-login/mandatory: sshd on host iris (debian) has PermitRootLogin yes: root may log in with a password. Fix: Set permitRootLogin: prohibit-password (or no) in homelab:ssh.sshd (the global setting: iris has none of its own, and every host without one inherits it). [finding sshd-root:iris]",
      ],
    );
  });
  it("accepts `no`", async () => {
    assert.deepEqual(
      await after(
        isIntent("iris-intent"),
        (p) => ((intentOf(p).ssh as Intent).permitRootLogin = "no"),
      ),
      [],
    );
  });
});

describe("policy: ssh-host-key-pinned", function () {
  this.timeout(60000);
  it("flags a connection without a host key", async () => {
    assert.deepEqual(await after(isCommand("hermes-sshd-apply"), (p) => delete conn(p).hostKey), [
      "ssh-host-key-pinned/mandatory: 1 SSH connection to 192.168.30.7 does not pin a host key (hermes-sshd-apply): any key would be accepted. Fix: Set connection.hostKey for 192.168.30.7 (from the inventory's ssh.hostKey). [finding connection:192.168.30.7]",
    ]);
  });
  it("flags a live-state observer that does not pin the host key", async () => {
    assert.deepEqual(await after(isLiveState("gw1-firewall-live"), (p) => delete conn(p).hostKey), [
      "ssh-host-key-pinned/mandatory: 1 SSH connection to 10.0.10.1 does not pin a host key (gw1-firewall-live): any key would be accepted. Fix: Set connection.hostKey for 10.0.10.1 (from the inventory's ssh.hostKey). [finding connection:10.0.10.1]",
    ]);
  });
  it("flags a machine intent without a pinned key", async () => {
    assert.deepEqual(
      await after(
        isIntent("hermes-intent"),
        (p) => ((intentOf(p).ssh as Intent).hostKeyPinned = false),
      ),
      [
        "ssh-host-key-pinned/mandatory: vm hermes has no pinned SSH host key. Fix: Add ssh.hostKey for hermes to the inventory. [finding hostkey:hermes]",
      ],
    );
  });
  it("does not crash or guess when the connection is unknown during preview", async () => {
    const out = await after(
      isCommand("hermes-sshd-apply"),
      (p) => (p.connection = unknownObjectValue),
    );
    assert.deepEqual(out, []);
  });
  it("treats a host key unknown during preview as pinned", async () => {
    assert.deepEqual(
      await after(isCommand("hermes-sshd-apply"), (p) => (conn(p).hostKey = unknownStringValue)),
      [],
    );
  });
});

describe("policy: zone-isolation", function () {
  this.timeout(60000);
  const addFlow = (flow: Intent) => (p: Record<string, unknown>) => {
    (intentOf(p).flows as Intent[]).push(flow);
  };
  const tcp22 = [{ protocol: "tcp", from: 22, to: 22 }];

  it("flags a direct flow from the DMZ into the management zone, and every path it opens", async () => {
    // mgmt may reach everything, so a way into mgmt is a way into the hypervisors too, and the DMZ
    // resolver that internal clients query becomes a stepping stone from internal.
    assert.deepEqual(
      await after(
        isIntent("gw1-router-intent"),
        addFlow({ from: "dmz", to: "mgmt", ports: tcp22, toAddresses: [] }),
      ),
      [
        "zone-isolation/mandatory: Zone dmz (dmz) can reach zone mgmt (management): dmz -> mgmt on tcp/22 to any address (router gw1). A compromised dmz machine could attack the mgmt hosts. Fix: Remove the dmz -> mgmt flow from homelab:flows (reverse it if mgmt needs to reach dmz). [finding flow:dmz->mgmt]",
        'zone-isolation/mandatory: Zone dmz (dmz) can reach zone hypervisors (hypervisor) in 2 hops: dmz -> mgmt on tcp/22 to any address (router gw1); then mgmt -> hypervisors on tcp/22, icmp to any address (router gw1, "administration"). Fix: Break the chain: remove or narrow one of these hops (usually the last one into hypervisors). [finding path:dmz->hypervisors]',
        'zone-isolation/mandatory: Zone internal (internal) can reach zone hypervisors (hypervisor) in 3 hops: internal -> dmz on udp/53, tcp/53 to 192.168.30.7 (router gw1, "internal clients may query the DMZ resolver"); then dmz -> mgmt on tcp/22 to any address (router gw1); then mgmt -> hypervisors on tcp/22, icmp to any address (router gw1, "administration"). Fix: Break the chain: remove or narrow one of these hops (usually the last one into hypervisors). [finding path:internal->hypervisors]',
        'zone-isolation/mandatory: Zone internal (internal) can reach zone mgmt (management) in 2 hops: internal -> dmz on udp/53, tcp/53 to 192.168.30.7 (router gw1, "internal clients may query the DMZ resolver"); then dmz -> mgmt on tcp/22 to any address (router gw1). Fix: Break the chain: remove or narrow one of these hops (usually the last one into mgmt). [finding path:internal->mgmt]',
      ],
    );
  });

  it("finds multi-hop paths: a narrow DMZ flow into a zone that itself reaches the hypervisors", async () => {
    assert.deepEqual(
      await after(
        isIntent("gw1-router-intent"),
        addFlow({ from: "internal", to: "hypervisors", ports: tcp22, toAddresses: [] }),
      ),
      [
        "zone-isolation/mandatory: Zone internal (internal) can reach zone hypervisors (hypervisor): internal -> hypervisors on tcp/22 to any address (router gw1). A compromised internal machine could attack the hypervisors hosts. Fix: Remove the internal -> hypervisors flow from homelab:flows (reverse it if hypervisors needs to reach internal). [finding flow:internal->hypervisors]",
        `zone-isolation/mandatory: Zone dmz (dmz) can reach zone hypervisors (hypervisor) in 2 hops: dmz -> internal on tcp/80 to 10.0.20.50 (router gw1, "reverse proxy to the website's load balancer"); then internal -> hypervisors on tcp/22 to any address (router gw1). Fix: Break the chain: remove or narrow one of these hops (usually the last one into hypervisors). [finding path:dmz->hypervisors]`,
      ],
    );
  });

  it("can be told not to follow multi-hop paths", async () => {
    const out = await after(
      isIntent("gw1-router-intent"),
      addFlow({ from: "internal", to: "hypervisors", ports: tcp22, toAddresses: [] }),
      { "zone-isolation": { transitive: false } },
    );
    assert.deepEqual(
      out.map((l) => /\[finding (.*)\]$/.exec(l)?.[1]),
      ["flow:internal->hypervisors"],
    );
  });

  it("protects more trust levels when configured (the home DMZ -> website flow then counts)", async () => {
    const out = lines(
      violations(await homeResources(), {
        "zone-isolation": { protectedTrust: ["internal", "hypervisor", "management"] },
      }),
    );
    assert.deepEqual(
      out.map((l) => /\[finding (.*)\]$/.exec(l)?.[1]),
      ["flow:dmz->internal"],
    );
  });

  it("flags flows routed in from the WAN", async () => {
    assert.deepEqual(
      await after(
        isIntent("gw1-router-intent"),
        addFlow({ from: "wan", to: "internal", ports: [{ protocol: "any" }], toAddresses: [] }),
      ),
      [
        "zone-isolation/mandatory: The internet can open connections into internal (internal): wan -> internal on any port to any address (router gw1). Only published DMZ ports (port-forwards, tunnels) may be reachable from the WAN. Fix: Remove the flow from wan; publish a DMZ service with a port-forward or tunnel instead. [finding wan-flow:internal]",
        "cluster-api-isolation/mandatory: The internet can reach the Talos API of cluster homelab (tcp/50000 on 10.0.20.11, 10.0.20.12, 10.0.20.13, 10.0.20.21, 10.0.20.22, 10.0.20.23) in the more trusted zone internal: wan -> internal on any port to any address (router gw1). Anyone can try the cluster's credentials there. Fix: Narrow the flow from wan to internal so it leaves out tcp/50000 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:wan->internal:talos]",
        "cluster-api-isolation/mandatory: The internet can reach the Talos trustd of cluster homelab (tcp/50001 on 10.0.20.11, 10.0.20.12, 10.0.20.13) in the more trusted zone internal: wan -> internal on any port to any address (router gw1). Anyone can try the cluster's credentials there. Fix: Narrow the flow from wan to internal so it leaves out tcp/50001 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:wan->internal:trustd]",
        "cluster-api-isolation/mandatory: The internet can reach the Kubernetes API of cluster homelab (tcp/6443 on 10.0.20.11, 10.0.20.12, 10.0.20.13, 10.0.20.10) in the more trusted zone internal: wan -> internal on any port to any address (router gw1). Anyone can try the cluster's credentials there. Fix: Narrow the flow from wan to internal so it leaves out tcp/6443 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:wan->internal:kubernetes]",
      ],
    );
  });

  it("flags a broad flow into a higher-trust zone (any port or any address)", async () => {
    assert.deepEqual(
      await after(
        isIntent("gw1-router-intent"),
        addFlow({ from: "dmz", to: "internal", ports: [{ protocol: "any" }], toAddresses: [] }),
      ),
      [
        "zone-isolation/mandatory: Flow dmz -> internal on any port to any address (router gw1) lets lower-trust dmz (dmz) into higher-trust internal (internal) on any port to any address. Fix: Narrow it: use toService (or toHost) and the service's ports. [finding broad:dmz->internal]",
        "cluster-api-isolation/mandatory: Zone dmz (dmz) can reach the Talos API of cluster homelab (tcp/50000 on 10.0.20.11, 10.0.20.12, 10.0.20.13, 10.0.20.21, 10.0.20.22, 10.0.20.23) in the more trusted zone internal: dmz -> internal on any port to any address (router gw1). Whoever controls a dmz machine can try the cluster's credentials there. Fix: Narrow the flow from dmz to internal so it leaves out tcp/50000 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:dmz->internal:talos]",
        "cluster-api-isolation/mandatory: Zone dmz (dmz) can reach the Talos trustd of cluster homelab (tcp/50001 on 10.0.20.11, 10.0.20.12, 10.0.20.13) in the more trusted zone internal: dmz -> internal on any port to any address (router gw1). Whoever controls a dmz machine can try the cluster's credentials there. Fix: Narrow the flow from dmz to internal so it leaves out tcp/50001 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:dmz->internal:trustd]",
        "cluster-api-isolation/mandatory: Zone dmz (dmz) can reach the Kubernetes API of cluster homelab (tcp/6443 on 10.0.20.11, 10.0.20.12, 10.0.20.13, 10.0.20.10) in the more trusted zone internal: dmz -> internal on any port to any address (router gw1). Whoever controls a dmz machine can try the cluster's credentials there. Fix: Narrow the flow from dmz to internal so it leaves out tcp/6443 (it allows any port) or points at a service (toService), and manage the cluster from the management zone. [finding api-flow:dmz->internal:kubernetes]",
      ],
    );
  });

  it("flags a machine straddling zones of different trust", async () => {
    const out = await after(isIntent("edge-intent"), (p) =>
      (intentOf(p).addresses as Intent[]).push({
        zone: "internal",
        address: "10.0.20.99",
        interface: "eth1",
      }),
    );
    assert.equal(
      out[0],
      "zone-isolation/mandatory: vm edge has addresses in dmz (dmz) and internal (internal): whoever compromises it from the lower-trust zone is inside the higher one without crossing the firewall. Fix: Keep edge's primary NIC (zone dmz) and remove the one in zone internal from homelab:hypervisors.atlas.vms.edge.nics; let a narrow flow (toService) carry what it needs. [finding multihomed:edge]",
    );
    assert.equal(out.length, 1, out.join("\n"));
  });

  it("flags a hypervisor with an address on a guest bridge", async () => {
    const out = await after(isIntent("jefke-hypervisor-intent"), (p) => {
      (intentOf(p).bridges as Intent[])[0]!.address = "10.0.20.4";
    });
    assert.deepEqual(out, [
      "zone-isolation/mandatory: Hypervisor jefke has address 10.0.20.4 on br-internal, the bridge of guest zone internal (internal): every guest there can reach the hypervisor directly. Fix: Remove address from homelab:hypervisors.jefke.bridges (zone internal); manage it through hypervisors only. [finding hypervisor-address:jefke:internal]",
    ]);
  });

  it("flags a VM NIC attached to the bridge of another zone than declared", async () => {
    assert.deepEqual(
      await after(
        isIntent("hermes-intent"),
        (p) => ((intentOf(p).nics as Intent[])[0]!.bridge = "br-internal"),
      ),
      [
        "zone-isolation/mandatory: VM hermes declares its NIC ca:fe:c0:ff:ee:07 in zone dmz (dmz) but it is attached to bridge br-internal, which carries zone internal (internal). Fix: Attach the NIC back to br-dmz: the VM's domain is rendered from homelab:hypervisors.atlas.vms.hermes.nics[0].zone, so `pulumi up` restores it unless the domain was edited by hand (virsh edit). If the VM belongs in zone internal, set that zone there instead. [finding vm-bridge:hermes:ca:fe:c0:ff:ee:07]",
      ],
    );
  });

  it("refuses intent records of another version instead of misreading them (and judges nothing else)", async () => {
    assert.deepEqual(await after(isIntent("test-zones"), (p) => (p.version = 99)), [
      "intent-records-current/mandatory: intent record test-zones has version 99; this policy pack understands version 2. Update the policy pack and the program together. Fix: Run the policy pack that matches the program version. [finding intent:urn:pulumi:test::homelab::homelab:index:Lab$homelab:intent:Record::test-zones]",
    ]);
  });
});

describe("policy: dmz-only-ingress", function () {
  this.timeout(60000);
  it("flags the internal target of a port-forward to the Kubernetes API (cluster-api-isolation flags the API)", async () => {
    assert.deepEqual(
      await after(isIntent("gw1-router-intent"), (p) =>
        (intentOf(p).portForwards as Intent[]).push({
          protocol: "tcp",
          publicPort: 6443,
          service: "k8s",
          targetAddress: "10.0.20.10",
          targetPort: 6443,
          targetZone: "internal",
        }),
      ),
      [
        "dmz-only-ingress/mandatory: Port-forward tcp/6443 on router gw1 -> service k8s at 10.0.20.10:6443 exposes zone internal (internal) to the internet; internet traffic must terminate in the DMZ. Fix: Forward to a DMZ reverse proxy instead (e.g. homelab:services.<proxy> in the dmz zone) and let it reach k8s through a toService flow. [finding port-forward:gw1:tcp/6443]",
        "cluster-api-isolation/mandatory: Port-forward tcp/6443 on router gw1 -> service k8s at 10.0.20.10:6443 publishes the Kubernetes API of cluster homelab to the internet. Fix: Remove the port-forward (homelab:routers.gw1.portForwards); reach the cluster's APIs from the management zone (or over a VPN) only. [finding api:gw1:tcp/6443]",
      ],
    );
  });

  it("flags a public name whose entry is not in the DMZ", async () => {
    assert.deepEqual(
      await after(isIntent("test-public-website-intent"), (p) => {
        Object.assign(intentOf(p), { entryService: "mariadb", entryZone: "internal" });
      }),
      [
        "dmz-only-ingress/mandatory: Public name www.example.com (service website, via proxy) enters the lab at mariadb in zone internal, not in the DMZ. Fix: Serve www.example.com through a DMZ entry: set public.via to proxy with a DMZ reverse proxy (e.g. homelab:services.<proxy> in the dmz zone) and let it reach mariadb through a toService flow. [finding exposure:website]",
      ],
    );
  });

  it("flags a public record pointing at a private address, even one outside every zone", async () => {
    assert.deepEqual(
      await after(
        (r) => r.name === "test-public-proxy",
        (p) => (p.content = "172.16.5.5"),
      ),
      [
        "dmz-only-ingress/mandatory: Public DNS record edge.example.com (A) points at internal address 172.16.5.5: it leaks the inside layout and is never the DMZ entry. Fix: Point edge.example.com at the public address of the router that port-forwards to the DMZ (homelab:cloudflare.publicAddress); drop recordAddress. [finding dns-record:edge.example.com]",
      ],
    );
  });

  it("ignores a record whose content is unknown during preview (no crash, no `undefined`)", async () => {
    assert.deepEqual(
      await after(
        (r) => r.name === "test-public-proxy",
        (p) => (p.content = unknownStringValue),
      ),
      [],
    );
  });

  it("flags a tunnel route into an internal zone", async () => {
    const res = [
      ...(await homeResources()),
      {
        type: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
        name: "routes",
        urn: "urn:pulumi:test::homelab::cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig::routes",
        props: {
          config: {
            ingresses: [
              { hostname: "db.example.com", service: "tcp://10.0.20.5:3306" },
              { service: "http_status:404" },
            ],
          },
        },
      },
    ];
    assert.deepEqual(lines(violations(res)), [
      "dmz-only-ingress/mandatory: Tunnel route db.example.com -> tcp://10.0.20.5:3306 ends in zone internal, not in the DMZ. Fix: Route the tunnel to a DMZ address (a reverse proxy there) instead. [finding tunnel-route:db.example.com]",
    ]);
  });

  it("flags a Kubernetes Service marked public that is not a DMZ load balancer", async () => {
    assert.deepEqual(
      await after(
        (r) => r.type === "kubernetes:core/v1:Service",
        (p) => {
          (p.metadata as { annotations: Intent }).annotations["homelab.iac/exposure"] = "public";
          (p.spec as Intent).type = "NodePort";
        },
      ),
      [
        "dmz-only-ingress/mandatory: Kubernetes Service website is marked public but is of type NodePort, reachable on the nodes, not on a DMZ address. Fix: Publish it through the DMZ reverse proxy (public.via: proxy) instead. [finding k8s-service:website]",
      ],
    );
  });
});

describe("policy: firewall-default-deny", function () {
  this.timeout(60000);
  it("flags a router that forwards by default", async () => {
    assert.deepEqual(
      await after(isIntent("gw1-router-intent"), (p) => (intentOf(p).forwardPolicy = "accept")),
      [
        "firewall-default-deny/mandatory: Router gw1 forwards by default (forward policy accept): every zone can reach every other. Fix: Set the forward chain of gw1 to policy drop and list the allowed traffic in homelab:flows. [finding forward-policy:gw1]",
      ],
    );
  });
  it("flags zones that no router enforces", async () => {
    const res = (await homeResources()).filter((r) => r.name !== "gw1-router-intent");
    assert.deepEqual(lines(violations(res)), [
      "firewall-default-deny/mandatory: Zones dmz, hypervisors, internal, mgmt exist but no router publishes its firewall: nothing enforces default deny between them. Fix: Declare the router under homelab:routers (the Router component renders and publishes its ruleset). [finding no-router]",
    ]);
  });
});

describe("policy: versions-pinned", function () {
  this.timeout(60000);
  it("flags a floating Talos version (advisory)", async () => {
    assert.deepEqual(
      await after(
        isIntent("test-versions"),
        (p) => ((intentOf(p).items as Intent[])[0]!.version = "latest"),
      ),
      [
        'versions-pinned/advisory: talos is at "latest", which is not an exact release. Fix: Pin talos to an exact release. [finding version:talos]',
      ],
    );
  });
  it("flags a Deployment image on latest", async () => {
    assert.deepEqual(
      await after(
        (r) => r.type === "kubernetes:apps/v1:Deployment",
        (p) =>
          ((
            p.spec as { template: { spec: { containers: Intent[] } } }
          ).template.spec.containers[0]!.image = "nginx"),
      ),
      [
        "versions-pinned/advisory: Deployment test-workloads-website runs image nginx, which floats (no tag). Fix: Pin a release tag with the full version (e.g. 1.27.3) or an @sha256 digest. [finding image:nginx]",
      ],
    );
  });
  it("can require digests", async () => {
    assert.deepEqual(
      lines(
        violations(await homeResources(), { "versions-pinned": { requireImageDigests: true } }),
      ),
      [
        "versions-pinned/advisory: Deployment test-workloads-website runs image nginx:1.27.3 by tag; this lab requires digests. Fix: Pin nginx:1.27.3 by digest (image@sha256:…). [finding image-digest:nginx:1.27.3]",
      ],
    );
  });
});

describe("policy: hypervisor-minimal", function () {
  this.timeout(60000);
  const withService = (p: Record<string, unknown>) =>
    (intentOf(p).services = ["dns", "node-exporter"]);
  it("flags services running on a hypervisor itself (advisory)", async () => {
    assert.deepEqual(await after(isIntent("lewis-hypervisor-intent"), withService), [
      "hypervisor-minimal/advisory: Hypervisor lewis runs dns, node-exporter itself. Fix: Move dns, node-exporter into a VM on lewis. [finding services:lewis]",
    ]);
  });
  it("tolerates configured services", async () => {
    assert.deepEqual(
      await after(isIntent("lewis-hypervisor-intent"), withService, {
        "hypervisor-minimal": { allowedServices: ["node-exporter"] },
      }),
      [
        "hypervisor-minimal/advisory: Hypervisor lewis runs dns itself. Fix: Move dns into a VM on lewis. [finding services:lewis]",
      ],
    );
  });
});

describe("policy messages never print undefined", function () {
  this.timeout(60000);
  it("even with unknowns and missing fields everywhere", async () => {
    let res = await homeResources();
    // Every unit's files travel on its command's stdin: unknown connections there (gw1's sshd
    // command gets its own, partly unknown connection below).
    res = mutate(
      res,
      (r) => r.type === "command:remote:Command" && r.name !== "gw1-sshd-apply",
      (p) => (p.connection = unknownObjectValue),
    );
    res = mutate(
      res,
      (r) => r.type === "cloudflare:index/dnsRecord:DnsRecord",
      (p) => {
        p.content = unknownStringValue;
        delete p.name;
      },
    );
    res = mutate(
      res,
      (r) => r.type === "kubernetes:core/v1:Service",
      (p) => {
        delete p.metadata;
        p.spec = unknownObjectValue;
      },
    );
    res = mutate(res, isIntent("gw1-router-intent"), (p) => {
      (intentOf(p).flows as Intent[]).push(
        { from: "dmz", to: "ghost", ports: [{ protocol: "any" }], toAddresses: [] },
        // A flow into the hypervisors without a description or addresses: zone-isolation fires.
        { from: "dmz", to: "hypervisors", ports: [{ protocol: "any" }], toAddresses: [] },
      );
    });
    // A connection whose address is unknown at preview sets an unknown password and no host key.
    res = mutate(res, isCommand("gw1-sshd-apply"), (p) => {
      conn(p).host = unknownStringValue;
      conn(p).password = unknownStringValue;
      delete conn(p).hostKey;
    });
    const found = lines(violations(res));
    // The check below means something only if the mutations produced violations to read.
    assert.deepEqual([...new Set(found.map((l) => l.split("/")[0]))].sort(), [
      "ssh-no-password-auth",
      "zone-isolation",
    ]);
    assert.equal(found.length, 3, found.join("\n"));
    for (const l of found) assert.doesNotMatch(l, /undefined|\[object Object\]/, l);
  });
});
