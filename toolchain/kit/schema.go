package kit

import (
	"encoding/json"
	"sort"
)

// Schema renders the provider's Pulumi package schema (https://www.pulumi.com/docs/iac/extending-pulumi/schema/)
// from its tables: resources (inputProperties / properties / requiredInputs / required), functions,
// the object and enum types they reference, and the configuration variables.
func (p *Provider) Schema() string {
	types := map[string]any{}
	res := map[string]any{}
	for _, r := range p.Resources {
		in, reqIn := propSpecs(r.Props, func(q Prop) bool { return q.In }, func(q Prop) bool { return q.Required }, types)
		out, reqOut := propSpecs(r.Props, func(q Prop) bool { return q.Out }, func(q Prop) bool { return q.Always }, types)
		res[r.Token] = map[string]any{
			"description": r.Description, "inputProperties": in, "requiredInputs": reqIn,
			"properties": out, "required": reqOut, "type": "object",
		}
	}
	fns := map[string]any{}
	for _, f := range p.Functions {
		in, reqIn := propSpecs(f.Inputs, func(Prop) bool { return true }, func(q Prop) bool { return q.Required }, types)
		out, reqOut := propSpecs(f.Outputs, func(Prop) bool { return true }, func(q Prop) bool { return q.Always }, types)
		fns[f.Token] = map[string]any{
			"description": f.Description,
			"inputs":      map[string]any{"properties": in, "required": reqIn, "type": "object"},
			"outputs":     map[string]any{"properties": out, "required": reqOut, "type": "object"},
		}
	}
	cfg, _ := propSpecs(p.Config, func(Prop) bool { return true }, func(Prop) bool { return false }, types)
	provIn, _ := propSpecs(p.Config, func(Prop) bool { return true }, func(Prop) bool { return false }, types)
	schema := map[string]any{
		"name": p.Name, "version": p.Version, "displayName": p.DisplayName, "description": p.Description,
		"config":    map[string]any{"variables": cfg},
		"provider":  map[string]any{"type": "object", "inputProperties": provIn},
		"types":     types,
		"resources": res,
		"functions": fns,
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err) // only plain maps, strings, numbers and booleans: cannot fail
	}
	return string(b)
}

func propSpecs(props []Prop, include, required func(Prop) bool, types map[string]any) (map[string]any, []string) {
	specs := map[string]any{}
	req := []string{}
	for _, q := range props {
		if !include(q) {
			continue
		}
		s := typeSpec(q.Type, types)
		if q.Description != "" {
			s["description"] = q.Description
		}
		if q.Secret {
			s["secret"] = true
		}
		if q.Default != nil {
			s["default"] = q.Default
		}
		if q.Replace {
			s["replaceOnChanges"] = true
		}
		if q.Deprecated != "" {
			s["deprecationMessage"] = q.Deprecated
		}
		specs[q.Name] = s
		if required(q) {
			req = append(req, q.Name)
		}
	}
	sort.Strings(req)
	return specs, req
}

// typeSpec is the schema type of t; named object and enum types are added to types.
func typeSpec(t Type, types map[string]any) map[string]any {
	switch t.Kind {
	case KindString:
		if t.Enum != nil {
			if _, ok := types[t.Enum.Token]; !ok {
				var vals []any
				for _, v := range t.Enum.Values {
					vals = append(vals, map[string]any{"name": v, "value": v})
				}
				types[t.Enum.Token] = map[string]any{"type": "string", "description": t.Enum.Description, "enum": vals}
			}
			return map[string]any{"$ref": "#/types/" + t.Enum.Token}
		}
		return map[string]any{"type": "string"}
	case KindInteger:
		return map[string]any{"type": "integer"}
	case KindNumber:
		return map[string]any{"type": "number"}
	case KindBoolean:
		return map[string]any{"type": "boolean"}
	case KindArray:
		return map[string]any{"type": "array", "items": typeSpec(*t.Elem, types)}
	case KindMap:
		return map[string]any{"type": "object", "additionalProperties": typeSpec(*t.Elem, types)}
	case KindObject:
		o := t.Object
		if _, ok := types[o.Token]; !ok {
			types[o.Token] = map[string]any{} // placeholder against recursion
			props, req := propSpecs(o.Props, func(Prop) bool { return true }, func(q Prop) bool { return q.Required }, types)
			types[o.Token] = map[string]any{"type": "object", "description": o.Description, "properties": props, "required": req}
		}
		return map[string]any{"$ref": "#/types/" + o.Token}
	case KindAssetOrArchive:
		return map[string]any{"$ref": "pulumi.json#/AssetOrArchive"}
	case KindAsset:
		return map[string]any{"$ref": "pulumi.json#/Asset"}
	case KindArchive:
		return map[string]any{"$ref": "pulumi.json#/Archive"}
	default:
		return map[string]any{"$ref": "pulumi.json#/Any"}
	}
}
