import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Service } from "../model/lab";
import { TOKENS } from "../model/tokens";
import { KUBE_VIP_ADDRESS_ANNOTATION } from "../renderers/kube-vip";

export interface WorkloadsArgs {
  /** Services with runsOn.kubernetes. */
  readonly services: readonly Service[];
  /** Provider for the Talos cluster. */
  readonly provider: k8s.Provider;
}

/**
 * Kubernetes workloads for the declared services: a namespace (when not default), a Deployment and a
 * Service each, with the Service type and address from the inventory.
 */
export class Workloads extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.workloads, name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    for (const ns of [...new Set(args.services.map((s) => s.kubernetes!.namespace))].sort()) {
      if (ns === "default") continue;
      namespaces.set(
        ns,
        new k8s.core.v1.Namespace(`${name}-ns-${ns}`, { metadata: { name: ns } }, child),
      );
    }
    for (const s of args.services) {
      const k = s.kubernetes!;
      const labels = {
        "app.kubernetes.io/name": s.name,
        "app.kubernetes.io/managed-by": "homelab-iac",
      };
      // How the internet reaches it: "public" (directly: port-forward/tunnel to this Service),
      // "via-proxy" (through a reverse proxy) or "internal". The policy dmz-only-ingress reads it.
      const exposure =
        s.exposure.kind === "internal"
          ? "internal"
          : s.exposure.kind === "proxy"
            ? "via-proxy"
            : "public";
      const dependsOn = namespaces.has(k.namespace) ? [namespaces.get(k.namespace)!] : [];
      new k8s.apps.v1.Deployment(
        `${name}-${s.name}`,
        {
          metadata: { name: s.name, namespace: k.namespace, labels },
          spec: {
            replicas: k.replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: s.name,
                    image: k.image,
                    ports: s.ports.map((p) => ({
                      containerPort: p.port,
                      protocol: p.protocol.toUpperCase(),
                      name: p.name,
                    })),
                    securityContext: { allowPrivilegeEscalation: false },
                  },
                ],
              },
            },
          },
        },
        { ...child, dependsOn },
      );
      new k8s.core.v1.Service(
        `${name}-${s.name}`,
        {
          metadata: {
            name: s.name,
            namespace: k.namespace,
            labels,
            annotations: {
              "homelab.iac/exposure": exposure,
              // kube-vip announces this address (spec.loadBalancerIP is deprecated upstream).
              ...(k.loadBalancerIP ? { [KUBE_VIP_ADDRESS_ANNOTATION]: k.loadBalancerIP } : {}),
            },
          },
          spec: {
            type: k.serviceType,
            selector: labels,
            loadBalancerIP: k.loadBalancerIP,
            ports: s.ports.map((p) => ({
              port: p.port,
              targetPort: p.port,
              protocol: p.protocol.toUpperCase(),
              name: p.name ?? `${p.protocol}-${p.port}`,
              nodePort: k.serviceType === "NodePort" ? k.nodePort : undefined,
            })),
          },
        },
        { ...child, dependsOn },
      );
    }
    this.registerOutputs({});
  }
}
