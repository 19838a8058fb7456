# shellcheck shell=bash
# lab/lib/topology.sh - the topology file: parse, check what scripts/lab.ts cannot guarantee, normalize.
# Sourced by lab/labctl (which sets SELF, LAB_SRC, CACHE_DIR, RUN_ROOT and the constants).

# ---------------------------------------------------------------------------
# topology

read -r -d '' JQ_TOPOLOGY <<'JQ' || true
def ipv4n:
  if type == "string" and test("^[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}$")
  then (split(".") | map(tonumber)) as $o
    | if all($o[]; . <= 255) then ((($o[0] * 256 + $o[1]) * 256 + $o[2]) * 256 + $o[3]) else null end
  else null end;
def p2($n): reduce range(0; $n) as $i (1; . * 2);
def cidr4:
  if type == "string" and test("^[0-9.]+/[0-9]{1,2}$")
  then (split("/")) as $p | ($p[0] | ipv4n) as $a | ($p[1] | tonumber) as $l
    | if $a != null and $l <= 32
      then {a: $a, l: $l, net: (($a / p2(32 - $l) | floor) * p2(32 - $l)), size: p2(32 - $l)}
      else null end
  else null end;
def ifname_ok: type == "string" and test("^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$");
def hostname_ok: type == "string" and test("^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$");
def mac_ok: type == "string" and test("^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$");
def unknown($allowed; $where):
  if type == "object" then [keys[] | select(. as $k | $allowed | index($k) | not) | "\($where): unknown field \"\(.)\""]
  else ["\($where): must be an object"] end;
def missing($req; $where):
  if type == "object" then . as $o | [$req[] | select(. as $k | $o | has($k) | not) | "\($where): missing field \"\(.)\""]
  else [] end;
def dups: group_by(.) | map(select(length > 1) | .[0]);
def in_subnet($c): . != null and . > $c.net and . < ($c.net + $c.size - 1);

