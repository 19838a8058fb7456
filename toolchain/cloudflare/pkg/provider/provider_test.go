package provider

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"homelab-iac/toolchain/kit"
	kt "homelab-iac/toolchain/kit/kittest"
)

func failures(fs []*pulumirpc.CheckFailure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.GetProperty()+": "+f.GetReason())
	}
	return out
}

var record = kt.Props("zoneId", "z1", "name", "www.example.org", "type", "A", "content", "203.0.113.7", "ttl", 1,
	"proxied", true, "comment", "homelab-iac: service web via port-forward")

var tunnelConfig = kt.Props("accountId", "acc", "tunnelId", "t1", "config", kt.Obj("ingresses",
	kt.Arr(kt.Obj("hostname", "app.example.org", "service", "http://10.0.20.5:8080"), kt.Obj("service", "http_status:404"))))

func TestCheck(t *testing.T) {
	cases := []struct {
		token string
		news  resource.PropertyMap
		want  []string
	}{
		{dnsRecordToken, record, nil},
		{dnsRecordToken, kt.With(record, "type", "cname"), nil}, // OneOfCaseInsensitive
		{dnsRecordToken, kt.Props("content", "x"), []string{
			"name: missing required property 'name'", "ttl: missing required property 'ttl'",
			"type: missing required property 'type'", "zoneId: missing required property 'zoneId'"}},
		{dnsRecordToken, kt.With(record, "type", "AXFR"), []string{
			`type: value must be one of: ["A" "AAAA" "CAA" "CERT" "CNAME" "DNSKEY" "DS" "HTTPS" "LOC" "MX" "NAPTR" "NS" "OPENPGPKEY" "PTR" "SMIMEA" "SRV" "SSHFP" "SVCB" "TLSA" "TXT" "URI"], got: "AXFR"`}},
		{dnsRecordToken, kt.With(record, "priority", 70000), []string{"priority: value must be between 0 and 65535, got: 70000"}},
		{dnsRecordToken, kt.With(record, "ttl", "auto"), []string{"ttl: expected a number, got string"}},
		{dnsRecordToken, kt.With(record, "data", kt.Obj("tag", "issue")), []string{
			"data: data is an input of the real provider that this stand-in does not implement; " + installTheReal}},
		{tunnelToken, kt.Props("accountId", "acc", "name", "home", "configSrc", "remote"), []string{
			`configSrc: value must be one of: ["local" "cloudflare"], got: "remote"`}},
		{tunnelConfigToken, tunnelConfig, nil},
		{tunnelConfigToken, kt.With(tunnelConfig, "config", kt.Obj("ingresses", kt.Arr(kt.Obj("hostname", "a")))), []string{
			"config.ingresses[0].service: missing required property 'service'"}},
		{tunnelConfigToken, kt.With(tunnelConfig, "config", kt.Obj("ingresses", kt.Arr(kt.Obj("service", "http://x", "originRequest", kt.Obj())))), []string{
			"config.ingresses[0].originRequest: originRequest is an input of the real provider that this stand-in does not implement; " + installTheReal}},
	}
	for i, c := range cases {
		_, fs := kt.New(t, Provider(), c.token, "r").Check(c.news)
		if got := failures(fs); !reflect.DeepEqual(got, c.want) {
			t.Errorf("case %d (%s): failures\n got %q\nwant %q", i, c.token, got, c.want)
		}
	}
}

func TestPreviewPlansDefaultsAndUnknownComputedOutputs(t *testing.T) {
	r := kt.New(t, Provider(), dnsRecordToken, "web")
	outs, err := r.Create(r.Checked(kt.Without(record, "proxied")), true)
	if err != nil {
		t.Fatal(err)
	}
	if outs["proxied"].BoolValue() != false || outs["name"].StringValue() != "www.example.org" {
		t.Errorf("planned inputs: %v", outs)
	}
	for _, k := range []resource.PropertyKey{"createdOn", "modifiedOn", "proxiable", "meta"} {
		if !outs[k].IsComputed() {
			t.Errorf("%s must be unknown in a preview: %v", k, outs[k])
		}
	}
	tun := kt.New(t, Provider(), tunnelToken, "tunnel")
	outs, err = tun.Create(tun.Checked(kt.Props("accountId", "acc", "name", "home", "tunnelSecret", kt.Secret(kt.Str("c2VjcmV0")), "configSrc", "cloudflare")), true)
	if err != nil {
		t.Fatal(err)
	}
	if !outs["tunnelSecret"].IsSecret() || outs["configSrc"].StringValue() != "cloudflare" || !outs["status"].IsComputed() {
		t.Errorf("tunnel plan: %v", outs)
	}
	cfg := kt.New(t, Provider(), tunnelConfigToken, "routes")
	outs, err = cfg.Create(cfg.Checked(tunnelConfig), true)
	if err != nil {
		t.Fatal(err)
	}
	ing := outs["config"].ObjectValue()["ingresses"].ArrayValue()[0].ObjectValue()
	if ing["path"].StringValue() != "" || outs["source"].StringValue() != "local" || !outs["version"].IsComputed() {
		t.Errorf("config plan (ingress path default \"\", source default local): %v", outs)
	}
}

