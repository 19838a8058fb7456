package kit

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var testObj = &ObjectType{
	Token: "t:index:Conn",
	Props: []Prop{
		Field("host", String, "").Req(),
		Field("port", Number, "").Def(22.0),
		Field("retries", Integer, "").Def(3.0),
	},
	DefaultsInCheck: true,
	Validate: func(path string, o Values, fail FailFunc) {
		if h, _ := o.Str("host"); h == "bad" {
			fail(path+".host", "bad host")
		}
	},
}

var testEnum = &EnumType{Token: "t:index:Mode", Values: []string{"a", "b"}}

var testProps = []Prop{
	In("name", String, "the name").Req(),
	In("mode", EnumOf(testEnum), ""),
	In("tags", MapOf(String), ""),
	In("list", ArrayOf(String), ""),
	In("any", ArrayOf(AnyValue), "").ForceNew(),
	In("conn", ObjectOf(testObj), "").Sec(),
	In("size", Integer, "").Def(1.0).ForceNew(),
	Out("result", String, "").Sec(),
}

func pm(kv ...any) resource.PropertyMap {
	m := resource.PropertyMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[resource.PropertyKey(kv[i].(string))] = resource.NewPropertyValue(kv[i+1])
	}
	return m
}

func reasons(fs []Failure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Property+": "+f.Reason)
	}
	return out
}

func TestCheckInputsMessagesPathsAndNormalisation(t *testing.T) {
	cases := []struct {
		name string
		in   resource.PropertyMap
		want []string
	}{
		{"ok", pm("name", "x"), nil},
		{"required missing", pm(), []string{"name: missing required property 'name'"}},
		{"wrong primitive", pm("name", 3.0), []string{"name: expected a string, got number"}},
		{"enum", pm("name", "x", "mode", "c"), []string{`mode: invalid value "c": expected one of a, b`}},
		{"map element", pm("name", "x", "tags", map[string]any{"k": true}), []string{"tags.k: expected a string, got bool"}},
		{"array element", pm("name", "x", "list", []any{"a", 1.0}), []string{"list[1]: expected a string, got number"}},
		{"array type", pm("name", "x", "any", "no"), []string{"any: expected an array, got string"}},
		{"integer", pm("name", "x", "size", 1.5), []string{"size: expected an integer, got 1.5"}},
		{"object field and validate", pm("name", "x", "conn", map[string]any{"host": "bad", "port": "22"}),
			[]string{"conn.port: expected a number, got string", "conn.host: bad host"}},
		{"object required", pm("name", "x", "conn", map[string]any{}), []string{"conn.host: missing required property 'host'"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fs := CheckInputs(testProps, c.in)
			if got := reasons(fs); !reflect.DeepEqual(got, c.want) {
				t.Errorf("failures = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCheckInputsDropsUnknownKeysKeepsSecretsAndUnknownsAppliesObjectDefaults(t *testing.T) {
	conn := resource.MakeSecret(resource.NewProperty(pm("host", "h", "extra", "x")))
	out, fs := CheckInputs(testProps, resource.PropertyMap{
		"name": resource.MakeComputed(resource.NewProperty("")), "conn": conn, "result": resource.NewProperty("x"),
		"nope": resource.NewProperty(1.0), "tags": resource.NewNullProperty(),
	})
	if len(fs) != 0 {
		t.Fatalf("failures: %v", fs)
	}
	if _, ok := out["nope"]; ok {
		t.Errorf("unknown key kept")
	}
	if _, ok := out["result"]; ok {
		t.Errorf("output-only key kept")
	}
	if _, ok := out["tags"]; ok {
		t.Errorf("null kept")
	}
	if _, ok := out["size"]; ok {
		t.Errorf("top-level default applied in Check (only DefaultsInCheck objects get them)")
	}
	if !out["name"].IsComputed() {
		t.Errorf("unknown not kept: %v", out["name"])
	}
	c := out["conn"]
	if !c.IsSecret() {
		t.Fatalf("secret lost: %v", c)
	}
	want := pm("host", "h", "port", 22.0, "retries", 3.0)
	if got := c.SecretValue().Element.ObjectValue(); !got.DeepEquals(want) {
		t.Errorf("conn = %v, want %v", got, want)
	}
}

func TestDiffInputsReplaceRules(t *testing.T) {
	olds := pm("name", "x", "any", []any{"a"}, "size", 1.0, "result", "generated")
	news := pm("name", "x", "any", []any{"b"}, "size", 1.0)
	under := DiffInputs(testProps, olds, news, nil, ReplaceUnder)
	if got := under.ReplaceKeys(); !reflect.DeepEqual(got, []string{"any[0]"}) {
		t.Errorf("ReplaceUnder: replaces = %v, want [any[0]]", got)
	}
	exact := DiffInputs(testProps, olds, news, nil, ReplaceExactKey)
	if got := exact.ReplaceKeys(); got != nil || !exact.Changes {
		t.Errorf("ReplaceExactKey: an element change is an update, got replaces %v (changes %v)", got, exact.Changes)
	}
	if d := DiffInputs(testProps, olds, pm("name", "x", "any", []any{"a"}, "size", 1.0), nil, ReplaceUnder); d.Changes {
		t.Errorf("outputs in the old state must not count as changes: %v", d.Detailed)
	}
	if d := DiffInputs(testProps, olds, pm("name", "y", "any", []any{"a"}, "size", 1.0), []string{"name"}, ReplaceUnder); d.Changes {
		t.Errorf("ignoreChanges key must not diff: %v", d.Detailed)
	}
}

func TestWithDefaults(t *testing.T) {
	got := WithDefaults(testProps, pm("name", "x"))
	if !got.DeepEquals(pm("name", "x", "size", 1.0)) {
		t.Errorf("WithDefaults = %v", got)
	}
}

func TestSchemaDerivedFromTheTable(t *testing.T) {
	p := &Provider{Name: "t", Version: "1.0.0", Resources: []*Resource{{Token: "t:index:R", Props: testProps}}}
	var s struct {
		Resources map[string]struct {
			InputProperties map[string]map[string]any `json:"inputProperties"`
			Properties      map[string]map[string]any `json:"properties"`
			RequiredInputs  []string                  `json:"requiredInputs"`
			Required        []string                  `json:"required"`
		} `json:"resources"`
		Types map[string]map[string]any `json:"types"`
	}
	if err := json.Unmarshal([]byte(p.Schema()), &s); err != nil {
		t.Fatal(err)
	}
	r := s.Resources["t:index:R"]
	if _, ok := r.InputProperties["result"]; ok {
		t.Errorf("output-only prop among inputs")
	}
	if r.Properties["result"]["secret"] != true || r.InputProperties["conn"]["secret"] != true {
		t.Errorf("secrets not in schema: %v / %v", r.Properties["result"], r.InputProperties["conn"])
	}
	if r.InputProperties["size"]["default"] != 1.0 || r.InputProperties["size"]["replaceOnChanges"] != true {
		t.Errorf("default/replaceOnChanges missing: %v", r.InputProperties["size"])
	}
	if !reflect.DeepEqual(r.RequiredInputs, []string{"name"}) || !reflect.DeepEqual(r.Required, []string{"name", "result"}) {
		t.Errorf("required = %v / %v", r.RequiredInputs, r.Required)
	}
	if r.InputProperties["conn"]["$ref"] != "#/types/t:index:Conn" || s.Types["t:index:Conn"]["type"] != "object" {
		t.Errorf("object type not referenced/defined: %v", s.Types)
	}
	if s.Types["t:index:Mode"]["type"] != "string" {
		t.Errorf("enum type not defined: %v", s.Types)
	}
}
