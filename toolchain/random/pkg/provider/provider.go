// Package provider is the stand-in random provider: RandomPassword and RandomBytes of pulumi-random
// 4.21.2 (a bridge of hashicorp/terraform-provider-random's random_password and random_bytes).
//
// Sources of the contract (read, not copied):
//   - the 4.21.2 npm SDK (@pulumi/random, node_modules/@pulumi/random/randomPassword.d.ts and
//     randomBytes.d.ts): property names, types, docs, additionalSecretOutputs;
//   - pulumi/pulumi-random provider/cmd/pulumi-resource-random/schema.json: types, secrets;
//   - pulumi/pulumi-random provider/testdata/recorded/TestProviderUpgrade/index_random{password,bytes}:
//     the recorded gRPC traffic (IDs "none" / the base64 value, secret outputs, numeric mirrored);
//   - hashicorp/terraform-provider-random internal/provider/resource_{password,bytes}.go,
//     internal/random/string.go, internal/planmodifiers/{bool,map}: defaults, validators,
//     RequiresReplace on every argument, the generation algorithm, bcrypt of the result.
package provider

import "homelab-iac/toolchain/kit"

// Name and Version under which the plugin presents itself. The version carries build metadata that
// names it a stand-in: semver precedence ignores build metadata, so the engine selects it for the
// SDK's request of random 4.21.2, while `pulumi plugin ls` and `pulumi about` show what it is.
const (
	Name    = "random"
	Version = "4.21.2+homelab.standin"
)

// Provider is the plugin: the two resources the program uses.
func Provider() *kit.Provider {
	return &kit.Provider{
		Name:        Name,
		Version:     Version,
		DisplayName: "Random (homelab-iac stand-in)",
		Description: "STAND-IN for pulumi-random 4.21.2: RandomPassword and RandomBytes only (toolchain/random).",
		Resources:   []*kit.Resource{RandomPassword, RandomBytes},
	}
}

// keepersProp is the keepers input every random resource has: a map of strings whose change replaces.
func keepersProp() kit.Prop {
	return kit.In("keepers", kit.MapOf(kit.String),
		"Arbitrary map of values that, when changed, will trigger recreation of resource. See the main provider documentation for more information.").
		Optional().ForceNew()
}
