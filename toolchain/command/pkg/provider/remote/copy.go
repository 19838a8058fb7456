package remote

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/command/pkg/provider/common"
	"homelab-iac/toolchain/kit"
)

// CopyToRemoteType is the type token of remote.CopyToRemote.
const CopyToRemoteType = "command:remote:CopyToRemote"

var copyProps = []kit.Prop{
	connectionProp(),
	kit.In("remotePath", kit.String, "The destination path on the remote host. The last element of the path will be created if it doesn't exist but it's an error when additional elements don't exist. When the remote path is an existing directory, the source file or directory will be copied into that directory. When the source is a file and the remote path is an existing file, that file will be overwritten. When the source is a directory and the remote path an existing file, the copy will fail.").Req(),
	kit.In("source", kit.AssetOrArchive, "An asset or an archive to upload as the source of the copy. It must be path-based, i.e., be a FileAsset or FileArchive. The item will be copied as-is; archives like .tgz will not be unpacked. Directories are copied recursively, overwriting existing files.").Req(),
	kit.In("triggers", kit.ArrayOf(kit.AnyValue), "Trigger replacements on changes to this input.").ForceNew(),
}

// CopyToRemote is command:remote:CopyToRemote.
//   - Create copies (preview: nothing, ID ""; real ID: 8 random hex).
//   - Update copies again only when the source's hash or remotePath changed (a change of only the
//     connection, or of trigger elements that did not replace, copies nothing).
//   - Delete removes nothing on the remote host (upstream behaviour).
var CopyToRemote = &kit.Resource{
	Token:       CopyToRemoteType,
	Description: "Copy an Asset or Archive to a remote host.",
	Props:       copyProps,
	Validate:    validateSource,
	Diff:        func(req kit.DiffRequest) kit.DiffResult { return common.Diff(copyProps, req) },
	Create: func(ctx context.Context, req kit.CreateRequest) (kit.CreateResult, error) {
		if req.Preview {
			return kit.CreateResult{Outputs: req.Inputs.Copy()}, nil
		}
		if err := copyToRemote(ctx, kit.Plain(req.Inputs), req.Inputs["source"]); err != nil {
			return kit.CreateResult{}, err
		}
		id, err := resource.NewUniqueHex("", 8, 0)
		if err != nil {
			return kit.CreateResult{}, err
		}
		return kit.CreateResult{ID: id, Outputs: req.Inputs.Copy()}, nil
	},
	Update: func(ctx context.Context, req kit.UpdateRequest) (resource.PropertyMap, error) {
		if req.Preview {
			return req.News.Copy(), nil
		}
		if sourceHash(req.Olds) != sourceHash(req.News) || remotePathOf(req.Olds) != remotePathOf(req.News) {
			if err := copyToRemote(ctx, kit.Plain(req.News), req.News["source"]); err != nil {
				return nil, err
			}
		}
		return req.News.Copy(), nil
	},
}

// validateSource: `source` must be exactly one asset or archive; an asset must be a FileAsset
// (path) or a StringAsset (text), an archive a path FileArchive (file or directory). Upstream's
// messages and property names (pulumi-go-provider's AssetOrArchive fields "asset"/"archive").
func validateSource(in kit.Values, fail kit.FailFunc) {
	v, ok := in.M["source"]
	if !ok || kit.IsUnknown(v) {
		return // missing: the table's required check reports it
	}
	switch {
	case v.IsAsset():
		if a := v.AssetValue(); !a.IsPath() && !a.IsText() {
			fail("asset", "asset must be a path-based file asset or a text asset")
		}
	case v.IsArchive():
		if !v.ArchiveValue().IsPath() {
			fail("archive", "archive must be a path to a file or directory")
		}
	default:
		fail("asset", "either asset or archive must be set")
	}
}

func sourceHash(m resource.PropertyMap) string {
	v := kit.Unsecret(m["source"])
	switch {
	case v.IsAsset():
		return v.AssetValue().Hash
	case v.IsArchive():
		return v.ArchiveValue().Hash
	}
	return ""
}

func remotePathOf(m resource.PropertyMap) string {
	s, _ := kit.Plain(m).Str("remotePath")
	return s
}
