package provider

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource type tokens served by this provider (the same as @pulumi/command 1.2.1).
const (
	LocalCommandType  = "command:local:Command"
	RemoteCommandType = "command:remote:Command"
	CopyToRemoteType  = "command:remote:CopyToRemote"
)

// inputKeys lists, per resource type, the input properties of the upstream schema. Check keeps
// only these keys (like the upstream provider, which decodes inputs into a Go struct and encodes
// them back), and Diff compares only these keys of the old state against the new inputs.
var inputKeys = map[string][]string{
	LocalCommandType: {
		"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
		"environment", "interpreter", "logging", "stdin", "triggers", "update",
	},
	RemoteCommandType: {
		"addPreviousOutputInEnv", "connection", "create", "delete", "environment", "logging",
		"stdin", "triggers", "update",
	},
	CopyToRemoteType: {"connection", "remotePath", "source", "triggers"},
}

// replaceOnChanges lists the top-level input properties tagged `provider:"replaceOnChanges"`
// upstream. For all three resources that is only `triggers`.
var replaceOnChanges = map[string]bool{"triggers": true}

// Connection object keys (remote.Connection / remote.ProxyConnection in the schema).
var connectionKeys = []string{
	"agentSocketPath", "dialErrorLimit", "host", "hostKey", "password", "perDialTimeout", "port",
	"privateKey", "privateKeyPassword", "proxy", "user",
}

var proxyConnectionKeys = []string{
	"agentSocketPath", "dialErrorLimit", "host", "hostKey", "password", "perDialTimeout", "port",
	"privateKey", "privateKeyPassword", "user",
}

// connectionDefaults are the schema defaults of remote.Connection and remote.ProxyConnection
// (the SDK applies the same ones client-side in connectionArgsProvideDefaults).
var connectionDefaults = map[string]resource.PropertyValue{
	"user":           resource.NewProperty("root"),
	"port":           resource.NewProperty(22.0),
	"dialErrorLimit": resource.NewProperty(10.0),
	"perDialTimeout": resource.NewProperty(15.0),
}

func isInputKey(typ, key string) bool {
	for _, k := range inputKeys[typ] {
		if k == key {
			return true
		}
	}
	return false
}

// unsecret removes secret markers recursively (values are then plain, unknowns stay unknown).
func unsecret(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unsecret(v.SecretValue().Element)
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = unsecret(e)
		}
		return resource.NewProperty(out)
	case v.IsObject():
		return resource.NewProperty(unsecretMap(v.ObjectValue()))
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return resource.MakeComputed(resource.NewProperty(""))
		}
		return unsecret(o.Element)
	default:
		return v
	}
}

func unsecretMap(m resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[k] = unsecret(v)
	}
	return out
}

// isUnknown reports whether v (under any secret wrapper) is an unknown value.
func isUnknown(v resource.PropertyValue) bool {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsOutput() {
		return !v.OutputValue().Known
	}
	return v.IsComputed()
}

// plainValues is a decoded, secret-free view of a property map, with typed accessors. All accessors
// treat null/missing as absent. Values of the wrong type are reported by Check before any of this
// is used, so the accessors are lenient.
type plainValues struct{ m resource.PropertyMap }

func plain(m resource.PropertyMap) plainValues { return plainValues{unsecretMap(m)} }

func (p plainValues) has(k string) bool {
	v, ok := p.m[resource.PropertyKey(k)]
	return ok && !v.IsNull()
}

func (p plainValues) str(k string) (string, bool) {
	v, ok := p.m[resource.PropertyKey(k)]
	if !ok || !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

func (p plainValues) strPtr(k string) *string {
	if s, ok := p.str(k); ok {
		return &s
	}
	return nil
}

func (p plainValues) boolPtr(k string) *bool {
	v, ok := p.m[resource.PropertyKey(k)]
	if !ok || !v.IsBool() {
		return nil
	}
	b := v.BoolValue()
	return &b
}

func (p plainValues) num(k string) (float64, bool) {
	v, ok := p.m[resource.PropertyKey(k)]
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

func (p plainValues) strings(k string) ([]string, bool) {
	v, ok := p.m[resource.PropertyKey(k)]
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

// env returns the string map under k as sorted KEY=VALUE pairs (sorted for reproducibility).
func (p plainValues) env(k string) [][2]string {
	v, ok := p.m[resource.PropertyKey(k)]
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

func (p plainValues) object(k string) (plainValues, bool) {
	v, ok := p.m[resource.PropertyKey(k)]
	if !ok || !v.IsObject() {
		return plainValues{}, false
	}
	return plainValues{v.ObjectValue()}, true
}

// loggingMode is the `logging` input (enum stdout|stderr|stdoutAndStderr|none); absent = both.
type loggingMode string

func (p plainValues) logging() loggingMode {
	s, _ := p.str("logging")
	return loggingMode(s)
}

func (l loggingMode) stdout() bool { return l == "" || l == "stdout" || l == "stdoutAndStderr" }
func (l loggingMode) stderr() bool { return l == "" || l == "stderr" || l == "stdoutAndStderr" }

// addPreviousOutputInEnv: absent means true (upstream: `AddPreviousOutputInEnv == nil || *it`).
func (p plainValues) addPreviousOutputInEnv() bool {
	b := p.boolPtr("addPreviousOutputInEnv")
	return b == nil || *b
}

func typeName(v resource.PropertyValue) string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return fmt.Sprintf("%v", v.TypeString())
}
