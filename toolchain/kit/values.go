package kit

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Unsecret removes secret markers recursively (values become plain; unknowns stay unknown).
func Unsecret(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return Unsecret(v.SecretValue().Element)
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = Unsecret(e)
		}
		return resource.NewProperty(out)
	case v.IsObject():
		return resource.NewProperty(UnsecretMap(v.ObjectValue()))
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return Computed()
		}
		return Unsecret(o.Element)
	default:
		return v
	}
}

// UnsecretMap is Unsecret for every value of m.
func UnsecretMap(m resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[k] = Unsecret(v)
	}
	return out
}

// IsUnknown reports whether v (under any secret wrapper) is an unknown value.
func IsUnknown(v resource.PropertyValue) bool {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsOutput() {
		return !v.OutputValue().Known
	}
	return v.IsComputed()
}

// ContainsUnknowns reports whether v holds an unknown value anywhere.
func ContainsUnknowns(v resource.PropertyValue) bool {
	return IsUnknown(v) || v.ContainsUnknowns()
}

// Computed is the unknown value an output has during a preview.
func Computed() resource.PropertyValue { return resource.MakeComputed(resource.NewProperty("")) }

// TypeName names the type of v for error messages ("string", "number", "object", ...).
func TypeName(v resource.PropertyValue) string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return fmt.Sprintf("%v", v.TypeString())
}

// Values is a decoded, secret-free view of a property map with lenient typed accessors: null and
// missing are absent, and a value of the wrong type reads as absent (Check has reported it).
type Values struct{ M resource.PropertyMap }

// Plain returns the secret-free view of m.
func Plain(m resource.PropertyMap) Values { return Values{UnsecretMap(m)} }

func (p Values) get(k string) (resource.PropertyValue, bool) {
	v, ok := p.M[resource.PropertyKey(k)]
	if !ok || v.IsNull() || IsUnknown(v) {
		return resource.PropertyValue{}, false
	}
	return v, true
}

// Has reports whether k is set to a known, non-null value.
func (p Values) Has(k string) bool { _, ok := p.get(k); return ok }

// Str is the string under k.
func (p Values) Str(k string) (string, bool) {
	v, ok := p.get(k)
	if !ok || !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// StrPtr is the string under k, nil when absent.
func (p Values) StrPtr(k string) *string {
	if s, ok := p.Str(k); ok {
		return &s
	}
	return nil
}

// Bool is the boolean under k.
func (p Values) Bool(k string) (bool, bool) {
	v, ok := p.get(k)
	if !ok || !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// BoolPtr is the boolean under k, nil when absent.
func (p Values) BoolPtr(k string) *bool {
	if b, ok := p.Bool(k); ok {
		return &b
	}
	return nil
}

// BoolOr is the boolean under k, def when absent.
func (p Values) BoolOr(k string, def bool) bool {
	if b, ok := p.Bool(k); ok {
		return b
	}
	return def
}

// Num is the number under k.
func (p Values) Num(k string) (float64, bool) {
	v, ok := p.get(k)
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

// IntOr is the number under k as an int, def when absent.
func (p Values) IntOr(k string, def int) int {
	if n, ok := p.Num(k); ok {
		return int(n)
	}
	return def
}

// Strings is the array of strings under k (non-string elements skipped).
func (p Values) Strings(k string) ([]string, bool) {
	v, ok := p.get(k)
	if !ok || !v.IsArray() {
		return nil, false
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out, true
}

// Pairs is the map of strings under k as KEY/VALUE pairs sorted by key.
func (p Values) Pairs(k string) [][2]string {
	v, ok := p.get(k)
	if !ok || !v.IsObject() {
		return nil
	}
	obj := v.ObjectValue()
	keys := make([]string, 0, len(obj))
	for name, val := range obj {
		if val.IsString() {
			keys = append(keys, string(name))
		}
	}
	sort.Strings(keys)
	out := make([][2]string, 0, len(keys))
	for _, name := range keys {
		out = append(out, [2]string{name, obj[resource.PropertyKey(name)].StringValue()})
	}
	return out
}

// Object is the object under k.
func (p Values) Object(k string) (Values, bool) {
	v, ok := p.get(k)
	if !ok || !v.IsObject() {
		return Values{}, false
	}
	return Values{v.ObjectValue()}, true
}

// Objects is the array of objects under k (other elements skipped).
func (p Values) Objects(k string) []Values {
	v, ok := p.get(k)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []Values
	for _, e := range v.ArrayValue() {
		if e.IsObject() {
			out = append(out, Values{e.ObjectValue()})
		}
	}
	return out
}
