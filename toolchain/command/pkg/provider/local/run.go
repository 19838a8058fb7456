package local

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/command/pkg/provider/common"
	"homelab-iac/toolchain/kit"
)

// Run runs cmd like upstream local.run: through `interpreter` (default /bin/sh -c) with the
// command string as last argument, in `dir` (default: the provider's working directory, which the
// engine sets to the program directory), with the provider's environment plus `environment`, plus
// PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR = prev (when non-empty and addPreviousOutputInEnv is
// not false), stdin from `stdin` when non-empty. Output is streamed per `logging`. A non-zero exit is
// an error "<exit status N>: running \"<cmd>\":\n<stdout and stderr interleaved>".
func Run(ctx context.Context, cmd string, in kit.Values, prev common.Result) (common.Result, error) {
	args := []string{"/bin/sh", "-c"}
	if interp, ok := in.Strings("interpreter"); ok && len(interp) > 0 {
		args = interp
	}
	args = append(append([]string{}, args...), cmd)

	c := exec.CommandContext(ctx, args[0], args[1:]...)
	ownProcessGroup(c)
	if dir, ok := in.Str("dir"); ok {
		c.Dir = dir
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return common.Result{}, err
		}
		c.Dir = wd
	}
	c.Env = os.Environ()
	for _, kv := range in.Pairs("environment") {
		c.Env = append(c.Env, kv[0]+"="+kv[1])
	}
	if common.AddPreviousOutputInEnv(in) {
		if prev.Stdout != "" {
			c.Env = append(c.Env, common.EnvPrevStdout+"="+prev.Stdout)
		}
		if prev.Stderr != "" {
			c.Env = append(c.Env, common.EnvPrevStderr+"="+prev.Stderr)
		}
	}
	if stdin, ok := in.Str("stdin"); ok && stdin != "" {
		c.Stdin = strings.NewReader(stdin)
	}

	capture, stdout, stderr := common.NewOutputCapture(kit.LoggerFrom(ctx), common.Logging(in))
	c.Stdout, c.Stderr = stdout, stderr
	err := c.Start()
	if err == nil {
		err = c.Wait()
	}
	outS, errS, merged := capture.Finish()
	if err != nil {
		return common.Result{}, fmt.Errorf("%w: running %q:\n%s", err, cmd, merged)
	}

	res := common.Result{Stdout: outS, Stderr: errS}
	if globs, ok := in.Strings("assetPaths"); ok {
		assets, err := globAssets(c.Dir, globs)
		if err != nil {
			return common.Result{}, err
		}
		res.Assets = assets
	}
	if globs, ok := in.Strings("archivePaths"); ok {
		assets, err := globAssets(c.Dir, globs)
		if err != nil {
			return common.Result{}, err
		}
		members := map[string]any{}
		for p, a := range assets {
			members[p] = a
		}
		archive, err := resource.NewAssetArchive(members)
		if err != nil {
			return common.Result{}, err
		}
		res.Archive = archive
	}
	return res, nil
}

// globAssets walks dir and returns the files (never directories) whose slash-separated relative
// path matches the globs, evaluated in order, "!pattern" removing earlier matches (upstream
// semantics; glob syntax: see compileGlob).
func globAssets(dir string, globs []string) (map[string]*resource.Asset, error) {
	type rule struct {
		exclude bool
		match   func(string) bool
	}
	rules := make([]rule, 0, len(globs))
	for _, g := range globs {
		ex := strings.HasPrefix(g, "!")
		m, err := compileGlob(strings.TrimPrefix(g, "!"))
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule{ex, m})
	}
	assets := map[string]*resource.Asset{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		for _, r := range rules {
			if !r.match(p) {
				continue
			}
			if r.exclude {
				delete(assets, p)
			} else {
				a, err := resource.NewPathAsset(path.Join(dir, p))
				if err != nil {
					return err
				}
				assets[p] = a
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return assets, nil
}
