package provider

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/kit"
)

// GetZeroTrustTunnelCloudflaredToken is the token of a tunnel: only Cloudflare knows it, so the
// stand-in refuses. (During a preview the program's tunnel ID is unknown, and the SDK does not call
// an Output-form invoke with unknown arguments: a preview never reaches this.)
var GetZeroTrustTunnelCloudflaredToken = &kit.Function{
	Token:       "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken",
	Description: "The token a cloudflared connector runs the tunnel with. (homelab-iac stand-in: refuses.)",
	Inputs: []kit.Prop{
		kit.InOnly("accountId", kit.String, "Cloudflare account ID").Req(),
		kit.InOnly("tunnelId", kit.String, "UUID of the tunnel.").Req(),
	},
	Outputs: []kit.Prop{
		kit.Out("accountId", kit.String, "Cloudflare account ID"),
		kit.Out("token", kit.String, "The Tunnel Token is used as a mechanism to authenticate the operation of a tunnel.").Sec(),
		kit.Out("tunnelId", kit.String, "UUID of the tunnel."),
	},
	Invoke: func(context.Context, resource.PropertyMap) (resource.PropertyMap, error) {
		return nil, refuse("fetch a tunnel token (getZeroTrustTunnelCloudflaredToken)")
	},
}
