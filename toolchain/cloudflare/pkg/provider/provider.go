// Package provider is the stand-in Cloudflare provider: the plan (Check, Diff, preview) of the
// three resources and one function of pulumi-cloudflare 6.22.1 that the homelab program uses, and
// a clear refusal of everything that would need Cloudflare's API.
//
// Sources of the contract (read, not copied): the 6.22.1 npm SDK (@pulumi/cloudflare dnsRecord.d.ts,
// zeroTrustTunnelCloudflared.d.ts, zeroTrustTunnelCloudflaredConfig.d.ts,
// getZeroTrustTunnelCloudflaredToken.d.ts, types/input.d.ts, config/vars.d.ts: names, required
// inputs, additionalSecretOutputs) and the Terraform provider it bridges,
// cloudflare/terraform-provider-cloudflare internal/services/{dns_record,zero_trust_tunnel_cloudflared,
// zero_trust_tunnel_cloudflared_config}/schema.go (defaults, validators, RequiresReplace,
// computed attributes).
package provider

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/kit"
)

// Name and Version under which the plugin presents itself (build metadata names the stand-in;
// semver precedence ignores it, so the engine selects it for the SDK's request of 6.22.1).
const (
	Name           = "cloudflare"
	Version        = "6.22.1+homelab.standin"
	upstreamVer    = "6.22.1"
	installTheReal = "install the real plugin to apply: `pulumi plugin install resource cloudflare " + upstreamVer +
		"` (this project's toolchain then uses it instead of the stand-in)"
)

// Provider is the plugin.
func Provider() *kit.Provider {
	return &kit.Provider{
		Name:        Name,
		Version:     Version,
		DisplayName: "Cloudflare (homelab-iac stand-in)",
		Description: "STAND-IN for pulumi-cloudflare " + upstreamVer + ": plans DnsRecord, ZeroTrustTunnelCloudflared, " +
			"ZeroTrustTunnelCloudflaredConfig; never contacts Cloudflare (toolchain/cloudflare).",
		Config: []kit.Prop{
			kit.InOnly("apiToken", kit.String, "The API Token for operations.").Sec(),
			kit.InOnly("apiKey", kit.String, "The API key for operations.").Sec(),
			kit.InOnly("apiUserServiceKey", kit.String, "A special Cloudflare API key good for a restricted set of endpoints.").Sec(),
			kit.InOnly("baseUrl", kit.String, "Value to override the default HTTP client base URL."),
			kit.InOnly("email", kit.String, "A registered Cloudflare email address."),
			kit.InOnly("userAgentOperatorSuffix", kit.String, "A value to append to the HTTP User Agent for all API calls."),
		},
		Resources: []*kit.Resource{DnsRecord, ZeroTrustTunnelCloudflared, ZeroTrustTunnelCloudflaredConfig},
		Functions: []*kit.Function{GetZeroTrustTunnelCloudflaredToken},
	}
}

// refuse is the error of every operation that would need Cloudflare's API.
func refuse(what string) error {
	return fmt.Errorf("the cloudflare provider here is the homelab-iac STAND-IN (%s): it plans changes but cannot reach "+
		"Cloudflare, so it cannot %s; %s", Version, what, installTheReal)
}

// standinResource completes a planning-only resource: Diff against the planned inputs, preview
// creates with the computed outputs unknown, and every real operation refused.
func standinResource(r *kit.Resource, computed []string) *kit.Resource {
	props := r.Props
	r.Diff = func(req kit.DiffRequest) kit.DiffResult {
		return kit.DiffInputs(props, req.Olds, plan(props, req.News), req.IgnoreChanges, kit.ReplaceUnder)
	}
	r.Create = func(_ context.Context, req kit.CreateRequest) (kit.CreateResult, error) {
		if !req.Preview {
			return kit.CreateResult{}, refuse(fmt.Sprintf("create %s %q", r.Token, req.Name))
		}
		outs := plan(props, req.Inputs)
		for _, k := range computed {
			outs[resource.PropertyKey(k)] = kit.Computed()
		}
		return kit.CreateResult{Outputs: outs}, nil
	}
	r.Update = func(_ context.Context, req kit.UpdateRequest) (resource.PropertyMap, error) {
		if !req.Preview {
			return nil, refuse(fmt.Sprintf("update %s %q", r.Token, req.URN.Name()))
		}
		// The planned state: the new inputs; computed attributes are unknown again (no
		// UseStateForUnknown on them upstream), the ID is kept.
		outs := plan(props, req.News)
		for _, k := range computed {
			outs[resource.PropertyKey(k)] = kit.Computed()
		}
		return outs, nil
	}
	r.Delete = func(_ context.Context, req kit.DeleteRequest) error {
		return refuse(fmt.Sprintf("delete %s %q (ID %s)", r.Token, req.URN.Name(), req.ID))
	}
	r.Read = func(_ context.Context, req kit.ReadRequest) (kit.ReadResult, error) {
		return kit.ReadResult{}, refuse(fmt.Sprintf("read %s %q (ID %s) from Cloudflare (refresh or import)", r.Token, req.URN.Name(), req.ID))
	}
	return r
}

// plan is the planned inputs: the table's schema defaults, also inside nested objects and arrays of
// objects (Terraform applies attribute defaults at plan time).
func plan(props []kit.Prop, in resource.PropertyMap) resource.PropertyMap {
	out := kit.WithDefaults(props, in)
	for _, p := range props {
		k := resource.PropertyKey(p.Name)
		if v, ok := out[k]; ok {
			out[k] = planValue(p.Type, v)
		}
	}
	return out
}

func planValue(t kit.Type, v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return resource.MakeSecret(planValue(t, v.SecretValue().Element))
	case t.Kind == kit.KindObject && v.IsObject():
		return resource.NewProperty(plan(t.Object.Props, v.ObjectValue()))
	case t.Kind == kit.KindArray && v.IsArray():
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = planValue(*t.Elem, e)
		}
		return resource.NewProperty(out)
	}
	return v
}

// oneOfCaseInsensitive is terraform-plugin-framework-validators' stringvalidator.OneOfCaseInsensitive.
func oneOfCaseInsensitive(in kit.Values, key string, values []string, fail kit.FailFunc) {
	s, ok := in.Str(key)
	if !ok {
		return
	}
	for _, v := range values {
		if equalFold(s, v) {
			return
		}
	}
	fail(key, "value must be one of: %q, got: %q", values, s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// unsupported refuses, at Check, an upstream input the stand-in does not model (the program does not
// use it), instead of dropping it silently.
func unsupported(in kit.Values, fail kit.FailFunc, keys ...string) {
	for _, k := range keys {
		if v, ok := in.M[resource.PropertyKey(k)]; ok && !v.IsNull() {
			fail(k, "%s is an input of the real provider that this stand-in does not implement; %s", k, installTheReal)
		}
	}
}
