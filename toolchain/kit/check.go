package kit

import (
	"fmt"
	"math"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Failure is one Check failure (pulumirpc.CheckFailure): the property path and the reason.
type Failure struct {
	Property string
	Reason   string
}

// FailFunc records a failure on a property path.
type FailFunc func(prop, format string, args ...any)

// CheckInputs validates and normalises inputs against a property table, the way
// pulumi-go-provider's infer decodes inputs into the resource's typed struct and encodes them back:
//   - keys that are not inputs are dropped (at every object level), as are null values;
//   - absent props get their Default where the object type asks for it (DefaultsInCheck);
//   - a value of the wrong type, a missing required input and a value outside its enum are failures;
//   - secrets and unknowns are kept as they came; unknown values are not validated.
//
// The messages are "expected <type>, got <type>", "missing required property '<name>'" and
// "invalid value \"<v>\": expected one of <values>", on the property path ("connection.host",
// "environment.A", "interpreter[0]").
func CheckInputs(props []Prop, news resource.PropertyMap) (resource.PropertyMap, []Failure) {
	var failures []Failure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, Failure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	out := checkProps("", props, false, news, fail)
	return out, failures
}

func checkProps(path string, props []Prop, defaults bool, in resource.PropertyMap, fail FailFunc) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, p := range props {
		if !p.In {
			continue
		}
		k := resource.PropertyKey(p.Name)
		v, ok := in[k]
		if ok && !v.IsNull() {
			out[k] = checkValue(join(path, p.Name), p.Type, v, fail)
		} else if defaults && p.Default != nil {
			out[k] = resource.NewPropertyValue(p.Default)
		}
	}
	for _, p := range props {
		if _, ok := out[resource.PropertyKey(p.Name)]; p.In && p.Required && !ok {
			fail(join(path, p.Name), "missing required property '%s'", p.Name)
		}
	}
	return out
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// checkValue checks v (possibly secret) against t and returns the normalised value.
func checkValue(path string, t Type, v resource.PropertyValue, fail FailFunc) resource.PropertyValue {
	if IsUnknown(v) {
		return v
	}
	if v.IsSecret() {
		return resource.MakeSecret(checkValue(path, t, v.SecretValue().Element, fail))
	}
	if v.IsOutput() {
		o := v.OutputValue()
		el := checkValue(path, t, o.Element, fail)
		if o.Secret {
			return resource.MakeSecret(el)
		}
		return el
	}
	mismatch := func() resource.PropertyValue {
		fail(path, "expected %s, got %s", describe(t), TypeName(v))
		return v
	}
	switch t.Kind {
	case KindString:
		if !v.IsString() {
			return mismatch()
		}
		if t.Enum != nil && !contains(t.Enum.Values, v.StringValue()) {
			fail(path, "invalid value %q: expected one of %s", v.StringValue(), strings.Join(t.Enum.Values, ", "))
		}
	case KindNumber:
		if !v.IsNumber() {
			return mismatch()
		}
	case KindInteger:
		if !v.IsNumber() {
			return mismatch()
		}
		if n := v.NumberValue(); n != math.Trunc(n) {
			fail(path, "expected an integer, got %v", n)
		}
	case KindBoolean:
		if !v.IsBool() {
			return mismatch()
		}
	case KindArray:
		if !v.IsArray() {
			return mismatch()
		}
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = checkValue(fmt.Sprintf("%s[%d]", path, i), *t.Elem, e, fail)
		}
		return resource.NewProperty(out)
	case KindMap:
		if !v.IsObject() {
			return mismatch()
		}
		out := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			out[k] = checkValue(path+"."+string(k), *t.Elem, e, fail)
		}
		return resource.NewProperty(out)
	case KindObject:
		if !v.IsObject() {
			return mismatch()
		}
		o := t.Object
		out := checkProps(path, o.Props, o.DefaultsInCheck, v.ObjectValue(), fail)
		if o.Validate != nil {
			o.Validate(path, Plain(out), fail)
		}
		return resource.NewProperty(out)
	case KindAsset:
		if !v.IsAsset() {
			return mismatch()
		}
	case KindArchive:
		if !v.IsArchive() {
			return mismatch()
		}
	case KindAssetOrArchive, KindAny:
		// Resource-specific: the owner's Validate decides (an AssetOrArchive's rules differ per provider).
	}
	return v
}

// describe names a type for "expected ..." messages.
func describe(t Type) string {
	switch t.Kind {
	case KindString:
		return "a string"
	case KindNumber, KindInteger:
		return "a number"
	case KindBoolean:
		return "a boolean"
	case KindArray:
		if t.Elem.Kind == KindAny {
			return "an array"
		}
		return "an array of " + plural(*t.Elem)
	case KindMap:
		return "a map of " + plural(*t.Elem)
	case KindObject:
		return "an object"
	case KindAsset:
		return "an asset"
	case KindArchive:
		return "an archive"
	case KindAssetOrArchive:
		return "an asset or archive"
	default:
		return "a value"
	}
}

func plural(t Type) string {
	switch t.Kind {
	case KindString:
		return "strings"
	case KindNumber, KindInteger:
		return "numbers"
	case KindBoolean:
		return "booleans"
	case KindObject:
		return "objects"
	default:
		return "values"
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
