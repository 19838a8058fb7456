package provider

import "homelab-iac/toolchain/kit"

const tunnelToken = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"

var configSources = []string{"local", "cloudflare"}

var tunnelProps = []kit.Prop{
	kit.In("accountId", kit.String, "Cloudflare account ID").Req().ForceNew(),
	kit.In("configSrc", kit.String, "Indicates if this is a locally or remotely configured tunnel. If `local`, manage the tunnel using a YAML file on the origin machine. If `cloudflare`, manage the tunnel on the Zero Trust dashboard.").Def("local").ForceNew(),
	kit.In("name", kit.String, "A user-friendly name for a tunnel.").Req(),
	kit.In("tunnelSecret", kit.String, "Sets the password required to run a locally-managed tunnel. Must be at least 32 bytes and encoded as a base64 string.").Optional().Sec(),
	kit.Out("accountTag", kit.String, "Cloudflare account ID"),
	kit.Out("connections", kit.ArrayOf(kit.AnyValue), "The Cloudflare Tunnel connections between your origin and Cloudflare's edge."),
	kit.Out("connsActiveAt", kit.String, "Timestamp of when the tunnel established at least one connection to Cloudflare's edge."),
	kit.Out("connsInactiveAt", kit.String, "Timestamp of when the tunnel became inactive (no connections to Cloudflare's edge)."),
	kit.Out("createdAt", kit.String, "Timestamp of when the resource was created."),
	kit.Out("deletedAt", kit.String, "Timestamp of when the resource was deleted."),
	kit.Out("metadata", kit.String, "Metadata associated with the tunnel."),
	kit.Out("remoteConfig", kit.Boolean, "If `true`, the tunnel can be configured remotely from the Zero Trust dashboard."),
	kit.Out("status", kit.String, "The status of the tunnel."),
	kit.Out("tunType", kit.String, "The type of tunnel."),
}

// ZeroTrustTunnelCloudflared is a Cloudflare Tunnel: accountId and configSrc replace it, a new
// name updates it in place; tunnelSecret is secret (the SDK registers it in
// additionalSecretOutputs).
var ZeroTrustTunnelCloudflared = standinResource(&kit.Resource{
	Token:       tunnelToken,
	Description: "A Cloudflare Tunnel (cloudflared). (homelab-iac stand-in: plans only.)",
	Props:       tunnelProps,
	Validate: func(in kit.Values, fail kit.FailFunc) {
		oneOfCaseInsensitive(in, "configSrc", configSources, fail)
	},
}, []string{"accountTag", "connections", "connsActiveAt", "connsInactiveAt", "createdAt", "deletedAt", "metadata",
	"remoteConfig", "status", "tunType"})
