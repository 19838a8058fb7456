import type { Finding, HomelabRule, RuleConfig } from "../lib/rule";

export interface VersionsPinnedConfig extends RuleConfig {
  /** Require container images by digest (@sha256:…), not just a tag. */
  readonly requireImageDigests?: boolean;
}

const EXACT = /^v?\d+\.\d+\.\d+$/;

export const versionsPinned: HomelabRule<VersionsPinnedConfig> = {
  name: "versions-pinned",
  description:
    "Checks that Talos, Kubernetes, NixOS releases and container images are pinned to exact versions (an image by digest or a tag with the full x.y.z release; `stable`, `1` or `1.27` float), so a rebuild gives the same lab.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Pin exact versions in the inventory (talosVersion v1.13.9, kubernetesVersion v1.34.1, NixOS release 25.05) and container images to a release tag or an @sha256 digest.",
  config: {
    requireImageDigests: {
      type: "boolean",
      default: false,
      description: "Require images by digest (tags can be moved by their publisher).",
    },
  },
  check: (view, config) => {
    const findings: Finding[] = [];
    for (const v of view.versions) {
      for (const item of v.items) {
        const bad =
          item.what === "talos" || item.what === "kubernetes"
            ? !EXACT.test(item.version)
            : item.what.startsWith("nixos:")
              ? !/^\d{2}\.\d{2}$/.test(item.version)
              : false;
        if (bad) {
          findings.push({
            id: `version:${item.what}`,
            urn: view.urnOf.get(v),
            message: `${item.what} is at "${item.version}", which is not an exact release.`,
            fix: `Pin ${item.what} to an exact release.`,
          });
        }
      }
    }
    for (const img of view.images) {
      if (!img.image) continue;
      const digest = /@sha256:[0-9a-f]{64}$/.test(img.image);
      const last = img.image.split("/").pop() ?? img.image;
      const tag = last.includes(":") ? last.slice(last.lastIndexOf(":") + 1) : undefined;
      // A tag without a full x.y.z release ("stable", "1", "1.27") is moved by its publisher to each
      // new release, so a rebuild would run something else.
      const floating = !tag || tag === "latest" || !/\d+\.\d+\.\d+/.test(tag);
      if (!digest && floating) {
        findings.push({
          id: `image:${img.image}`,
          urn: img.urn,
          message: `Deployment ${img.resource} runs image ${img.image}, which floats (${!tag ? "no tag" : tag === "latest" ? "latest" : `tag ${tag} names no exact release`}).`,
          fix: "Pin a release tag with the full version (e.g. 1.27.3) or an @sha256 digest.",
        });
      } else if (!digest && config.requireImageDigests) {
        findings.push({
          id: `image-digest:${img.image}`,
          urn: img.urn,
          message: `Deployment ${img.resource} runs image ${img.image} by tag; this lab requires digests.`,
          fix: `Pin ${img.image} by digest (image@sha256:…).`,
        });
      }
    }
    return findings;
  },
};