func TestEveryRealOperationIsRefusedClearly(t *testing.T) {
	r := kt.New(t, Provider(), dnsRecordToken, "web")
	_, err := r.Create(r.Checked(record), false)
	if err == nil || !strings.Contains(err.Error(), "cannot reach Cloudflare, so it cannot create "+dnsRecordToken+` "web"`) ||
		!strings.Contains(err.Error(), "pulumi plugin install resource cloudflare 6.22.1") {
		t.Fatalf("create: %v", err)
	}
	r.ID, r.Outs, r.Ins = "rec1", record, record
	if _, err := r.Update(record, false); err == nil || !strings.Contains(err.Error(), "cannot update") {
		t.Errorf("update: %v", err)
	}
	if err := r.Delete(); err == nil || !strings.Contains(err.Error(), "cannot delete") {
		t.Errorf("delete: %v", err)
	}
	if _, err := r.S.Read(context.Background(), &pulumirpc.ReadRequest{Urn: r.URN, Id: "rec1"}); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("read: %v", err)
	}
	s := kit.NewServer(Provider(), nil)
	tok := GetZeroTrustTunnelCloudflaredToken.Token
	if _, err := s.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tok, Args: kt.Marshal(t, kt.Props("accountId", "a", "tunnelId", "t"), false)}); err == nil ||
		!strings.Contains(err.Error(), "cannot fetch a tunnel token") {
		t.Errorf("invoke: %v", err)
	}
	resp, err := s.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tok, Args: kt.Marshal(t, kt.Props("accountId", "a"), false)})
	if err != nil || len(resp.GetFailures()) != 1 || resp.GetFailures()[0].GetProperty() != "tunnelId" {
		t.Errorf("invoke without tunnelId: %v %v", resp, err)
	}
}

func TestDiff(t *testing.T) {
	cases := []struct {
		token          string
		base, news     resource.PropertyMap
		replace, other []string
	}{
		{dnsRecordToken, record, record, nil, nil},
		{dnsRecordToken, kt.With(record, "proxied", false), kt.Without(record, "proxied"), nil, nil}, // default equals recorded
		{dnsRecordToken, record, kt.With(record, "content", "203.0.113.8"), nil, []string{"content"}},
		{dnsRecordToken, record, kt.With(record, "zoneId", "z2"), []string{"zoneId"}, nil},
		{tunnelToken, kt.Props("accountId", "a", "name", "n", "configSrc", "cloudflare"), kt.Props("accountId", "a", "name", "m", "configSrc", "cloudflare"), nil, []string{"name"}},
		{tunnelToken, kt.Props("accountId", "a", "name", "n", "configSrc", "cloudflare"), kt.Props("accountId", "a", "name", "n"), []string{"configSrc"}, nil},
		{tunnelToken, kt.Props("accountId", "a", "name", "n", "configSrc", "local"), kt.Props("accountId", "b", "name", "n"), []string{"accountId"}, nil},
		{tunnelConfigToken, tunnelConfig, kt.With(tunnelConfig, "tunnelId", kt.Unknown()), []string{"tunnelId"}, nil},
	}
	for i, c := range cases {
		r := kt.New(t, Provider(), c.token, "r")
		r.ID = "id1"
		r.Outs, r.Ins = plan(tableOf(c.token), r.Checked(c.base)), c.base
		resp := r.Diff(r.Checked(c.news))
		var other []string
		for k := range resp.GetDetailedDiff() {
			if !contains(resp.GetReplaces(), k) {
				other = append(other, k)
			}
		}
		sort.Strings(other)
		if !reflect.DeepEqual(resp.GetReplaces(), c.replace) || !reflect.DeepEqual(other, c.other) {
			t.Errorf("case %d (%s): replaces %v updates %v, want %v / %v", i, c.token, resp.GetReplaces(), other, c.replace, c.other)
		}
	}
}

func tableOf(token string) []kit.Prop {
	for _, r := range Provider().Resources {
		if r.Token == token {
			return r.Props
		}
	}
	panic(token)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestInputNamesMatchThePinnedSDK: every table's inputs are exactly the <Resource>Args properties of
// the @pulumi/cloudflare 6.22.1 npm SDK the program uses.
func TestInputNamesMatchThePinnedSDK(t *testing.T) {
	sdk := filepath.Join("..", "..", "..", "..", "node_modules", "@pulumi", "cloudflare")
	for file, token := range map[string]string{
		"dnsRecord.d.ts": dnsRecordToken, "zeroTrustTunnelCloudflared.d.ts": tunnelToken,
		"zeroTrustTunnelCloudflaredConfig.d.ts": tunnelConfigToken,
	} {
		got := kit.InputNames(tableOf(token))
		sort.Strings(got)
		if want := argsNames(t, filepath.Join(sdk, file)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: table inputs %v, SDK Args %v", token, got, want)
		}
	}
}

func argsNames(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the pinned npm SDK must be installed (npm ci): %v", err)
	}
	body := regexp.MustCompile(`(?s)export interface \w+Args \{(.*?)\n\}`).FindSubmatch(b)
	if body == nil {
		t.Fatalf("no Args interface in %s", file)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^    (\w+)\??:`).FindAllSubmatch(body[1], -1) {
		names = append(names, string(m[1]))
	}
	sort.Strings(names)
	return names
}
