import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TOKENS } from "../model/tokens";
import { KUBE_VIP_NAMESPACE, kubeVipClusterRole, kubeVipDaemonSet } from "../renderers/kube-vip";

export interface LoadBalancerArgs {
  /** The inventory's homelab:talos.loadBalancerPool. */
  readonly pool: { readonly start: string; readonly end: string };
  /** Provider for the Talos cluster. */
  readonly provider: k8s.Provider;
}

/**
 * kube-vip on the Talos cluster (renderers/kube-vip.ts): its service account and RBAC, then the
 * DaemonSet that announces LoadBalancer services' addresses. Workloads depend on `ready`.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  public readonly ready: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(TOKENS.loadBalancer, name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: "kube-vip", namespace: KUBE_VIP_NAMESPACE } },
      child,
    );
    const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, kubeVipClusterRole, child);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-binding`,
      {
        metadata: { name: "system:kube-vip-binding" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: kubeVipClusterRole.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: "kube-vip", namespace: KUBE_VIP_NAMESPACE }],
      },
      { ...child, dependsOn: [account, role] },
    );
    const ds = new k8s.apps.v1.DaemonSet(`${name}-kube-vip`, kubeVipDaemonSet(args.pool), {
      ...child,
      dependsOn: [binding],
    });
    this.ready = ds.metadata.name;
    this.registerOutputs({ ready: this.ready });
  }
}