# ---- stage 1: shape
def shape:
  . as $t
  | if type != "object" then ["topology: must be a JSON object"] else
    unknown(["name", "oob", "segments", "hosts", "deployer"]; "topology")
    + missing(["name", "oob", "segments", "hosts"]; "topology")
    + (if has("name") and (.name | type == "string" and test("^[a-z][a-z0-9-]{0,23}$")) | not
       then ["name: must match ^[a-z][a-z0-9-]{0,23}$"] else [] end)
    + (if has("oob") then .oob as $o
        | ($o | unknown(["bridge", "cidr", "gateway"]; "oob")) + ($o | missing(["bridge", "cidr", "gateway"]; "oob"))
        + (if $o | type != "object" then [] else
            (if $o | has("bridge") and (.bridge | ifname_ok | not) then ["oob.bridge: not a valid interface name (max 15 chars)"] else [] end)
          + (if $o | has("cidr") and ((.cidr | cidr4) as $c | $c == null or $c.l < 8 or $c.l > 30 or $c.a != $c.net)
             then ["oob.cidr: must be an IPv4 network like 172.30.0.0/24 (prefix 8..30)"] else [] end)
          + (if $o | has("gateway") and (.gateway | ipv4n == null) then ["oob.gateway: must be an IPv4 address"] else [] end)
          end)
       else [] end)
    + (if has("segments") then
         if (.segments | type) != "array" then ["segments: must be an array"] else
         [.segments | to_entries[] | .key as $i | .value as $s | "segments[\($i)]" as $w
          | ($s | unknown(["name", "bridge"]; $w)) + ($s | missing(["name", "bridge"]; $w))
          + (if ($s | type) == "object" then
               (if $s | has("name") and (.name | type == "string" and test("^[a-z][a-z0-9-]{0,30}$") | not) then ["\($w).name: must match ^[a-z][a-z0-9-]{0,30}$"] else [] end)
             + (if $s | has("bridge") and (.bridge | ifname_ok | not) then ["\($w).bridge: not a valid interface name (max 15 chars)"] else [] end)
             else [] end)
          | .[]] end
       else [] end)
    + (if has("deployer") then .deployer as $d
        | ($d | unknown(["segment", "address", "routes"]; "deployer")) + ($d | missing(["segment", "address", "routes"]; "deployer"))
        + (if ($d | type) == "object" and ($d | has("address")) and ($d.address | cidr4 == null) then ["deployer.address: must be an address with prefix, like 10.10.0.250/24"] else [] end)
        + (if ($d | type) == "object" and ($d | has("routes")) and (($d.routes | type != "array") or any($d.routes[]; (type != "object") or (.to | cidr4 == null) or (.via | ipv4n == null)))
           then ["deployer.routes: must be an array of {to: CIDR, via: IPv4}"] else [] end)
       else [] end)
    + (if has("hosts") then
         if (.hosts | type) != "array" or (.hosts | length) == 0 then ["hosts: must be a non-empty array"] else
         [.hosts | to_entries[] | .key as $i | .value as $h | "hosts[\($i)]" as $w
          | ($h | unknown(["name", "oobAddress", "role", "managed", "shims", "links"]; $w))
          + ($h | missing(["name", "oobAddress", "links"]; $w))
          + (if ($h | type) != "object" then [] else
               (if $h | has("name") and (.name | hostname_ok | not) then ["\($w).name: must be a hostname matching ^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"] else [] end)
             + (if $h | has("oobAddress") and (.oobAddress | ipv4n == null) then ["\($w).oobAddress: must be an IPv4 address"] else [] end)
             + (if $h | has("role") and (.role as $r | ["host", "router", "hypervisor", "vm"] | index($r) | not) then ["\($w).role: must be one of host, router, hypervisor, vm"] else [] end)
             + (if $h | has("managed") and (.managed | type != "boolean") then ["\($w).managed: must be a boolean"] else [] end)
             + (if $h | has("shims") and ((.shims | type != "array") or any(.shims[]; . as $s | ["nixos-rebuild", "nix-channel"] | index($s) | not) or (.shims | dups | length > 0))
                then ["\($w).shims: must be an array of distinct names among nixos-rebuild, nix-channel"] else [] end)
             + (if $h | has("links") | not then [] elif ($h.links | type) != "array" then ["\($w).links: must be an array"] else
                [$h.links | to_entries[] | .key as $j | .value as $l | "\($w).links[\($j)]" as $lw
                 | ($l | unknown(["ifname", "segment", "dummy", "peer", "mac", "address", "gateway"]; $lw))
                 + ($l | missing(["ifname"]; $lw))
                 + (if ($l | type) != "object" then [] else
                      (if $l | has("ifname") and (.ifname | ifname_ok | not) then ["\($lw).ifname: not a valid interface name (max 15 chars)"] else [] end)
                    + (if ([$l | has("segment", "dummy", "peer")] | map(select(.)) | length) != 1 then ["\($lw): needs exactly one of segment, dummy, peer"] else [] end)
                    + (if $l | has("dummy") and .dummy != true then ["\($lw).dummy: must be true"] else [] end)
                    + (if $l | has("segment") and (.segment | type != "string") then ["\($lw).segment: must be a string"] else [] end)
                    + (if $l | has("peer") then $l.peer as $p
                         | ($p | unknown(["host", "ifname"]; "\($lw).peer")) + ($p | missing(["host", "ifname"]; "\($lw).peer"))
                         + (if ($p | type) == "object" and ($p | has("ifname")) and ($p.ifname | ifname_ok | not) then ["\($lw).peer.ifname: not a valid interface name (max 15 chars)"] else [] end)
                         + (if ($p | type) == "object" and ($p | has("host")) and ($p.host | type != "string") then ["\($lw).peer.host: must be a string"] else [] end)
                       else [] end)
                    + (if $l | has("mac") and (.mac | mac_ok | not) then ["\($lw).mac: must be a unicast MAC like 52:54:00:12:34:56"] else [] end)
                    + (if $l | has("address") and (.address | type != "string" or (test("^[0-9a-fA-F:.]+/[0-9]{1,3}$") | not)) then ["\($lw).address: must be an address with prefix, like 203.0.113.2/24"] else [] end)
                    + (if $l | has("gateway") and (.gateway | type != "string" or (test("^[0-9a-fA-F:.]+$") | not)) then ["\($lw).gateway: must be an IP address"] else [] end)
                    end)
                 | .[]] end)
             end)
          | .[]] end
       else [] end)
    end;

