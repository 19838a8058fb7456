package provider

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

type structpbStruct = structpb.Struct

// The tests drive the gRPC server methods directly (marshalling included), the way the engine does.

func urnFor(typ, name string) string {
	return string(resource.NewURN("dev", "proj", "", tokens.Type(typ), name))
}

func mustMarshal(t *testing.T, m resource.PropertyMap, unknowns bool) *structpbStruct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: unknowns, KeepSecrets: true, KeepResources: true})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return s
}

func mustUnmarshal(t *testing.T, s *structpbStruct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true})
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

type testResource struct {
	t    *testing.T
	s    *Server
	typ  string
	urn  string
	id   string
	outs resource.PropertyMap
}

func newTestResource(t *testing.T, typ, name string) *testResource {
	return &testResource{t: t, s: NewServer(nil), typ: typ, urn: urnFor(typ, name)}
}

func (r *testResource) check(news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	r.t.Helper()
	resp, err := r.s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: r.urn, News: mustMarshal(r.t, news, true)})
	if err != nil {
		r.t.Fatalf("Check: %v", err)
	}
	return mustUnmarshal(r.t, resp.GetInputs()), resp.GetFailures()
}

func (r *testResource) checked(news resource.PropertyMap) resource.PropertyMap {
	r.t.Helper()
	in, failures := r.check(news)
	if len(failures) > 0 {
		r.t.Fatalf("Check failures: %v", failures)
	}
	return in
}

func (r *testResource) create(inputs resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	r.t.Helper()
	resp, err := r.s.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: r.urn, Properties: mustMarshal(r.t, inputs, preview), Preview: preview,
	})
	if err != nil {
		return nil, err
	}
	outs := mustUnmarshal(r.t, resp.GetProperties())
	if !preview {
		r.id, r.outs = resp.GetId(), outs
	}
	return outs, nil
}

func (r *testResource) diff(news resource.PropertyMap) *pulumirpc.DiffResponse {
	r.t.Helper()
	resp, err := r.s.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: r.urn, Id: r.id, Olds: mustMarshal(r.t, r.outs, false), News: mustMarshal(r.t, news, true),
	})
	if err != nil {
		r.t.Fatalf("Diff: %v", err)
	}
	return resp
}

func (r *testResource) update(news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	r.t.Helper()
	resp, err := r.s.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: r.urn, Id: r.id, Olds: mustMarshal(r.t, r.outs, false), News: mustMarshal(r.t, news, preview), Preview: preview,
	})
	if err != nil {
		return nil, err
	}
	outs := mustUnmarshal(r.t, resp.GetProperties())
	if !preview {
		r.outs = outs
	}
	return outs, nil
}

func (r *testResource) delete() error {
	r.t.Helper()
	_, err := r.s.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: r.urn, Id: r.id, Properties: mustMarshal(r.t, r.outs, false),
	})
	return err
}

func str(s string) resource.PropertyValue { return resource.NewProperty(s) }

func secret(v resource.PropertyValue) resource.PropertyValue { return resource.MakeSecret(v) }

func obj(kv ...any) resource.PropertyValue {
	m := resource.PropertyMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[resource.PropertyKey(kv[i].(string))] = toValue(kv[i+1])
	}
	return resource.NewProperty(m)
}

func props(kv ...any) resource.PropertyMap { return obj(kv...).ObjectValue() }

func arr(vs ...any) resource.PropertyValue {
	out := make([]resource.PropertyValue, len(vs))
	for i, v := range vs {
		out[i] = toValue(v)
	}
	return resource.NewProperty(out)
}

func toValue(v any) resource.PropertyValue {
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

func stringOut(t *testing.T, m resource.PropertyMap, k string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		t.Fatalf("output %q missing in %v", k, m)
	}
	if v.IsSecret() {
		t.Fatalf("output %q is unexpectedly secret", k)
	}
	if !v.IsString() {
		t.Fatalf("output %q is %v, not a string", k, v)
	}
	return v.StringValue()
}
