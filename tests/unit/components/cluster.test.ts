import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { TalosClusterArgs } from "../../../components/talos-cluster";
import type { TalosCluster as TalosModel } from "../../../model/lab";
import { talosIntent } from "../../../renderers/intents";
import { renderTalosPatch, talosNodePatches } from "../../../renderers/talos";
import { talosNodes, talosRolloutIntent } from "../../../renderers/talos-rollout";
import {
  renderApply,
  renderKubernetesCreate,
  renderKubernetesUpgrade,
  renderMachineConfig,
  renderSecretsCreate,
  renderSecretsKeep,
  renderUpgrade,
} from "../../../renderers/talos-steps";
import { homeLab } from "../../support/labs";
import { byName, children, isSecret, reveal } from "../../support/inputs";
import { dependencyNames, duplicateUrns, Recorded, runMocked } from "../../support/mocks";
import { withGate } from "../../support/talos-drive";

describe("component: TalosCluster and Workloads", () => {
  const lab = homeLab();
  const t = lab.talos!;
  const vms = lab.hypervisors.flatMap((h) => h.vms);
  const nodes = [...t.controlPlanes, ...t.workers].map((m) => m.name);
  const run = (cluster = t, extra: Partial<TalosClusterArgs> = {}) =>
    runMocked(
      async () => {
        const { TalosCluster } = await import("../../../components/talos-cluster");
        const { Workloads } = await import("../../../components/workloads");
        const c = new TalosCluster("homelab", {
          lab,
          cluster,
          vms,
          kubernetesProvider: true,
          ...extra,
        });
        if (c.provider)
          new Workloads("home-workloads", {
            services: lab.services.filter((s) => s.kubernetes),
            provider: c.provider,
          });
        return { kubeconfig: c.kubeconfig, secret: pulumi.isSecret(c.kubeconfig) };
      },
      {
        outputs: (r) =>
          r.type === "command:local:Command" ? { stdout: `stdout-of-${r.name}` } : {},
      },
    );
  const cmd = (resources: Recorded[], name: string) =>
    byName(resources, "command:local:Command", `homelab-${name}`);

  it("drives talosctl through local commands: secrets once, per node a config, an upgrade and an apply, then Kubernetes, bootstrap, kubeconfig", async () => {
    const { resources, urns } = await run();
    assert.deepEqual(
      children(resources)
        .filter((c) => c.startsWith("command:"))
        .sort(),
      [
        "command:local:Command homelab-bootstrap",
        "command:local:Command homelab-kubeconfig",
        "command:local:Command homelab-kubernetes",
        "command:local:Command homelab-secrets",
        "command:local:Command homelab-talosconfig",
        ...nodes.flatMap((n) => [
          `command:local:Command homelab-${n}-apply`,
          `command:local:Command homelab-${n}-config`,
          `command:local:Command homelab-${n}-upgrade`,
        ]),
      ].sort(),
      "Talos has no SSH: only local commands",
    );
    assert.deepEqual(duplicateUrns(urns), []);
    for (const n of talosNodes(t)) {
      assert.equal(cmd(resources, `${n.name}-upgrade`).inputs.create, renderUpgrade(t, n));
      assert.equal(cmd(resources, `${n.name}-apply`).inputs.create, renderApply(t, n));
      assert.equal(cmd(resources, `${n.name}-config`).inputs.create, renderMachineConfig(t, n));
    }
    const k = cmd(resources, "kubernetes");
    assert.equal(k.inputs.create, renderKubernetesCreate(t));
    assert.equal(k.inputs.update, renderKubernetesUpgrade(t));
  });

  it("the secrets command's inputs are constant: no version, endpoint, patch or node change reaches them", async () => {
    const variant: TalosModel = {
      ...t,
      talosVersion: "v1.13.10",
      kubernetesVersion: "v1.34.2",
      endpoint: "https://10.0.20.99:6443",
      endpointAddress: "10.0.20.99",
      vip: "10.0.20.99",
      workers: t.workers.slice(0, 1),
      patches: { ...t.patches, all: [{ machine: { sysctls: { "vm.max_map_count": "262144" } } }] },
    };
    const before = cmd((await run()).resources, "secrets");
    const after = cmd((await run(variant)).resources, "secrets");
    assert.deepEqual(after.inputs, before.inputs);
    assert.deepEqual(before.inputs, {
      create: renderSecretsCreate(),
      update: renderSecretsKeep(),
      logging: "stderr",
    });
    assert.doesNotMatch(
      String(before.inputs.create),
      /v\d+\.\d+\.\d+|\b1\.34|10\.0\.20|:6443|talos-cp|talos-w/,
    );
  });

  it("adopts an existing cluster's secrets (secret) instead of generating them", async () => {
    const { resources } = await run(t, { secrets: pulumi.secret("ADOPTED-BUNDLE") });
    assert.equal(
      resources.some((r) => r.name === "homelab-secrets"),
      false,
    );
    const config = cmd(resources, "talos-cp1-config");
    assert.ok(isSecret(config.inputs.stdin));
    assert.equal(reveal(config.inputs.stdin), "ADOPTED-BUNDLE");
    assert.equal(reveal(cmd(resources, "talosconfig").inputs.stdin), "ADOPTED-BUNDLE");
  });

  it("chains the rollout: control planes one at a time, then workers, then Kubernetes, then the applies in the same order", async () => {
    const { resources } = await run(withGate(t, 600, 2));
    const deps = (name: string) => dependencyNames(cmd(resources, name));
    const tc = "homelab-talosconfig";
    assert.deepEqual(deps("talos-cp1-upgrade"), [tc]);
    assert.deepEqual(deps("talos-cp2-upgrade"), ["homelab-talos-cp1-upgrade", tc]);
    assert.deepEqual(deps("talos-cp3-upgrade"), ["homelab-talos-cp2-upgrade", tc]);
    assert.deepEqual(deps("talos-w1-upgrade"), ["homelab-talos-cp3-upgrade", tc]);
    assert.deepEqual(deps("talos-w2-upgrade"), ["homelab-talos-cp3-upgrade", tc]);
    assert.deepEqual(deps("talos-w3-upgrade"), [
      "homelab-talos-w1-upgrade",
      "homelab-talos-w2-upgrade",
      tc,
    ]);
    assert.deepEqual(deps("kubernetes"), ["homelab-talos-w3-upgrade", tc]);
    assert.deepEqual(deps("talos-cp1-apply"), [
      "homelab-kubernetes",
      "homelab-talos-cp1-config",
      tc,
    ]);
    assert.deepEqual(deps("talos-cp2-apply"), [
      "homelab-talos-cp1-apply",
      "homelab-talos-cp2-config",
      tc,
    ]);
    assert.deepEqual(deps("talos-w2-apply"), [
      "homelab-talos-cp3-apply",
      "homelab-talos-w2-config",
      tc,
    ]);
    assert.deepEqual(deps("talos-w3-apply"), [
      "homelab-talos-w1-apply",
      "homelab-talos-w2-apply",
      "homelab-talos-w3-config",
      tc,
    ]);
    assert.deepEqual(deps("bootstrap"), [
      "homelab-talos-cp1-apply",
      "homelab-talos-cp2-apply",
      "homelab-talos-cp3-apply",
      tc,
    ]);
    assert.deepEqual(
      deps("kubeconfig"),
      ["homelab-bootstrap", ...nodes.map((n) => `homelab-${n}-apply`).sort(), tc].sort(),
    );
    assert.deepEqual(deps("secrets"), []);
  });

  it("pins talosctl to the cluster's version and feeds secrets and configs through stdin, never the command line", async () => {
    const { resources } = await run();
    const config = cmd(resources, "talos-cp1-config");
    assert.match(String(config.inputs.create), /grep -qxF 'Talos v1\.13\.9'/);
    assert.ok(isSecret(config.inputs.stdin), "the secrets bundle is passed as a secret");
    assert.equal(reveal(config.inputs.stdin), "stdout-of-homelab-secrets");
    assert.deepEqual(config.inputs.environment, {
      TALOS_PATCH: renderTalosPatch(talosNodePatches(t, t.controlPlanes[0]!, "controlplane")),
    });
    const apply = cmd(resources, "talos-w1-apply");
    assert.ok(isSecret(apply.inputs.stdin));
    assert.equal(reveal(apply.inputs.stdin), "stdout-of-homelab-talos-w1-config");
    assert.ok(isSecret(apply.inputs.environment), "the talosconfig makes the environment secret");
    assert.deepEqual(reveal(apply.inputs.environment), {
      HOMELAB_TALOSCONFIG: "stdout-of-homelab-talosconfig",
    });
    assert.equal(
      cmd(resources, "secrets").inputs.logging,
      "stderr",
      "secrets never stream to the log",
    );
  });

  it("exports the kubeconfig as a secret and builds a Kubernetes provider only when asked (workloads)", async () => {
    const { resources, outputs } = await run();
    assert.equal(await (outputs!.secret as Promise<boolean>), true);
    const provider = byName(resources, "pulumi:providers:kubernetes", "homelab-k8s");
    assert.ok(isSecret(provider.inputs.kubeconfig));
    const without = await run(t, { kubernetesProvider: false });
    assert.equal(
      without.resources.some((r) => r.type === "pulumi:providers:kubernetes"),
      false,
    );
  });

  it("publishes the cluster intent, the rollout plan and one machine intent per node", async () => {
    const { resources } = await run();
    assert.deepEqual(
      byName(resources, "homelab:intent:Record", "homelab-intent").inputs.intent,
      JSON.parse(JSON.stringify(talosIntent(t))),
    );
    assert.deepEqual(
      byName(resources, "homelab:intent:Record", "homelab-rollout").inputs.intent,
      JSON.parse(JSON.stringify(talosRolloutIntent("homelab", t))),
    );
    assert.equal(resources.filter((r) => /^homelab-talos-.*-intent$/.test(r.name)).length, 6);
  });

  it("creates a Deployment and a LoadBalancer Service for the website, through the cluster's provider", async () => {
    const { resources } = await run();
    const dep = byName(resources, "kubernetes:apps/v1:Deployment", "home-workloads-website");
    const spec = dep.inputs.spec as {
      replicas: number;
      template: { spec: { containers: { image: string }[] } };
    };
    assert.equal(spec.replicas, 2);
    assert.equal(spec.template.spec.containers[0]!.image, "nginx:1.27.3");
    const svc = byName(resources, "kubernetes:core/v1:Service", "home-workloads-website");
    assert.deepEqual((svc.inputs.spec as Record<string, unknown>).type, "LoadBalancer");
    assert.deepEqual((svc.inputs.spec as Record<string, unknown>).loadBalancerIP, "10.0.20.50");
    assert.match(String(svc.provider), /homelab-k8s/);
  });
});

