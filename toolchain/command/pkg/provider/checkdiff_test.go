package provider_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	kt "homelab-iac/toolchain/kit/kittest"
)

func TestCheckAppliesConnectionDefaultsAndKeepsSecrets(t *testing.T) {
	r := newTestResource(t, RemoteCommandType, "cmd")
	in := r.Checked(props(
		"connection", secret(obj("host", "10.0.0.5", "privateKey", "KEY", "bogus", "x",
			"proxy", obj("host", "bastion"))),
		"create", "echo hi",
		"stdout", "must be dropped",
		"unrelated", 1,
	))
	if _, ok := in["stdout"]; ok {
		t.Errorf("non-input key stdout survived Check: %v", in)
	}
	if _, ok := in["unrelated"]; ok {
		t.Errorf("non-input key survived Check: %v", in)
	}
	if _, ok := in["addPreviousOutputInEnv"]; ok {
		t.Errorf("addPreviousOutputInEnv must not get a default (the 1.2.1 schema has none): %v", in)
	}
	conn := in["connection"]
	if !conn.IsSecret() {
		t.Fatalf("connection lost its secretness: %v", conn)
	}
	c := conn.SecretValue().Element.ObjectValue()
	want := map[string]any{"host": "10.0.0.5", "user": "root", "port": 22.0, "dialErrorLimit": 10.0, "perDialTimeout": 15.0, "privateKey": "KEY"}
	for k, v := range want {
		if got := c[resource.PropertyKey(k)].V; !reflect.DeepEqual(got, v) {
			t.Errorf("connection.%s = %v, want %v", k, got, v)
		}
	}
	if _, ok := c["bogus"]; ok {
		t.Errorf("unknown connection key survived: %v", c)
	}
	px := c["proxy"].ObjectValue()
	if px["user"].StringValue() != "root" || px["port"].NumberValue() != 22 || px["dialErrorLimit"].NumberValue() != 10 ||
		px["perDialTimeout"].NumberValue() != 15 {
		t.Errorf("proxy defaults not applied: %v", px)
	}
}

func TestCheckKeepsExplicitValuesAndUnknowns(t *testing.T) {
	r := newTestResource(t, RemoteCommandType, "cmd")
	in := r.Checked(props(
		"connection", obj("host", "h", "user", "admin", "port", 2222, "dialErrorLimit", -1, "perDialTimeout", 0),
		"create", resource.MakeComputed(str("")),
	))
	c := in["connection"].ObjectValue()
	if c["user"].StringValue() != "admin" || c["port"].NumberValue() != 2222 || c["dialErrorLimit"].NumberValue() != -1 ||
		c["perDialTimeout"].NumberValue() != 0 {
		t.Errorf("explicit connection values changed: %v", c)
	}
	if !in["create"].IsComputed() {
		t.Errorf("unknown create was not kept unknown: %v", in["create"])
	}
}

func TestCheckFailures(t *testing.T) {
	cases := []struct {
		typ   string
		news  resource.PropertyMap
		props []string
	}{
		{RemoteCommandType, props("create", "x"), []string{"connection"}},
		{RemoteCommandType, props("connection", obj("user", "u")), []string{"connection.host"}},
		{RemoteCommandType, props("connection", obj("host", "h", "hostKey", "not a key")), []string{"connection.hostKey"}},
		{LocalCommandType, props("create", 3), []string{"create"}},
		{LocalCommandType, props("logging", "verbose"), []string{"logging"}},
		{LocalCommandType, props("environment", obj("A", 1)), []string{"environment.A"}},
		{CopyToRemoteType, props("connection", obj("host", "h")), []string{"remotePath", "source"}},
		{CopyToRemoteType, props("connection", obj("host", "h"), "remotePath", "/x", "source", "text"), []string{"asset"}},
	}
	for _, c := range cases {
		r := newTestResource(t, c.typ, "x")
		_, failures := r.Check(c.news)
		var got []string
		for _, f := range failures {
			got = append(got, f.GetProperty())
		}
		if !reflect.DeepEqual(got, c.props) {
			t.Errorf("%s %v: failures on %v, want %v (%v)", c.typ, c.news, got, c.props, failures)
		}
	}
}

