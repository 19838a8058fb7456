package provider

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"

	kt "homelab-iac/toolchain/kit/kittest"
)

func newPassword(t *testing.T) *kt.Resource { return kt.New(t, Provider(), passwordToken, "db") }

func failureProps(fs []*pulumirpc.CheckFailure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.GetProperty()+": "+f.GetReason())
	}
	return out
}

func TestPasswordCheckFailures(t *testing.T) {
	cases := []struct {
		name string
		news resource.PropertyMap
		want []string
	}{
		{"length missing", kt.Props("special", false), []string{"length: missing required property 'length'"}},
		{"length zero", kt.Props("length", 0), []string{"length: value must be at least 1, got: 0"}},
		{"length not an integer", kt.Props("length", 3.5), []string{"length: expected an integer, got 3.5"}},
		{"length a string", kt.Props("length", "32"), []string{"length: expected a number, got string"}},
		{"minimums exceed length", kt.Props("length", 4, "minUpper", 3, "minNumeric", 2),
			[]string{"length: value must be at least sum of minUpper + minLower + minNumeric + minSpecial (5), got: 4"}},
		{"negative minimum", kt.Props("length", 4, "minLower", -1), []string{"minLower: value must be at least 0, got: -1"}},
		{"number and numeric disagree", kt.Props("length", 8, "number", true, "numeric", false),
			[]string{"number: Number and numeric are both configured with different values: number is deprecated, use numeric instead"}},
		{"no class for the rest", kt.Props("length", 8, "upper", false, "lower", false, "numeric", false, "special", false, "minUpper", 2),
			[]string{"length: upper, lower, numeric and special are all false, so there are no characters for the 6 characters beyond the minimums; set at least one of them to true"}},
		{"keepers not strings", kt.Props("length", 8, "keepers", kt.Obj("a", 1)), []string{"keepers.a: expected a string, got number"}},
		{"special not a boolean", kt.Props("length", 8, "special", "no"), []string{"special: expected a boolean, got string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, fs := newPassword(t).Check(c.news)
			if got := failureProps(fs); !reflect.DeepEqual(got, c.want) {
				t.Errorf("failures = %q, want %q", got, c.want)
			}
		})
	}
}

func TestPasswordCheckKeepsWhatTheProgramSentAndSkipsUnknowns(t *testing.T) {
	r := newPassword(t)
	in := r.Checked(kt.Props("length", 32, "special", false, "bogus", "x"))
	if !in.DeepEquals(kt.Props("length", 32, "special", false)) {
		t.Errorf("Check must drop unknown keys and add no defaults (the bridge's Check does not): %v", in)
	}
	// An unknown length (an output of another resource during preview) is not validated.
	if _, fs := r.Check(kt.Props("length", kt.Unknown(), "minUpper", 3)); len(fs) != 0 {
		t.Errorf("unknown length must not fail Check: %v", fs)
	}
}

func TestPasswordPreviewPlansDefaultsAndLeavesResultUnknown(t *testing.T) {
	r := newPassword(t)
	outs, err := r.Create(r.Checked(kt.Props("length", 32, "special", false)), true)
	if err != nil {
		t.Fatal(err)
	}
	want := kt.Props("length", 32, "special", false, "lower", true, "upper", true, "number", true, "numeric", true,
		"minLower", 0, "minUpper", 0, "minNumeric", 0, "minSpecial", 0)
	for k, v := range want {
		if !outs[k].DeepEquals(v) {
			t.Errorf("planned %s = %v, want %v", k, outs[k], v)
		}
	}
	if !outs["result"].IsComputed() || !outs["bcryptHash"].IsComputed() {
		t.Errorf("result and bcryptHash must be unknown in a preview: %v", outs)
	}
	if r.ID != "" {
		t.Errorf("a preview records nothing")
	}
}

func TestPasswordCreateHonoursClassesAndMinimums(t *testing.T) {
	r := newPassword(t)
	outs, err := r.Create(r.Checked(kt.Props("length", 40, "special", false, "upper", false, "minNumeric", 10)), false)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "none" {
		t.Errorf("ID = %q, want none (pulumi-random's recorded ID)", r.ID)
	}
	for _, k := range []resource.PropertyKey{"result", "bcryptHash"} {
		if !outs[k].IsSecret() {
			t.Fatalf("%s must be a secret output: %v", k, outs[k])
		}
	}
	pw := outs["result"].SecretValue().Element.StringValue()
	if len(pw) != 40 {
		t.Fatalf("len(result) = %d, want 40", len(pw))
	}
	digits := 0
	for _, c := range pw {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
		default:
			t.Fatalf("result %q has %q although upper and special are false", pw, c)
		}
	}
	if digits < 10 {
		t.Errorf("result %q has %d digits, want at least minNumeric 10", pw, digits)
	}
	hash := outs["bcryptHash"].SecretValue().Element.StringValue()
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		t.Errorf("bcryptHash does not verify the result: %v", err)
	}
}

func TestPasswordOverrideSpecialAndRandomness(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		r := newPassword(t)
		outs, err := r.Create(r.Checked(kt.Props("length", 16, "upper", false, "lower", false, "numeric", false, "overrideSpecial", "_%")), false)
		if err != nil {
			t.Fatal(err)
		}
		pw := outs["result"].SecretValue().Element.StringValue()
		if strings.Trim(pw, "_%") != "" {
			t.Fatalf("result %q uses characters outside overrideSpecial", pw)
		}
		seen[pw] = true
	}
	if len(seen) < 19 {
		t.Errorf("20 creates gave only %d distinct 16-character passwords", len(seen))
	}
}

