package provider

import (
	"fmt"
	"math"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// checkFailure mirrors pulumirpc.CheckFailure.
type checkFailure struct {
	Property string
	Reason   string
}

// check validates and normalises new inputs the way the upstream provider's Check does
// (pulumi-go-provider infer: decode into the input struct, apply schema defaults, encode back):
//   - keys that are not input properties of the resource are dropped (also inside connection/proxy);
//   - schema defaults are filled in for connection and connection.proxy: user=root, port=22,
//     dialErrorLimit=10, perDialTimeout=15 (no other property has a schema default; in particular
//     addPreviousOutputInEnv stays absent, which the run code treats as true);
//   - values of the wrong type and missing required properties are check failures;
//   - CopyToRemote: source must be exactly one asset or archive; an asset must be a file (path)
//     or text asset, an archive must be a path (file or directory) archive.
//
// Secret and unknown values are kept as they are; unknown values are not validated.
func check(typ string, news resource.PropertyMap) (resource.PropertyMap, []checkFailure, error) {
	if _, ok := inputKeys[typ]; !ok {
		return nil, nil, fmt.Errorf("unknown resource type %q", typ)
	}
	out := resource.PropertyMap{}
	for k, v := range news {
		if isInputKey(typ, string(k)) && !v.IsNull() {
			out[k] = v
		}
	}
	var failures []checkFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, checkFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}

	for _, k := range []string{"create", "update", "delete", "stdin", "dir", "remotePath"} {
		checkString(out, k, k, fail)
	}
	if v, ok := out["logging"]; ok && !isUnknown(v) {
		if s := unsecret(v); !s.IsString() {
			fail("logging", "expected a string, got %s", typeName(v))
		} else {
			switch s.StringValue() {
			case "stdout", "stderr", "stdoutAndStderr", "none":
			default:
				fail("logging", "invalid value %q: expected one of stdout, stderr, stdoutAndStderr, none", s.StringValue())
			}
		}
	}
	if v, ok := out["addPreviousOutputInEnv"]; ok && !isUnknown(v) && !unsecret(v).IsBool() {
		fail("addPreviousOutputInEnv", "expected a boolean, got %s", typeName(v))
	}
	for _, k := range []string{"interpreter", "assetPaths", "archivePaths"} {
		checkStringArray(out, k, fail)
	}
	if v, ok := out["environment"]; ok && !isUnknown(v) {
		if obj := unsecret(v); !obj.IsObject() {
			fail("environment", "expected a map of strings, got %s", typeName(v))
		} else {
			for name, val := range obj.ObjectValue() {
				if !val.IsComputed() && !val.IsString() {
					fail("environment."+string(name), "expected a string, got %s", typeName(val))
				}
			}
		}
	}
	if v, ok := out["triggers"]; ok && !isUnknown(v) && !unsecret(v).IsArray() {
		fail("triggers", "expected an array, got %s", typeName(v))
	}

	if typ == RemoteCommandType || typ == CopyToRemoteType {
		v, ok := out["connection"]
		if !ok {
			fail("connection", "missing required property 'connection'")
		} else {
			out["connection"] = checkConnection(v, "connection", connectionKeys, fail)
		}
	}
	if typ == CopyToRemoteType {
		if _, ok := out["remotePath"]; !ok {
			fail("remotePath", "missing required property 'remotePath'")
		}
		checkSource(out, fail)
	}
	return out, failures, nil
}

func checkString(m resource.PropertyMap, key, prop string, fail func(string, string, ...any)) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok || isUnknown(v) {
		return
	}
	if !unsecret(v).IsString() {
		fail(prop, "expected a string, got %s", typeName(v))
	}
}

func checkStringArray(m resource.PropertyMap, key string, fail func(string, string, ...any)) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok || isUnknown(v) {
		return
	}
	arr := unsecret(v)
	if !arr.IsArray() {
		fail(key, "expected an array of strings, got %s", typeName(v))
		return
	}
	for i, e := range arr.ArrayValue() {
		if !e.IsComputed() && !e.IsString() {
			fail(fmt.Sprintf("%s[%d]", key, i), "expected a string, got %s", typeName(e))
		}
	}
}

// mapObject applies f to the object under any secret wrappers of v and re-wraps the result.
func mapObject(v resource.PropertyValue, f func(resource.PropertyMap) resource.PropertyMap) resource.PropertyValue {
	if v.IsSecret() {
		return resource.MakeSecret(mapObject(v.SecretValue().Element, f))
	}
	if !v.IsObject() {
		return v
	}
	return resource.NewProperty(f(v.ObjectValue().Copy()))
}

func checkConnection(
	v resource.PropertyValue, prop string, keys []string, fail func(string, string, ...any),
) resource.PropertyValue {
	if isUnknown(v) {
		return v
	}
	if !unsecret(v).IsObject() {
		fail(prop, "expected an object, got %s", typeName(v))
		return v
	}
	return mapObject(v, func(obj resource.PropertyMap) resource.PropertyMap {
		out := resource.PropertyMap{}
		for _, k := range keys {
			if val, ok := obj[resource.PropertyKey(k)]; ok && !val.IsNull() {
				out[resource.PropertyKey(k)] = val
			}
		}
		for k, def := range connectionDefaults {
			if _, ok := out[resource.PropertyKey(k)]; !ok {
				out[resource.PropertyKey(k)] = def
			}
		}
		if _, ok := out["host"]; !ok {
			fail(prop+".host", "missing required property 'host'")
		}
		for _, k := range []string{"host", "user", "password", "privateKey", "privateKeyPassword", "agentSocketPath", "hostKey"} {
			checkString(out, k, prop+"."+k, fail)
		}
		for _, k := range []string{"port", "dialErrorLimit", "perDialTimeout"} {
			val, ok := out[resource.PropertyKey(k)]
			if !ok || isUnknown(val) {
				continue
			}
			n := unsecret(val)
			if !n.IsNumber() {
				fail(prop+"."+k, "expected a number, got %s", typeName(val))
			} else if k != "port" && n.NumberValue() != math.Trunc(n.NumberValue()) {
				fail(prop+"."+k, "expected an integer, got %v", n.NumberValue())
			}
		}
		if hk, ok := out["hostKey"]; ok && !isUnknown(hk) && unsecret(hk).IsString() {
			if _, err := parseHostKey(unsecret(hk).StringValue()); err != nil {
				fail(prop+".hostKey", "%v", err)
			}
		}
		if px, ok := out["proxy"]; ok {
			out["proxy"] = checkConnection(px, prop+".proxy", proxyConnectionKeys, fail)
		}
		return out
	})
}

func checkSource(m resource.PropertyMap, fail func(string, string, ...any)) {
	v, ok := m["source"]
	if !ok {
		fail("source", "missing required property 'source'")
		return
	}
	if isUnknown(v) {
		return
	}
	s := unsecret(v)
	switch {
	case s.IsAsset():
		a := s.AssetValue()
		if !a.IsPath() && !a.IsText() {
			fail("asset", "asset must be a path-based file asset or a text asset")
		}
	case s.IsArchive():
		if !s.ArchiveValue().IsPath() {
			fail("archive", "archive must be a path to a file or directory")
		}
	default:
		fail("asset", "either asset or archive must be set")
	}
}