func TestCheckCopySourceKinds(t *testing.T) {
	r := newTestResource(t, CopyToRemoteType, "cp")
	text, _ := resource.NewTextAsset("hello")
	dir := t.TempDir()
	writeFile(t, dir+"/f", "x")
	file, _ := resource.NewPathAsset(dir + "/f")
	arch, _ := resource.NewPathArchive(dir)
	assetArchive, _ := resource.NewAssetArchive(map[string]any{"a": text})
	for _, ok := range []resource.PropertyValue{resource.NewProperty(text), resource.NewProperty(file), resource.NewProperty(arch)} {
		if _, f := r.Check(props("connection", obj("host", "h"), "remotePath", "/x", "source", ok)); len(f) > 0 {
			t.Errorf("source %v refused: %v", ok, f)
		}
	}
	_, f := r.Check(props("connection", obj("host", "h"), "remotePath", "/x", "source", resource.NewProperty(assetArchive)))
	if len(f) != 1 || f[0].GetProperty() != "archive" || !strings.Contains(f[0].GetReason(), "path") {
		t.Errorf("AssetArchive source must be refused like upstream (archive must be a path), got %v", f)
	}
}

// oldState builds a plausible old state: checked inputs + outputs.
func stateOf(t *testing.T, typ string, inputs resource.PropertyMap) *kt.Resource {
	r := newTestResource(t, typ, "res")
	r.ID = "res1234"
	r.Outs = r.Checked(inputs).Copy()
	r.Outs["stdout"] = str("old out")
	r.Outs["stderr"] = str("")
	return r
}

var kinds = kt.Kinds

func TestDiffRules(t *testing.T) {
	conn := secret(obj("host", "h", "privateKey", "KEY"))
	base := props("connection", conn, "create", "echo a", "triggers", arr("t1"), "environment", obj("A", "1"))
	type want struct {
		changes  pulumirpc.DiffResponse_DiffChanges
		kinds    map[string]string
		replaces []string
	}
	cases := []struct {
		name string
		news resource.PropertyMap
		want want
	}{
		{"identical", base, want{pulumirpc.DiffResponse_DIFF_NONE, map[string]string{}, nil}},
		{"create changed -> update", with(base, "create", str("echo b")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"create": "UPDATE"}, nil}},
		{"update added -> update", with(base, "update", str("echo u")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"update": "ADD"}, nil}},
		{"delete changed -> update", with(base, "delete", str("rm x")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"delete": "ADD"}, nil}},
		{"environment value changed -> update", with(base, "environment", obj("A", "2")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"environment.A": "UPDATE"}, nil}},
		{"stdin added -> update", with(base, "stdin", str("input")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"stdin": "ADD"}, nil}},
		{"logging added -> update", with(base, "logging", str("none")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"logging": "ADD"}, nil}},
		// The element change is an UPDATE in the provider's answer; the engine turns it into a
		// replace because the SDK registers the resource with replaceOnChanges: ["triggers[*]"].
		{"trigger element changed", with(base, "triggers", arr("t2")),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"triggers[0]": "UPDATE"}, nil}},
		{"triggers removed -> replace", without(base, "triggers"),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"triggers": "DELETE_REPLACE"}, []string{"triggers"}}},
		{"connection changed -> update (not replace)", with(base, "connection", secret(obj("host", "h2", "privateKey", "KEY"))),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"connection": "UPDATE"}, nil}},
		{"unknown create -> update", with(base, "create", resource.MakeComputed(str(""))),
			want{pulumirpc.DiffResponse_DIFF_SOME, map[string]string{"create": "UPDATE"}, nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := stateOf(t, RemoteCommandType, base)
			news := r.Checked(c.news)
			resp := r.Diff(news)
			if resp.GetChanges() != c.want.changes {
				t.Errorf("changes = %v, want %v", resp.GetChanges(), c.want.changes)
			}
			if got := kinds(resp); !reflect.DeepEqual(got, c.want.kinds) {
				t.Errorf("detailed diff = %v, want %v", got, c.want.kinds)
			}
			if !reflect.DeepEqual(resp.GetReplaces(), c.want.replaces) {
				t.Errorf("replaces = %v, want %v", resp.GetReplaces(), c.want.replaces)
			}
			if !resp.GetHasDetailedDiff() {
				t.Errorf("HasDetailedDiff must be true")
			}
		})
	}
}

