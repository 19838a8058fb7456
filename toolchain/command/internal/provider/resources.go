package provider

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func computed() resource.PropertyValue { return resource.MakeComputed(resource.NewProperty("")) }

// previousResult extracts the stdout/stderr of a previous create/update from resource state.
func previousResult(state resource.PropertyMap) commandResult {
	p := plain(state)
	out, _ := p.str("stdout")
	errS, _ := p.str("stderr")
	return commandResult{Stdout: out, Stderr: errS}
}

// withResult returns inputs + the outputs of a command run (the upstream output struct embeds the
// inputs, so every input is also an output with the same value and secretness; stdout and stderr
// have no same-named input, so they are never marked secret by the provider — use the
// additionalSecretOutputs resource option for that, as upstream documents).
func withResult(inputs resource.PropertyMap, res commandResult) resource.PropertyMap {
	outs := inputs.Copy()
	outs["stdout"] = resource.NewProperty(res.Stdout)
	outs["stderr"] = resource.NewProperty(res.Stderr)
	if res.Assets != nil {
		m := resource.PropertyMap{}
		for k, a := range res.Assets {
			m[resource.PropertyKey(k)] = resource.NewProperty(a)
		}
		outs["assets"] = resource.NewProperty(m)
	}
	if res.Archive != nil {
		outs["archive"] = resource.NewProperty(res.Archive)
	}
	return outs
}

func runCommand(ctx context.Context, typ, cmd string, in resource.PropertyMap, prev commandResult) (commandResult, error) {
	if typ == LocalCommandType {
		return runLocal(ctx, cmd, plain(in), prev)
	}
	return runRemote(ctx, cmd, plain(in), prev)
}

// Create (all types):
//   - Command (local/remote): the ID is "<resource name><8 random hex>". In preview nothing runs and
//     stdout/stderr are unknown. Otherwise `create` runs when set (absent: nothing runs and
//     stdout/stderr are ""); a failure fails the create (nothing is recorded in the state).
//   - CopyToRemote: the ID is 8 random hex; in preview nothing is copied (ID ""), else source is
//     copied to remotePath.
func doCreate(ctx context.Context, typ, name string, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	switch typ {
	case LocalCommandType, RemoteCommandType:
		id, err := resource.NewUniqueHex(name, 8, 0)
		if err != nil {
			return "", nil, err
		}
		if preview {
			outs := inputs.Copy()
			outs["stdout"] = computed()
			outs["stderr"] = computed()
			return id, outs, nil
		}
		create, ok := plain(inputs).str("create")
		if !ok {
			return id, withResult(inputs, commandResult{}), nil
		}
		res, err := runCommand(ctx, typ, create, inputs, commandResult{})
		if err != nil {
			return "", nil, err
		}
		return id, withResult(inputs, res), nil
	case CopyToRemoteType:
		if preview {
			return "", inputs.Copy(), nil
		}
		if err := copyToRemote(ctx, plain(inputs), inputs["source"]); err != nil {
			return "", nil, err
		}
		id, err := resource.NewUniqueHex("", 8, 0)
		if err != nil {
			return "", nil, err
		}
		return id, inputs.Copy(), nil
	}
	return "", nil, fmt.Errorf("unknown resource type %q", typ)
}

// Update (reached only for changes Diff did not classify as replacements):
//   - Command: runs `update` when set, else `create` when set, else nothing. The run sees the
//     previous stdout/stderr as PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR. Without a run the old
//     stdout/stderr are kept. In preview nothing runs and stdout/stderr (and assets/archive) become
//     unknown if any input changed or is unknown.
//   - CopyToRemote: copies again only when the source hash or remotePath changed (a change of only
//     connection or triggers elements that did not replace copies nothing).
func doUpdate(ctx context.Context, typ string, olds, news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	switch typ {
	case LocalCommandType, RemoteCommandType:
		outs := news.Copy()
		for _, k := range []resource.PropertyKey{"stdout", "stderr", "assets", "archive"} {
			if v, ok := olds[k]; ok {
				outs[k] = v
			}
		}
		if _, ok := outs["stdout"]; !ok {
			outs["stdout"] = resource.NewProperty("")
		}
		if _, ok := outs["stderr"]; !ok {
			outs["stderr"] = resource.NewProperty("")
		}
		if preview {
			markUpdatePreview(typ, olds, news, outs)
			return outs, nil
		}
		p := plain(news)
		cmd, ok := p.str("update")
		if !ok {
			cmd, ok = p.str("create")
		}
		if !ok {
			return outs, nil
		}
		res, err := runCommand(ctx, typ, cmd, news, previousResult(olds))
		if err != nil {
			return nil, err
		}
		outs["stdout"] = resource.NewProperty(res.Stdout)
		outs["stderr"] = resource.NewProperty(res.Stderr)
		if res.Assets != nil || res.Archive != nil {
			upd := withResult(resource.PropertyMap{}, res)
			for k, v := range upd {
				if k == "assets" || k == "archive" {
					outs[k] = v
				}
			}
		}
		return outs, nil
	case CopyToRemoteType:
		if preview {
			return news.Copy(), nil
		}
		if sourceHash(olds) != sourceHash(news) || remotePathOf(olds) != remotePathOf(news) {
			if err := copyToRemote(ctx, plain(news), news["source"]); err != nil {
				return nil, err
			}
		}
		return news.Copy(), nil
	}
	return nil, fmt.Errorf("unknown resource type %q", typ)
}

// Delete: Command runs `delete` when set (with the last stdout/stderr in PULUMI_COMMAND_STDOUT /
// PULUMI_COMMAND_STDERR unless addPreviousOutputInEnv is false), using the connection, environment,
// interpreter, dir, stdin and logging recorded in the state. A failure fails the delete.
// CopyToRemote deletes nothing on the remote host (upstream behaviour).
func doDelete(ctx context.Context, typ string, state resource.PropertyMap) error {
	switch typ {
	case LocalCommandType, RemoteCommandType:
		del, ok := plain(state).str("delete")
		if !ok {
			return nil
		}
		_, err := runCommand(ctx, typ, del, state, previousResult(state))
		return err
	case CopyToRemoteType:
		return nil
	}
	return fmt.Errorf("unknown resource type %q", typ)
}

func sourceHash(m resource.PropertyMap) string {
	v := unsecret(m["source"])
	switch {
	case v.IsAsset():
		return v.AssetValue().Hash
	case v.IsArchive():
		return v.ArchiveValue().Hash
	}
	return ""
}

func remotePathOf(m resource.PropertyMap) string {
	s, _ := plain(m).str("remotePath")
	return s
}