func TestPasswordDiff(t *testing.T) {
	base := kt.Props("length", 32, "special", false, "keepers", kt.Obj("a", "1"))
	cases := []struct {
		name     string
		news     resource.PropertyMap
		replaces []string
	}{
		{"identical", base, nil},
		{"an implicit default equals the recorded one", kt.With(base, "upper", true), nil},
		{"numeric given instead of the implied number", kt.With(base, "numeric", true), nil},
		{"length changed", kt.With(base, "length", 33), []string{"length"}},
		{"special back to the default", kt.Without(base, "special"), []string{"special"}},
		{"keeper changed", kt.With(base, "keepers", kt.Obj("a", "2")), []string{"keepers.a"}},
		{"keeper added", kt.With(base, "keepers", kt.Obj("a", "1", "b", "x")), []string{"keepers.b"}},
		{"keepers unknown", kt.With(base, "keepers", kt.Unknown()), []string{"keepers"}},
		{"keepers removed", kt.Without(base, "keepers"), []string{"keepers"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newPassword(t)
			if _, err := r.Create(r.Checked(base), false); err != nil {
				t.Fatal(err)
			}
			resp := r.Diff(r.Checked(c.news))
			if got := resp.GetReplaces(); !reflect.DeepEqual(got, c.replaces) {
				t.Errorf("replaces = %v, want %v (detailed %v)", got, c.replaces, kt.Kinds(resp))
			}
			wantChanges := pulumirpc.DiffResponse_DIFF_NONE
			if c.replaces != nil {
				wantChanges = pulumirpc.DiffResponse_DIFF_SOME
			}
			if resp.GetChanges() != wantChanges {
				t.Errorf("changes = %v, want %v", resp.GetChanges(), wantChanges)
			}
		})
	}
}

func TestPasswordDiffUpstreamExceptions(t *testing.T) {
	r := newPassword(t)
	if _, err := r.Create(r.Checked(kt.Props("length", 8, "overrideSpecial", "")), false); err != nil {
		t.Fatal(err)
	}
	if resp := r.Diff(r.Checked(kt.Props("length", 8))); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf(`overrideSpecial "" -> absent must not replace: %v`, kt.Kinds(resp))
	}
	r = newPassword(t)
	if _, err := r.Create(r.Checked(kt.Props("length", 8)), false); err != nil {
		t.Fatal(err)
	}
	if resp := r.Diff(r.Checked(kt.Props("length", 8, "keepers", kt.Obj()))); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("keepers absent -> {} must not replace: %v", kt.Kinds(resp))
	}
}

func TestPasswordImport(t *testing.T) {
	r := newPassword(t)
	resp, err := r.S.Read(t.Context(), &pulumirpc.ReadRequest{Urn: r.URN, Id: "s3cret!"})
	if err != nil {
		t.Fatal(err)
	}
	state := kt.Unmarshal(t, resp.GetProperties())
	if resp.GetId() != "none" || state["result"].SecretValue().Element.StringValue() != "s3cret!" || state["length"].NumberValue() != 7 {
		t.Errorf("import state = %v (id %q)", state, resp.GetId())
	}
}

// TestSchemaMatchesUpstreamNames: the inputs, outputs and secrets are those of pulumi-random's
// schema.json (provider/cmd/pulumi-resource-random/schema.json) for the two resources.
func TestSchemaMatchesUpstreamNames(t *testing.T) {
	var s struct {
		Resources map[string]struct {
			InputProperties map[string]map[string]any `json:"inputProperties"`
			Properties      map[string]map[string]any `json:"properties"`
			RequiredInputs  []string                  `json:"requiredInputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(Provider().Schema()), &s); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	secrets := func(m map[string]map[string]any) []string {
		var out []string
		for k, v := range m {
			if v["secret"] == true {
				out = append(out, k)
			}
		}
		sort.Strings(out)
		return out
	}
	pw, by := s.Resources[passwordToken], s.Resources[bytesToken]
	wantPwIn := []string{"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "special", "upper"}
	if got := keys(pw.InputProperties); !reflect.DeepEqual(got, wantPwIn) {
		t.Errorf("RandomPassword inputs = %v, want %v", got, wantPwIn)
	}
	wantPwOut := []string{"bcryptHash", "keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric", "overrideSpecial", "result", "special", "upper"}
	if got := keys(pw.Properties); !reflect.DeepEqual(got, wantPwOut) {
		t.Errorf("RandomPassword outputs = %v", got)
	}
	if got := secrets(pw.Properties); !reflect.DeepEqual(got, []string{"bcryptHash", "result"}) {
		t.Errorf("RandomPassword secrets = %v", got)
	}
	if !reflect.DeepEqual(pw.RequiredInputs, []string{"length"}) || !reflect.DeepEqual(by.RequiredInputs, []string{"length"}) {
		t.Errorf("required inputs = %v / %v, want [length]", pw.RequiredInputs, by.RequiredInputs)
	}
	if got := keys(by.Properties); !reflect.DeepEqual(got, []string{"base64", "hex", "keepers", "length"}) {
		t.Errorf("RandomBytes outputs = %v", got)
	}
	if got := secrets(by.Properties); !reflect.DeepEqual(got, []string{"base64", "hex"}) {
		t.Errorf("RandomBytes secrets = %v", got)
	}
}
