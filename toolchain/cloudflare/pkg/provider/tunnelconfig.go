package provider

import "homelab-iac/toolchain/kit"

const tunnelConfigToken = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"

var tunnelIngress = &kit.ObjectType{
	Token:       "cloudflare:index/ZeroTrustTunnelCloudflaredConfigConfigIngress:ZeroTrustTunnelCloudflaredConfigConfigIngress",
	Description: "A public hostname definition.",
	Props: []kit.Prop{
		kit.Field("hostname", kit.String, "Public hostname for this service."),
		kit.Field("originRequest", kit.AnyValue, "Connection settings between cloudflared and the origin. Not implemented by the stand-in."),
		kit.Field("path", kit.String, "Requests with this path route to this public hostname.").Def(""),
		kit.Field("service", kit.String, "Protocol and address of destination server. Supported protocols: http://, https://, unix://, tcp://, ssh://, rdp://, unix+tls://, smb://. Alternatively can return a HTTP status code http_status:[code] e.g. 'http_status:404'.").Req(),
	},
	Validate: func(path string, o kit.Values, fail kit.FailFunc) {
		unsupported(o, func(prop, format string, args ...any) { fail(path+"."+prop, format, args...) }, "originRequest")
	},
}

var tunnelConfigConfig = &kit.ObjectType{
	Token:       "cloudflare:index/ZeroTrustTunnelCloudflaredConfigConfig:ZeroTrustTunnelCloudflaredConfigConfig",
	Description: "The tunnel configuration and ingress rules.",
	Props: []kit.Prop{
		kit.Field("ingresses", kit.ArrayOf(kit.ObjectOf(tunnelIngress)), "List of public hostname definitions. At least one ingress rule needs to be defined for the tunnel."),
		kit.Field("originRequest", kit.AnyValue, "Connection settings between cloudflared and the origin. Not implemented by the stand-in."),
	},
	Validate: func(path string, o kit.Values, fail kit.FailFunc) {
		unsupported(o, func(prop, format string, args ...any) { fail(path+"."+prop, format, args...) }, "originRequest")
	},
}

var tunnelConfigProps = []kit.Prop{
	kit.In("accountId", kit.String, "Identifier.").Req().ForceNew(),
	kit.In("config", kit.ObjectOf(tunnelConfigConfig), "The tunnel configuration and ingress rules."),
	kit.In("source", kit.String, "Indicates if this is a locally or remotely configured tunnel. If `local`, manage the tunnel using a YAML file on the origin machine. If `cloudflare`, manage the tunnel's configuration on the Zero Trust dashboard.").Def("local"),
	kit.In("tunnelId", kit.String, "UUID of the tunnel.").Req().ForceNew(),
	kit.Out("createdAt", kit.String, ""),
	kit.Out("version", kit.Integer, "The version of the Tunnel Configuration."),
}

// ZeroTrustTunnelCloudflaredConfig is a tunnel's ingress configuration: accountId and tunnelId
// replace it, a new config updates it in place.
var ZeroTrustTunnelCloudflaredConfig = standinResource(&kit.Resource{
	Token:       tunnelConfigToken,
	Description: "The configuration (ingress rules) of a remotely managed Cloudflare Tunnel. (homelab-iac stand-in: plans only.)",
	Props:       tunnelConfigProps,
	Validate: func(in kit.Values, fail kit.FailFunc) {
		oneOfCaseInsensitive(in, "source", configSources, fail)
	},
}, []string{"createdAt", "version"})
