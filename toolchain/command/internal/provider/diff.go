package provider

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// diffResult is what Diff answers (converted to pulumirpc.DiffResponse by the server).
type diffResult struct {
	HasChanges   bool
	DetailedDiff map[string]plugin.PropertyDiff
	Replaces     []string // detailed-diff keys whose kind is a replace
	Diffs        []string // every changed detailed-diff key
}

// diff reproduces the default Diff of pulumi-go-provider's infer package, which the upstream
// provider uses for all three resources (none of them implements a custom Diff):
//
//  1. ignoreChanges keys take their old values;
//  2. the old *state* restricted to the resource's input properties is compared with the new
//     (checked) inputs, structurally, using the SDK's PropertyMap.Diff — secrets compare by value
//     inside, unknown new values always count as changes, null/missing are the same;
//  3. the detailed diff is plugin.NewDetailedDiffFromObjectDiff(diff, false): one key per changed
//     leaf path, e.g. "create", "triggers[0]", "connection" (a secret object is one leaf);
//  4. a key whose name is a top-level replaceOnChanges input ("triggers") becomes a replace;
//     every other change is an in-place update (the resources implement Update).
//
// The engine then also applies the SDK-side option replaceOnChanges: ["triggers[*]"] that
// @pulumi/command sets on every resource, so a change to any element of triggers replaces too.
func diff(typ string, olds, news resource.PropertyMap, ignoreChanges []string) diffResult {
	news = news.Copy()
	for _, k := range ignoreChanges {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	oldInputs := resource.PropertyMap{}
	for _, k := range inputKeys[typ] {
		oldInputs[resource.PropertyKey(k)] = olds[resource.PropertyKey(k)]
	}
	objDiff := oldInputs.Diff(news)
	detailed := plugin.NewDetailedDiffFromObjectDiff(objDiff, false)
	res := diffResult{HasChanges: objDiff.AnyChanges(), DetailedDiff: map[string]plugin.PropertyDiff{}}
	for k, v := range detailed {
		if replaceOnChanges[k] {
			v.Kind = v.Kind.AsReplace()
		}
		res.DetailedDiff[k] = v
		res.Diffs = append(res.Diffs, k)
		switch v.Kind {
		case plugin.DiffAddReplace, plugin.DiffDeleteReplace, plugin.DiffUpdateReplace:
			res.Replaces = append(res.Replaces, k)
		}
	}
	sort.Strings(res.Diffs)
	sort.Strings(res.Replaces)
	return res
}

// markUpdatePreview reproduces infer's computedness flow for an Update preview: an output that does
// not mirror an input of the same name (stdout, stderr, assets, archive) becomes unknown when any
// input is unknown or differs from the old state (inputs absent from the old state do not count).
func markUpdatePreview(typ string, olds, news, outs resource.PropertyMap) {
	changed := false
	for _, k := range inputKeys[typ] {
		nv, nok := news[resource.PropertyKey(k)]
		if nok && isUnknown(nv) {
			changed = true
			break
		}
		ov, ook := olds[resource.PropertyKey(k)]
		if ook && !ov.DeepEquals(nv) {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	for k := range outs {
		if !isInputKey(typ, string(k)) {
			outs[k] = computed()
		}
	}
}