describe("component: LoadBalancer (kube-vip)", () => {
  it("installs kube-vip from typed resources, pinned, announcing the pool's addresses by ARP", async () => {
    const lab = homeLab();
    const { resources } = await runMocked(async () => {
      const k8s = await import("@pulumi/kubernetes");
      const { LoadBalancer } = await import("../../../components/load-balancer");
      const provider = new k8s.Provider("k8s", { kubeconfig: "unused" });
      new LoadBalancer("home-lb", { pool: lab.talos!.loadBalancerPool!, provider });
      return {};
    });
    assert.deepEqual(children(resources).sort(), [
      "homelab:k8s:LoadBalancer home-lb",
      "kubernetes:apps/v1:DaemonSet home-lb-kube-vip",
      "kubernetes:core/v1:ServiceAccount home-lb-account",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole home-lb-role",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding home-lb-binding",
      "pulumi:providers:kubernetes k8s",
    ]);
    const ds = byName(resources, "kubernetes:apps/v1:DaemonSet", "home-lb-kube-vip").inputs as {
      metadata: { namespace: string; annotations: Record<string, string> };
      spec: {
        template: {
          spec: {
            hostNetwork: boolean;
            containers: { image: string; args: string[]; env: { name: string; value: string }[] }[];
          };
        };
      };
    };
    const c = ds.spec.template.spec.containers[0]!;
    assert.equal(c.image, "ghcr.io/kube-vip/kube-vip:v0.8.9");
    assert.deepEqual(c.args, ["manager"]);
    assert.deepEqual(Object.fromEntries(c.env.map((e) => [e.name, e.value])), {
      vip_arp: "true",
      cp_enable: "false",
      svc_enable: "true",
      svc_election: "true",
      vip_leaseduration: "5",
      vip_renewdeadline: "3",
      vip_retryperiod: "1",
    });
    assert.equal(ds.spec.template.spec.hostNetwork, true);
    assert.equal(ds.metadata.namespace, "kube-system");
    assert.equal(ds.metadata.annotations["homelab.iac/pool"], "10.0.20.50-10.0.20.59");
  });

  it("gives each LoadBalancer Service the annotation kube-vip announces", async () => {
    const lab = homeLab();
    const { resources } = await runMocked(async () => {
      const k8s = await import("@pulumi/kubernetes");
      const { Workloads } = await import("../../../components/workloads");
      const provider = new k8s.Provider("k8s", { kubeconfig: "unused" });
      new Workloads("w", { services: lab.services.filter((s) => s.kubernetes), provider });
      return {};
    });
    const svc = byName(resources, "kubernetes:core/v1:Service", "w-website").inputs as {
      metadata: { annotations: Record<string, string> };
    };
    assert.equal(svc.metadata.annotations["kube-vip.io/loadbalancerIPs"], "10.0.20.50");
  });
});

