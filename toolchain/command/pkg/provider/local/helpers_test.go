package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/command/pkg/provider"
	"homelab-iac/toolchain/command/pkg/provider/local"
	kt "homelab-iac/toolchain/kit/kittest"
)

const LocalCommandType = local.CommandType

func newTestResource(t *testing.T, typ, name string) *kt.Resource {
	return kt.New(t, provider.Provider(), typ, name)
}

var (
	props  = kt.Props
	obj    = kt.Obj
	arr    = kt.Arr
	str    = kt.Str
	secret = kt.Secret
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stringOut is the plain (non-secret) string output k of m.
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