# ---- stage 2: what keeps this machine safe and labctl sane (shape is known to be valid).
# Uniqueness of names, addresses and MACs, and the consistency of a host's links, are the
# inventory's: scripts/lab.ts derives every topology from the validated model (model/), so they are
# not checked again here. OOB addresses stay inside the OOB network (traffic goes nowhere else), and
# every reference resolves (no half-built lab).
def semantics:
  . as $t
  | (.oob.cidr | cidr4) as $c
  | ([.hosts[].name]) as $hn
  | ([.segments[].name]) as $sn
  | (if .oob.gateway | ipv4n | in_subnet($c) | not then ["oob.gateway: must be a host address inside oob.cidr"] else [] end)
  + (if has("deployer") and (.deployer.segment as $s | $sn | index($s) | not) then ["deployer.segment: unknown segment \"\(.deployer.segment)\""] else [] end)
  + ([.hosts[] | select(.oobAddress | ipv4n | in_subnet($c) | not) | "hosts.\(.name).oobAddress: \(.oobAddress) is not a host address in \($t.oob.cidr)"])
  + ([.hosts[] | select(.oobAddress == $t.oob.gateway) | "hosts.\(.name).oobAddress: equals oob.gateway"])
  + ([.hosts[] | "hosts.\(.name)" as $w
      | ([.links[] | select(has("segment")) | select(.segment as $s | $sn | index($s) | not) | "\($w): link \(.ifname): unknown segment \"\(.segment)\""])
      + ([.links[] | select(has("peer")) | .peer.host as $ph | select($hn | index($ph) | not) | "\($w): link \(.ifname): unknown peer host \"\($ph)\""])
     | .[]]);

def normalize:
  (.oob.cidr | cidr4) as $c
  | {name, oob: (.oob + {prefix: $c.l}), segments, deployer: (.deployer // null),
     hosts: [.hosts[] | {name, oobAddress,
       role: (.role // "host"),
       managed: (if has("managed") then .managed else true end),
       shims: (.shims // []),
       links: [.links[] | {ifname,
         kind: (if has("segment") then "segment" elif has("dummy") then "dummy" else "peer" end),
         segment: (.segment // null), peer: (.peer // null),
         mac: (if has("mac") then (.mac | ascii_downcase) else null end),
         address: (.address // null), gateway: (.gateway // null)}]}]};

(try shape catch ["topology: invalid structure (\(.))"]) as $e1
| if ($e1 | length) > 0 then {errors: $e1} else
  (try semantics catch ["topology: invalid (\(.))"]) as $e2
  | if ($e2 | length) > 0 then {errors: $e2} else {topology: normalize} end
  end
JQ

# load_topology FILE -> sets TOPO (normalized compact JSON), LAB, TOPO_SHA
load_topology() {
  local f=$1 out
  [[ -f $f ]] || die "topology file not found: $f"
  out=$(jq -c "$JQ_TOPOLOGY" "$f" 2>&1) || die "cannot parse $f as JSON: $out"
  if [[ $(jq -r 'has("errors")' <<<"$out") == true ]]; then
    jq -r '.errors[] | "  - " + .' <<<"$out" >&2
    die "invalid topology $f"
  fi
  TOPO=$(jq -c .topology <<<"$out")
  # shellcheck disable=SC2034 # globals read by the other lab/lib files
  LAB=$(jq -r .name <<<"$TOPO")
  # shellcheck disable=SC2034
  TOPO_SHA=$(printf '%s' "$TOPO" | sha16 64)
}
