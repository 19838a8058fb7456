package kit

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// DiffResult is a provider's answer to Diff. The server derives the replace list and the changed
// keys from Detailed.
type DiffResult struct {
	Changes             bool
	Detailed            map[string]plugin.PropertyDiff
	DeleteBeforeReplace bool
}

// ReplaceRule says which detailed-diff keys replace the resource.
type ReplaceRule int

const (
	// ReplaceUnder: any change at or below a ForceNew prop replaces ("keepers.a" under keepers),
	// like Terraform's ForceNew and the bridge's diff.
	ReplaceUnder ReplaceRule = iota
	// ReplaceExactKey: only a key equal to a ForceNew prop's name replaces ("triggers", not
	// "triggers[0]"): pulumi-go-provider infer's default diff.
	ReplaceExactKey
)

// DiffInputs compares the old state, restricted to the table's input keys, with the new checked
// inputs (after taking the old values of ignoreChanges keys): SDK PropertyMap.Diff semantics —
// secrets compare by value, an unknown new value is always a change, null equals absent — and a
// detailed diff of one key per changed leaf (plugin.NewDetailedDiffFromObjectDiff). Keys under
// ForceNew props become replaces per rule.
func DiffInputs(props []Prop, olds, news resource.PropertyMap, ignoreChanges []string, rule ReplaceRule) DiffResult {
	news = news.Copy()
	for _, k := range ignoreChanges {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	oldInputs := resource.PropertyMap{}
	for _, k := range InputNames(props) {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			oldInputs[resource.PropertyKey(k)] = v
		}
	}
	objDiff := oldInputs.Diff(news)
	res := DiffResult{Changes: objDiff.AnyChanges(), Detailed: map[string]plugin.PropertyDiff{}}
	for k, v := range plugin.NewDetailedDiffFromObjectDiff(objDiff, false) {
		if replaces(props, k, rule) {
			v.Kind = v.Kind.AsReplace()
		}
		res.Detailed[k] = v
	}
	return res
}

func replaces(props []Prop, key string, rule ReplaceRule) bool {
	top := key
	if rule == ReplaceUnder {
		if i := strings.IndexAny(key, ".["); i >= 0 {
			top = key[:i]
		}
	}
	p, ok := find(props, top)
	return ok && p.Replace
}

// ReplaceKeys lists the detailed-diff keys of d whose kind is a replace, sorted.
func (d DiffResult) ReplaceKeys() []string {
	var out []string
	for k, v := range d.Detailed {
		switch v.Kind {
		case plugin.DiffAddReplace, plugin.DiffDeleteReplace, plugin.DiffUpdateReplace:
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ChangedKeys lists every detailed-diff key of d, sorted.
func (d DiffResult) ChangedKeys() []string {
	out := make([]string, 0, len(d.Detailed))
	for k := range d.Detailed {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
