package provider

import (
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	kt "homelab-iac/toolchain/kit/kittest"
)

func TestBytesCreate(t *testing.T) {
	r := kt.New(t, Provider(), bytesToken, "hostkey")
	outs, err := r.Create(r.Checked(kt.Props("length", 32)), false)
	if err != nil {
		t.Fatal(err)
	}
	if !outs["base64"].IsSecret() || !outs["hex"].IsSecret() {
		t.Fatalf("base64 and hex must be secret outputs: %v", outs)
	}
	b64 := outs["base64"].SecretValue().Element.StringValue()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		t.Fatalf("base64 %q does not decode to 32 bytes (%v)", b64, err)
	}
	if h := outs["hex"].SecretValue().Element.StringValue(); h != hex.EncodeToString(raw) {
		t.Errorf("hex %q is not the same bytes as base64", h)
	}
	if r.ID != b64 {
		t.Errorf("ID = %q, want the base64 value (pulumi-random's recorded ID)", r.ID)
	}
	again := kt.New(t, Provider(), bytesToken, "other")
	outs2, _ := again.Create(again.Checked(kt.Props("length", 32)), false)
	if outs2["base64"].SecretValue().Element.StringValue() == b64 {
		t.Errorf("two creates gave the same bytes")
	}
}

func TestBytesCheckAndPreview(t *testing.T) {
	r := kt.New(t, Provider(), bytesToken, "k")
	if _, fs := r.Check(kt.Props("length", 0)); len(fs) != 1 || fs[0].GetReason() != "value must be at least 1, got: 0" {
		t.Errorf("length 0 must fail: %v", fs)
	}
	if _, fs := r.Check(kt.Props()); len(fs) != 1 || fs[0].GetProperty() != "length" {
		t.Errorf("missing length must fail: %v", fs)
	}
	outs, err := r.Create(r.Checked(kt.Props("length", 16)), true)
	if err != nil || !outs["base64"].IsComputed() || !outs["hex"].IsComputed() {
		t.Errorf("preview: base64/hex must be unknown: %v %v", outs, err)
	}
}

func TestBytesDiffReplacesOnLengthAndKeepers(t *testing.T) {
	r := kt.New(t, Provider(), bytesToken, "k")
	base := kt.Props("length", 16, "keepers", kt.Obj("vm", "web1"))
	if _, err := r.Create(r.Checked(base), false); err != nil {
		t.Fatal(err)
	}
	if resp := r.Diff(r.Checked(base)); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("unchanged inputs must not diff: %v", kt.Kinds(resp))
	}
	if got := r.Diff(r.Checked(kt.With(base, "length", 32))).GetReplaces(); !reflect.DeepEqual(got, []string{"length"}) {
		t.Errorf("length change replaces = %v", got)
	}
	if got := r.Diff(r.Checked(kt.With(base, "keepers", kt.Obj("vm", "web2")))).GetReplaces(); !reflect.DeepEqual(got, []string{"keepers.vm"}) {
		t.Errorf("keeper change replaces = %v", got)
	}
}
