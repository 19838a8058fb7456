package common

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/kit"
)

// Diff reproduces the default Diff of pulumi-go-provider's infer package, which upstream uses for
// all three resources (none implements a custom Diff): the old state restricted to the input
// properties against the new checked inputs (kit.DiffInputs), and only a key EQUAL to a ForceNew
// input — "triggers", not "triggers[0]" — is a replace; every other change is an in-place update.
//
// The engine then also applies the SDK-side option replaceOnChanges: ["triggers[*]"] that
// @pulumi/command sets on every resource, so a change to any element of triggers replaces too.
func Diff(props []kit.Prop, req kit.DiffRequest) kit.DiffResult {
	return kit.DiffInputs(props, req.Olds, req.News, req.IgnoreChanges, kit.ReplaceExactKey)
}

// MarkUpdatePreview reproduces infer's computedness flow for an Update preview: an output that does
// not mirror an input of the same name (stdout, stderr, assets, archive) becomes unknown when any
// input is unknown or differs from the old state (inputs absent from the old state do not count).
func MarkUpdatePreview(props []kit.Prop, olds, news, outs resource.PropertyMap) {
	inputs := kit.InputNames(props)
	changed := false
	for _, k := range inputs {
		nv, nok := news[resource.PropertyKey(k)]
		if nok && kit.IsUnknown(nv) {
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
	isInput := map[string]bool{}
	for _, k := range inputs {
		isInput[k] = true
	}
	for k := range outs {
		if !isInput[string(k)] {
			outs[k] = kit.Computed()
		}
	}
}
