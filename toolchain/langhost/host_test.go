// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func depStrings(deps []*pulumirpc.PackageDependency) []string {
	var out []string
	for _, d := range deps {
		out = append(out, d.Kind+":"+d.Name+"@"+d.Version+"|"+d.Server)
	}
	sort.Strings(out)
	return out
}

func TestDiscoverPackages(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	// Exactly what @pulumi/command 1.2.1 ships.
	writeFile(t, filepath.Join(nm, "@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"name":"command","version":"1.2.1"}}`)
	// Name derived from the @pulumi scope, version from the package, server kept.
	writeFile(t, filepath.Join(nm, "@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.21.2","pulumi":{"resource":true,"server":"https://example.invalid"}}`)
	// The SDK itself and ordinary packages are not plugins.
	writeFile(t, filepath.Join(nm, "@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","version":"3.259.0"}`)
	writeFile(t, filepath.Join(nm, "left-pad/package.json"), `{"name":"left-pad","version":"1.3.0"}`)
	// A nested duplicate of command is reported once.
	writeFile(t, filepath.Join(nm, "x/node_modules/@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"name":"command","version":"1.2.1"}}`)
	// Third-party packages must name their plugin.
	writeFile(t, filepath.Join(nm, "@acme/thing/package.json"), `{"name":"@acme/thing","version":"1.0.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@acme/named/package.json"),
		`{"name":"@acme/named","version":"2.0.0","pulumi":{"resource":true,"name":"acme"}}`)
	// Broken JSON is skipped, not fatal.
	writeFile(t, filepath.Join(nm, "broken/package.json"), `{`)
	// A policy pack inside the program is not the program's dependency.
	writeFile(t, filepath.Join(dir, "policies/PulumiPolicy.yaml"), "runtime: nodejs\n")
	writeFile(t, filepath.Join(dir, "policies/node_modules/@pulumi/aws/package.json"),
		`{"name":"@pulumi/aws","version":"7.0.0","pulumi":{"resource":true}}`)
	// package.json files outside node_modules are the program's own, not plugins.
	writeFile(t, filepath.Join(dir, "package.json"), `{"name":"@pulumi/self","version":"0.1.0","pulumi":{"resource":true}}`)
	// A symlink loop must not hang the walk.
	if err := os.Symlink(nm, filepath.Join(nm, "loop")); err != nil {
		t.Fatal(err)
	}

	got := depStrings(discoverPackages(dir))
	want := []string{
		"resource:acme@v2.0.0|",
		"resource:command@v1.2.1|",
		"resource:random@v4.21.2|https://example.invalid",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("discoverPackages:\n got %v\nwant %v", got, want)
	}
}

// The repository's own install must report the command provider exactly as the engine needs it.
func TestDiscoverPackagesRepo(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(repo, "node_modules/@pulumi/command/package.json")); err != nil {
		t.Fatalf("the repository's node_modules are not installed (%v); run scripts/setup.sh first", err)
	}
	found := false
	for _, d := range discoverPackages(repo) {
		t.Logf("%s %s %s", d.Kind, d.Name, d.Version)
		if d.Name == "command" && d.Version == "v1.2.1" && d.Kind == "resource" {
			found = true
		}
	}
	if !found {
		t.Fatal("resource plugin command v1.2.1 not reported for the repository")
	}
}

func TestConfigJSON(t *testing.T) {
	got, err := configJSON(map[string]string{"proj:zone": "lan", "aws:region": "x"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"proj:config:zone": "lan", "aws:config:region": "x"}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v want %v", m, want)
	}
	if got, _ := configJSON(nil); got != "{}" {
		t.Fatalf("empty config: %q", got)
	}
}

func TestEngineAddressFromArgs(t *testing.T) {
	cases := map[string][]string{
		"127.0.0.1:1": {"127.0.0.1:1"},
		"127.0.0.1:2": {"--logtostderr", "-v=9", "--tracing", "http://t", "127.0.0.1:2"},
		"127.0.0.1:3": {"--tracing=http://t", "127.0.0.1:3"},
		"":            {"--logtostderr"},
	}
	for want, args := range cases {
		if got := engineAddressFromArgs(args); got != want {
			t.Errorf("%v: got %q want %q", args, got, want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	got, err := splitArgs(`--max-old-space-size=4096  --require "./a b.js" 'c d' e\ f`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--max-old-space-size=4096", "--require", "./a b.js", "c d", "e f"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	if _, err := splitArgs(`"open`); err == nil {
		t.Fatal("unterminated quote accepted")
	}
	if got, _ := splitArgs("   "); len(got) != 0 {
		t.Fatalf("blank: %q", got)
	}
}

func TestOptions(t *testing.T) {
	h := newHost("", "", defaultOptions{typescript: true})
	s, _ := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--a --b", "packagemanager": "npm"})
	o, err := h.options(s)
	if err != nil {
		t.Fatal(err)
	}
	if o.typescript || !reflect.DeepEqual(o.nodeargs, []string{"--a", "--b"}) || o.packagemanager != "npm" {
		t.Fatalf("unexpected %+v", o)
	}
	if env := o.env(); len(env) != 0 {
		t.Fatalf("typescript off must not set PULUMI_NODEJS_TYPESCRIPT: %v", env)
	}
	o, err = h.options(nil)
	if err != nil || !o.typescript || !reflect.DeepEqual(o.env(), []string{"PULUMI_NODEJS_TYPESCRIPT=true"}) {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	bad, _ := structpb.NewStruct(map[string]any{"typescript": "yes"})
	if _, err := h.options(bad); err == nil {
		t.Fatal("non-boolean typescript accepted")
	}
	bad, _ = structpb.NewStruct(map[string]any{"packagemanager": "cargo"})
	if _, err := h.options(bad); err == nil {
		t.Fatal("unknown package manager accepted")
	}
}

func TestRunFlags(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:5", Organization: "org", Project: "p", Stack: "s", DryRun: true, Parallel: 8,
		Info: &pulumirpc.ProgramInfo{RootDirectory: "/r", ProgramDirectory: "/r/prog", EntryPoint: "."},
	}
	got := runFlags(req, "127.0.0.1:6", "", "/tmp/sync", "/r/prog")
	want := []string{
		"--monitor", "127.0.0.1:5", "--engine", "127.0.0.1:6", "--sync", "/tmp/sync", "--organization", "org",
		"--project", "p", "--root-directory", "/r", "--stack", "s", "--pwd", "/r/prog", "--dry-run", "--parallel", "8",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
