// Package kit is the small shared core of this project's own resource providers (toolchain/command,
// toolchain/random, toolchain/cloudflare): one typed property table per resource, from which the
// input keys, the Check validation, the default Diff and the package schema are all derived, and one
// gRPC server that decodes and encodes properties once for every operation.
//
// It plays the role that pulumi-go-provider's `infer` package plays for upstream providers (the Go
// module proxy here does not serve pulumi-go-provider): a resource is described once, as a list of
// Props, instead of once per concern.
package kit

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// Kind is the shape of a property value, as in the Pulumi package schema's type system
// (https://www.pulumi.com/docs/iac/extending-pulumi/schema/#type).
type Kind int

const (
	KindString Kind = iota + 1
	KindInteger
	KindNumber
	KindBoolean
	KindArray
	KindMap
	KindObject
	KindAny
	KindAssetOrArchive
	KindAsset
	KindArchive
)

// Type is a property type: a primitive, an array or map of an element type, a named object type or
// a named string enum.
type Type struct {
	Kind   Kind
	Elem   *Type       // KindArray, KindMap
	Object *ObjectType // KindObject
	Enum   *EnumType   // KindString with a fixed set of values
}

// ObjectType is a named object type of the schema (`#/types/<token>`).
type ObjectType struct {
	Token       string
	Description string
	Props       []Prop
	// DefaultsInCheck: Check fills in the Default of absent props of this object (what
	// pulumi-go-provider's infer does when it decodes inputs); otherwise defaults only appear in the
	// schema and the resource applies them itself.
	DefaultsInCheck bool
	// Validate adds checks that the table cannot express (path is the property path of the object,
	// e.g. "connection.proxy"). Called with the checked object; unknown values may be present.
	Validate func(path string, obj Values, fail FailFunc)
}

// EnumType is a named string enum of the schema.
type EnumType struct {
	Token       string
	Description string
	Values      []string
}

// Prop is one property of a resource, function or object type.
type Prop struct {
	Name        string
	Type        Type
	Description string
	In          bool // an input (inputProperties / function inputs)
	Out         bool // an output (properties / function outputs); inputs are usually mirrored
	Required    bool // a required input
	Always      bool // an output that is always set (schema "required")
	Secret      bool
	Replace     bool // a change replaces the resource (replaceOnChanges / Terraform ForceNew)
	Default     any  // schema default: string, float64 or bool
	Deprecated  string
}

// Primitive types.
var (
	String         = Type{Kind: KindString}
	Integer        = Type{Kind: KindInteger}
	Number         = Type{Kind: KindNumber}
	Boolean        = Type{Kind: KindBoolean}
	AnyValue       = Type{Kind: KindAny}
	AssetOrArchive = Type{Kind: KindAssetOrArchive}
	Asset          = Type{Kind: KindAsset}
	Archive        = Type{Kind: KindArchive}
)

// ArrayOf is an array of t.
func ArrayOf(t Type) Type { return Type{Kind: KindArray, Elem: &t} }

// MapOf is a map from string keys to t.
func MapOf(t Type) Type { return Type{Kind: KindMap, Elem: &t} }

// ObjectOf refers to a named object type.
func ObjectOf(o *ObjectType) Type { return Type{Kind: KindObject, Object: o} }

// EnumOf refers to a named string enum.
func EnumOf(e *EnumType) Type { return Type{Kind: KindString, Enum: e} }

// In declares an input that the resource also returns as an output of the same name.
func In(name string, t Type, desc string) Prop {
	return Prop{Name: name, Type: t, Description: desc, In: true, Out: true}
}

// InOnly declares an input that is not an output (function arguments, object fields).
func InOnly(name string, t Type, desc string) Prop {
	return Prop{Name: name, Type: t, Description: desc, In: true}
}

// Out declares an output that is not an input.
func Out(name string, t Type, desc string) Prop {
	return Prop{Name: name, Type: t, Description: desc, Out: true, Always: true}
}

// Field declares a property of an object type.
func Field(name string, t Type, desc string) Prop {
	return Prop{Name: name, Type: t, Description: desc, In: true, Out: true}
}

// Req marks a required input (and, when it is also an output, an always-present one).
func (p Prop) Req() Prop { p.Required = true; p.Always = p.Out; return p }

// Optional marks an output that may be absent.
func (p Prop) Optional() Prop { p.Always = false; return p }

// Sec marks a secret property.
func (p Prop) Sec() Prop { p.Secret = true; return p }

// ForceNew marks a property whose change replaces the resource.
func (p Prop) ForceNew() Prop { p.Replace = true; return p }

// Def sets the schema default.
func (p Prop) Def(v any) Prop { p.Default = v; return p }

// Deprecate marks a deprecated property.
func (p Prop) Deprecate(msg string) Prop { p.Deprecated = msg; return p }

// find returns the prop named name in props.
func find(props []Prop, name string) (Prop, bool) {
	for _, p := range props {
		if p.Name == name {
			return p, true
		}
	}
	return Prop{}, false
}

// InputNames lists the input property names of props, in table order.
func InputNames(props []Prop) []string {
	var out []string
	for _, p := range props {
		if p.In {
			out = append(out, p.Name)
		}
	}
	return out
}

// WithDefaults returns m plus the Default of every absent (or null) input of props: the planned
// inputs of a provider whose schema defaults are applied at plan time (Terraform-style).
func WithDefaults(props []Prop, m resource.PropertyMap) resource.PropertyMap {
	out := m.Copy()
	for _, p := range props {
		k := resource.PropertyKey(p.Name)
		if v, ok := out[k]; p.In && p.Default != nil && (!ok || v.IsNull()) {
			out[k] = resource.NewPropertyValue(p.Default)
		}
	}
	return out
}
