package provider_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/command/pkg/provider"
	"homelab-iac/toolchain/command/pkg/provider/local"
	"homelab-iac/toolchain/command/pkg/provider/remote"
	kt "homelab-iac/toolchain/kit/kittest"
)

// The tests drive the provider's gRPC server (marshalling included), the way the engine does.

const (
	LocalCommandType  = local.CommandType
	RemoteCommandType = remote.CommandType
	CopyToRemoteType  = remote.CopyToRemoteType
)

func newTestResource(t *testing.T, typ, name string) *kt.Resource {
	return kt.New(t, provider.Provider(), typ, name)
}

var (
	props  = kt.Props
	obj    = kt.Obj
	arr    = kt.Arr
	str    = kt.Str
	secret = kt.Secret
	with   = func(m resource.PropertyMap, k string, v resource.PropertyValue) resource.PropertyMap {
		return kt.With(m, k, v)
	}
	without = kt.Without
)

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func removeFile(p string) error { return os.Remove(p) }
