/** The router's own units: the nftables firewall (under the dead-man switch) and dnsmasq. */
import type { Lab, Router } from "../../model/lab";
import { renderDnsmasq, DNSMASQ_PATH } from "../dnsmasq";
import { NFTABLES_PATH, renderNftables } from "../nftables";
import type { UnitFact, UnitSpec } from "../unit-script";
import { serviceAction } from "./common";

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
