package provider

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/kit"
)

// diffPlanned compares the recorded state with the planned inputs (plan(news)), so that a default
// left implicit equals the same value recorded explicitly; every input is ForceNew, so every change
// replaces. Two upstream plan-modifier exceptions are kept:
//   - overrideSpecial recorded as "" and now absent is no change (RequiresReplaceUnlessEmptyStringToNull);
//   - keepers absent and keepers {} are the same (RequiresReplaceIfValuesNotNull does not replace
//     for a map without non-null values).
func diffPlanned(props []kit.Prop, req kit.DiffRequest, plan func(resource.PropertyMap) resource.PropertyMap) kit.DiffResult {
	olds, news := req.Olds.Copy(), plan(req.News)
	if v, ok := olds["overrideSpecial"]; ok && v.IsString() && v.StringValue() == "" {
		if _, set := news["overrideSpecial"]; !set {
			news["overrideSpecial"] = v
		}
	}
	for _, m := range []resource.PropertyMap{olds, news} {
		if k, ok := m["keepers"]; ok && !kit.IsUnknown(k) && kit.Unsecret(k).IsObject() && len(kit.Unsecret(k).ObjectValue()) == 0 {
			delete(m, "keepers")
		}
	}
	return kit.DiffInputs(props, olds, news, req.IgnoreChanges, kit.ReplaceUnder)
}

// updateKeepingGenerated: an update (only reachable through ignoreChanges, as every input replaces)
// records the new inputs and keeps the generated outputs (upstream: plan copied to state,
// UseStateForUnknown on the generated attributes).
func updateKeepingGenerated(generated ...string) func(context.Context, kit.UpdateRequest) (resource.PropertyMap, error) {
	return func(_ context.Context, req kit.UpdateRequest) (resource.PropertyMap, error) {
		outs := req.News.Copy()
		for _, k := range generated {
			if v, ok := req.Olds[resource.PropertyKey(k)]; ok {
				outs[resource.PropertyKey(k)] = v
			}
		}
		return outs, nil
	}
}