func TestDiffTriggersAddedIsReplace(t *testing.T) {
	base := props("create", "echo a")
	r := stateOf(t, LocalCommandType, base)
	resp := r.Diff(r.Checked(with(base, "triggers", arr("x"))))
	if !reflect.DeepEqual(resp.GetReplaces(), []string{"triggers"}) || kinds(resp)["triggers"] != "ADD_REPLACE" {
		t.Errorf("adding triggers must replace: %v", resp)
	}
}

func TestDiffCopyToRemoteSourceContent(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/f.txt"
	writeFile(t, p, "one")
	a1, _ := resource.NewPathAsset(p)
	base := props("connection", obj("host", "h"), "remotePath", "/tmp/x", "source", resource.NewProperty(a1))
	r := stateOf(t, CopyToRemoteType, base)
	delete(r.Outs, "stdout")
	delete(r.Outs, "stderr")
	if resp := r.Diff(r.Checked(base)); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("unchanged file asset diffs: %v", resp)
	}
	writeFile(t, p, "two")
	a2, _ := resource.NewPathAsset(p)
	resp := r.Diff(r.Checked(with(base, "source", resource.NewProperty(a2))))
	if resp.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || kinds(resp)["source"] != "UPDATE" || len(resp.GetReplaces()) != 0 {
		t.Errorf("changed file content must be an in-place update of source: %v", resp)
	}
}

func TestPreviewMarksOutputsUnknownWithoutRunning(t *testing.T) {
	dir := t.TempDir()
	r := newTestResource(t, LocalCommandType, "cmd")
	in := r.Checked(props("create", "touch "+dir+"/ran"))
	outs, err := r.Create(in, true)
	if err != nil {
		t.Fatal(err)
	}
	if !outs["stdout"].IsComputed() || !outs["stderr"].IsComputed() {
		t.Errorf("preview create: stdout/stderr must be unknown: %v", outs)
	}
	if outs["create"].StringValue() != "touch "+dir+"/ran" {
		t.Errorf("preview create: inputs must be mirrored: %v", outs)
	}
	if fileExists(dir + "/ran") {
		t.Fatalf("preview create ran the command")
	}
	if _, err := r.Create(in, false); err != nil {
		t.Fatal(err)
	}
	if !fileExists(dir + "/ran") {
		t.Fatalf("create did not run the command")
	}
	_ = removeFile(dir + "/ran")
	// infer's rule: only inputs present in the old state count as changed; a newly added
	// input (here: update) leaves the old stdout known in the preview.
	news := r.Checked(props("create", "touch "+dir+"/ran", "update", "touch "+dir+"/updated"))
	outs, err = r.Update(news, true)
	if err != nil {
		t.Fatal(err)
	}
	if outs["stdout"].IsComputed() {
		t.Errorf("preview update adding a new input: stdout must stay known: %v", outs)
	}
	news = r.Checked(props("create", "touch "+dir+"/ran2", "update", "touch "+dir+"/updated"))
	outs, err = r.Update(news, true)
	if err != nil {
		t.Fatal(err)
	}
	if !outs["stdout"].IsComputed() || !outs["stderr"].IsComputed() {
		t.Errorf("preview update with a changed input: stdout/stderr must be unknown: %v", outs)
	}
	if fileExists(dir+"/updated") || fileExists(dir+"/ran") {
		t.Fatalf("preview update ran a command")
	}
}

func TestReadReturnsStateUnchanged(t *testing.T) {
	r := newTestResource(t, LocalCommandType, "cmd")
	state := props("create", "x", "stdout", "out", "stderr", "")
	resp, err := r.S.Read(context.Background(), &pulumirpc.ReadRequest{
		Urn: r.URN, Id: "id1", Properties: kt.Marshal(t, state, false), Inputs: kt.Marshal(t, props("create", "x"), false),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetId() != "id1" || !kt.Unmarshal(t, resp.GetProperties()).DeepEquals(state) {
		t.Errorf("Read changed the state: %v", resp)
	}
}