describe("component: PublicDns", () => {
  it("points public records only at the entry (router's public address), and tunnels through cloudflared on the DMZ connector", async () => {
    const lab = homeLab([
      {
        set: "homelab:services.status.public",
        value: { hostname: "status.example.com", via: "tunnel" },
      },
      { set: "homelab:cloudflare.tunnel", value: { connector: "edge" } },
      { set: "homelab:cloudflare.accountId", value: "0123456789abcdef0123456789abcdef" },
    ]);
    const { resources } = await runMocked(
      async () => {
        const { PublicDns } = await import("../../../components/public-dns");
        new PublicDns("home-public", { lab, privateKey: pulumi.secret("K") });
      },
      {
        calls: (c) =>
          c.token ===
          "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken"
            ? { accountId: "a", tunnelId: "t", token: "TUNNEL-TOKEN" }
            : undefined,
        outputs: (r) =>
          r.type === "random:index/randomBytes:RandomBytes" ? { base64: "c2VjcmV0" } : {},
      },
    );
    const records = resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord");
    assert.deepEqual(
      records
        .map(
          (r) =>
            `${String(r.inputs.name)} ${String(r.inputs.type)} ${String(r.inputs.content)} proxied=${String(r.inputs.proxied)}`,
        )
        .sort(),
      [
        "edge.example.com A 198.51.100.23 proxied=true",
        "status.example.com CNAME home-public-tunnel-id.cfargotunnel.com proxied=true",
        "www.example.com A 198.51.100.23 proxied=true",
      ],
    );
    const routes = byName(
      resources,
      "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
      "home-public-tunnel-routes",
    );
    assert.deepEqual((routes.inputs.config as { ingresses: unknown[] }).ingresses, [
      { hostname: "status.example.com", service: "http://10.0.10.5:3001" },
      { service: "http_status:404" },
    ]);
    const install = byName(resources, "command:remote:Command", "home-public-cloudflared");
    assert.ok(isSecret(install.inputs.stdin));
    assert.equal(reveal(install.inputs.stdin), "TUNNEL-TOKEN");
    assert.doesNotMatch(String(install.inputs.create), /TUNNEL-TOKEN/);
    assert.equal(reveal<{ host: string }>(install.inputs.connection).host, "192.168.30.8");
    assert.equal(resources.filter((r) => r.type === "homelab:intent:Record").length, 3);
  });
});
