package provider

import "homelab-iac/toolchain/kit"

const dnsRecordToken = "cloudflare:index/dnsRecord:DnsRecord"

// dnsRecordTypes: terraform-provider-cloudflare dns_record `type` OneOfCaseInsensitive.
var dnsRecordTypes = []string{"A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR",
	"NS", "OPENPGPKEY", "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI"}

var dnsRecordSettings = &kit.ObjectType{
	Token:       "cloudflare:index/DnsRecordSettings:DnsRecordSettings",
	Description: "Settings for the DNS record.",
	Props: []kit.Prop{
		kit.Field("flattenCname", kit.Boolean, "If enabled, causes the CNAME record to be resolved externally and the resulting address records (e.g., A and AAAA) to be returned instead of the CNAME record itself.").Def(false),
		kit.Field("ipv4Only", kit.Boolean, "When enabled, only A records will be generated, and AAAA records will not be created.").Def(false),
		kit.Field("ipv6Only", kit.Boolean, "When enabled, only AAAA records will be generated, and A records will not be created.").Def(false),
	},
}

var dnsRecordProps = []kit.Prop{
	kit.In("comment", kit.String, "Comments or notes about the DNS record. This field has no effect on DNS responses.").Optional(),
	kit.In("content", kit.String, "A valid IPv4 address.").Optional(),
	kit.In("data", kit.AnyValue, "Components of a record (CAA, SRV, …). Not implemented by the stand-in.").Optional(),
	kit.In("includeShadowMetadata", kit.Boolean, "Whether to include shadow metadata in the `meta` field of each record in the response.").Optional(),
	kit.In("name", kit.String, "DNS record name (or @ for the zone apex) in Punycode.").Req(),
	kit.In("priority", kit.Number, "Required for MX, SRV and URI records; unused by other record types. Records with lower priorities are preferred.").Optional(),
	kit.In("privateRouting", kit.Boolean, "Enables private network routing to the origin.").Optional(),
	kit.In("proxied", kit.Boolean, "Whether the record is receiving the performance and security benefits of Cloudflare.").Def(false),
	kit.In("settings", kit.ObjectOf(dnsRecordSettings), "Settings for the DNS record."),
	kit.In("tags", kit.ArrayOf(kit.String), "Custom tags for the DNS record. This field has no effect on DNS responses."),
	kit.In("ttl", kit.Number, "Time To Live (TTL) of the DNS record in seconds. Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the minimum reduced to 30 for Enterprise zones.").Req(),
	kit.In("type", kit.String, "Record type.").Req(),
	kit.In("zoneId", kit.String, "Identifier.").Req().ForceNew(),
	kit.Out("commentModifiedOn", kit.String, "When the record comment was last modified. Omitted if there is no comment."),
	kit.Out("createdOn", kit.String, "When the record was created."),
	kit.Out("meta", kit.String, "Extra Cloudflare-specific information about the record."),
	kit.Out("modifiedOn", kit.String, "When the record was last modified."),
	kit.Out("proxiable", kit.Boolean, "Whether the record can be proxied by Cloudflare or not."),
	kit.Out("tagsModifiedOn", kit.String, "When the record tags were last modified. Omitted if there are no tags."),
}

// DnsRecord is cloudflare:index/dnsRecord:DnsRecord: a change of zoneId replaces it, every other
// change updates it in place.
var DnsRecord = standinResource(&kit.Resource{
	Token:       dnsRecordToken,
	Description: "A DNS record in a Cloudflare zone. (homelab-iac stand-in: plans only.)",
	Props:       dnsRecordProps,
	Validate: func(in kit.Values, fail kit.FailFunc) {
		oneOfCaseInsensitive(in, "type", dnsRecordTypes, fail)
		if n, ok := in.Num("priority"); ok && (n < 0 || n > 65535) {
			fail("priority", "value must be between 0 and 65535, got: %v", n)
		}
		unsupported(in, fail, "data")
	},
}, []string{"commentModifiedOn", "createdOn", "meta", "modifiedOn", "proxiable", "tagsModifiedOn"})
