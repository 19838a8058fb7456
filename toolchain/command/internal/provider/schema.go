package provider

import "encoding/json"

// schemaJSON is a compact Pulumi package schema for the resources this implementation serves. It is
// generated here from our own tables (the engine does not need it for `pulumi up`; it is answered
// for `pulumi package get-schema` and tools). The authoritative SDK remains @pulumi/command 1.2.1.
var schemaJSON = func() string {
	str := map[string]any{"type": "string"}
	strSecret := map[string]any{"type": "string", "secret": true}
	num := map[string]any{"type": "number"}
	integer := map[string]any{"type": "integer"}
	boolean := map[string]any{"type": "boolean"}
	strArray := map[string]any{"type": "array", "items": str}
	anyArray := map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}}
	strMap := map[string]any{"type": "object", "additionalProperties": str}
	logging := func(mod string) map[string]any { return map[string]any{"$ref": "#/types/command:" + mod + ":Logging"} }
	conn := map[string]any{"$ref": "#/types/command:remote:Connection", "secret": true}
	connProps := func(withProxy bool) map[string]any {
		p := map[string]any{
			"agentSocketPath": str, "dialErrorLimit": withDefault(integer, 10), "host": str, "hostKey": str,
			"password": strSecret, "perDialTimeout": withDefault(integer, 15), "port": withDefault(num, 22),
			"privateKey": strSecret, "privateKeyPassword": strSecret, "user": withDefault(str, "root"),
		}
		if withProxy {
			p["proxy"] = map[string]any{"$ref": "#/types/command:remote:ProxyConnection"}
		}
		return p
	}
	enum := map[string]any{
		"type": "string",
		"enum": []any{
			map[string]any{"name": "stdout", "value": "stdout"},
			map[string]any{"name": "stderr", "value": "stderr"},
			map[string]any{"name": "stdoutAndStderr", "value": "stdoutAndStderr"},
			map[string]any{"name": "none", "value": "none"},
		},
	}
	commandCommon := func(mod string) map[string]any {
		return map[string]any{
			"addPreviousOutputInEnv": boolean, "create": str, "delete": str, "environment": strMap,
			"logging": logging(mod), "stdin": str, "triggers": withReplace(anyArray), "update": str,
		}
	}
	localIn := commandCommon("local")
	for k, v := range map[string]any{"archivePaths": strArray, "assetPaths": strArray, "dir": str, "interpreter": strArray} {
		localIn[k] = v
	}
	remoteIn := commandCommon("remote")
	remoteIn["connection"] = conn
	copyIn := map[string]any{
		"connection": conn, "remotePath": str, "triggers": withReplace(anyArray),
		"source": map[string]any{"$ref": "pulumi.json#/AssetOrArchive"},
	}
	outputs := func(in map[string]any, extra map[string]any) map[string]any {
		o := map[string]any{"stdout": str, "stderr": str}
		for k, v := range in {
			o[k] = v
		}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	res := func(desc string, in, out map[string]any, required []string) map[string]any {
		return map[string]any{
			"description": desc, "inputProperties": in, "properties": out,
			"requiredInputs": required, "required": append([]string{}, required...),
		}
	}
	schema := map[string]any{
		"name": Name, "version": Version, "displayName": "Command",
		"description": "Local and remote (SSH) commands and remote copies (homelab-iac reimplementation of the command provider subset).",
		"config":      map[string]any{},
		"provider":    map[string]any{},
		"types": map[string]any{
			"command:local:Logging":  enum,
			"command:remote:Logging": enum,
			"command:remote:Connection": map[string]any{
				"type": "object", "properties": connProps(true), "required": []string{"host"},
			},
			"command:remote:ProxyConnection": map[string]any{
				"type": "object", "properties": connProps(false), "required": []string{"host"},
			},
		},
		"resources": map[string]any{
			LocalCommandType: res("A local command to be executed.", localIn, outputs(localIn, map[string]any{
				"assets":  map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "pulumi.json#/Asset"}},
				"archive": map[string]any{"$ref": "pulumi.json#/Archive"},
			}), nil),
			RemoteCommandType: res("A command to run on a remote host. The connection is established via ssh.",
				remoteIn, outputs(remoteIn, nil), []string{"connection"}),
			CopyToRemoteType: res("Copy an Asset or Archive to a remote host.", copyIn,
				func() map[string]any {
					o := map[string]any{}
					for k, v := range copyIn {
						o[k] = v
					}
					return o
				}(), []string{"connection", "remotePath", "source"}),
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func withDefault(t map[string]any, def any) map[string]any {
	o := map[string]any{"default": def}
	for k, v := range t {
		o[k] = v
	}
	return o
}

func withReplace(t map[string]any) map[string]any {
	o := map[string]any{"replaceOnChanges": true}
	for k, v := range t {
		o[k] = v
	}
	return o
}
