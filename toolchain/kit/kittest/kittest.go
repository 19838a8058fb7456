// Package kittest drives a kit.Server the way the engine does (every call marshalled through
// structpb), for the providers' tests.
package kittest

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"homelab-iac/toolchain/kit"
)

// URN builds a URN for a resource of type typ named name.
func URN(typ, name string) string {
	return string(resource.NewURN("dev", "proj", "", tokens.Type(typ), name))
}

// Marshal encodes m like the engine (secrets kept; unknowns kept when asked).
func Marshal(t testing.TB, m resource.PropertyMap, unknowns bool) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: unknowns, KeepSecrets: true, KeepResources: true})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return s
}

// Unmarshal decodes s like the engine.
func Unmarshal(t testing.TB, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true})
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

// Resource is one resource under test: its URN, its ID and outputs after a Create.
type Resource struct {
	T    testing.TB
	S    *kit.Server
	URN  string
	ID   string
	Outs resource.PropertyMap
	Ins  resource.PropertyMap // the inputs of the last create/update
}

// New returns a Resource of type typ named name served by p.
func New(t testing.TB, p *kit.Provider, typ, name string) *Resource {
	return &Resource{T: t, S: kit.NewServer(p, nil), URN: URN(typ, name)}
}

// Check calls Check and returns the checked inputs and the failures.
func (r *Resource) Check(news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	r.T.Helper()
	resp, err := r.S.Check(context.Background(), &pulumirpc.CheckRequest{Urn: r.URN, News: Marshal(r.T, news, true)})
	if err != nil {
		r.T.Fatalf("Check: %v", err)
	}
	return Unmarshal(r.T, resp.GetInputs()), resp.GetFailures()
}

// Checked calls Check and fails the test on any failure.
func (r *Resource) Checked(news resource.PropertyMap) resource.PropertyMap {
	r.T.Helper()
	in, failures := r.Check(news)
	if len(failures) > 0 {
		r.T.Fatalf("Check failures: %v", failures)
	}
	return in
}

// Create calls Create; outside a preview it records the ID and outputs.
func (r *Resource) Create(inputs resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	r.T.Helper()
	resp, err := r.S.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: r.URN, Properties: Marshal(r.T, inputs, preview), Preview: preview,
	})
	if err != nil {
		return nil, err
	}
	outs := Unmarshal(r.T, resp.GetProperties())
	if !preview {
		r.ID, r.Outs, r.Ins = resp.GetId(), outs, inputs
	}
	return outs, nil
}

// Diff calls Diff of the recorded state against news.
func (r *Resource) Diff(news resource.PropertyMap) *pulumirpc.DiffResponse {
	r.T.Helper()
	resp, err := r.S.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: r.URN, Id: r.ID, Olds: Marshal(r.T, r.Outs, false), OldInputs: Marshal(r.T, r.Ins, false),
		News: Marshal(r.T, news, true),
	})
	if err != nil {
		r.T.Fatalf("Diff: %v", err)
	}
	return resp
}

// Update calls Update of the recorded state to news; outside a preview it records the outputs.
func (r *Resource) Update(news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	r.T.Helper()
	resp, err := r.S.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: r.URN, Id: r.ID, Olds: Marshal(r.T, r.Outs, false), OldInputs: Marshal(r.T, r.Ins, false),
		News: Marshal(r.T, news, preview), Preview: preview,
	})
	if err != nil {
		return nil, err
	}
	outs := Unmarshal(r.T, resp.GetProperties())
	if !preview {
		r.Outs, r.Ins = outs, news
	}
	return outs, nil
}

// Delete calls Delete with the recorded state.
func (r *Resource) Delete() error {
	r.T.Helper()
	_, err := r.S.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: r.URN, Id: r.ID, Properties: Marshal(r.T, r.Outs, false), OldInputs: Marshal(r.T, r.Ins, false),
	})
	return err
}

// Str is a string value.
func Str(s string) resource.PropertyValue { return resource.NewProperty(s) }

// Secret wraps v as a secret.
func Secret(v resource.PropertyValue) resource.PropertyValue { return resource.MakeSecret(v) }

// Unknown is an unknown value.
func Unknown() resource.PropertyValue { return kit.Computed() }

// Obj builds an object value from key/value pairs (values: PropertyValue, string, int, float64, bool).
func Obj(kv ...any) resource.PropertyValue {
	m := resource.PropertyMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[resource.PropertyKey(kv[i].(string))] = Value(kv[i+1])
	}
	return resource.NewProperty(m)
}

// Props builds a property map from key/value pairs.
func Props(kv ...any) resource.PropertyMap { return Obj(kv...).ObjectValue() }

// Arr builds an array value.
func Arr(vs ...any) resource.PropertyValue {
	out := make([]resource.PropertyValue, len(vs))
	for i, v := range vs {
		out[i] = Value(v)
	}
	return resource.NewProperty(out)
}

// Value converts a Go test value to a PropertyValue.
func Value(v any) resource.PropertyValue {
	switch x := v.(type) {
	case resource.PropertyValue:
		return x
	case string:
		return resource.NewProperty(x)
	case int:
		return resource.NewProperty(float64(x))
	case float64:
		return resource.NewProperty(x)
	case bool:
		return resource.NewProperty(x)
	default:
		panic("unsupported test value")
	}
}

// With returns a copy of m with k set to v.
func With(m resource.PropertyMap, k string, v any) resource.PropertyMap {
	out := m.Copy()
	out[resource.PropertyKey(k)] = Value(v)
	return out
}

// Without returns a copy of m without k.
func Without(m resource.PropertyMap, k string) resource.PropertyMap {
	out := m.Copy()
	delete(out, resource.PropertyKey(k))
	return out
}

// Kinds maps each detailed-diff key of resp to its kind name (UPDATE, ADD_REPLACE, ...).
func Kinds(resp *pulumirpc.DiffResponse) map[string]string {
	out := map[string]string{}
	for k, v := range resp.GetDetailedDiff() {
		out[k] = v.GetKind().String()
	}
	return out
}
