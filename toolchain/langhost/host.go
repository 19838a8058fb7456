// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// host implements pulumirpc.LanguageRuntimeServer. Methods that are not implemented (code
// generation, Pack, Link) answer codes.Unimplemented through the embedded type, which the engine
// treats as "not supported by this language".
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	defaults      defaultOptions

	// cancelCtx is cancelled by the Cancel RPC (and on shutdown); every node process we start
	// is bound to it.
	cancelCtx  context.Context
	cancelFunc context.CancelFunc
}

func newHost(engineAddress, tracing string, defaults defaultOptions) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{
		engineAddress: engineAddress,
		tracing:       tracing,
		defaults:      defaults,
		cancelCtx:     ctx,
		cancelFunc:    cancel,
	}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *host) cancelAll() { h.cancelFunc() }

// Handshake is only called by engines that attach to an already running host
// (PULUMI_DEBUG_LANGUAGES); a spawned host gets the engine address as its positional argument.
func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: pluginVersion()}, nil
}

// Cancel stops every node process this host started (SIGINT first, SIGKILL after a grace period).
func (h *host) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelAll()
	return &emptypb.Empty{}, nil
}

// Template is a no-op for Node.js (nothing to rewrite in a template).
func (h *host) Template(ctx context.Context, _ *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

// RuntimeOptionsPrompts asks nothing: `pulumi new` then keeps the defaults (npm, TypeScript).
func (h *host) RuntimeOptionsPrompts(
	ctx context.Context, _ *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// ---------------------------------------------------------------------------------- options

// defaultOptions are the values the host was started with (flags); ProgramInfo.Options override them.
type defaultOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   string
}

// nodeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml / PulumiPlugin.yaml
// that matter to a Node.js program.
type nodeOptions struct {
	typescript     bool                   // run through ts-node (default true)
	tsconfig       string                 // PULUMI_NODEJS_TSCONFIG_PATH
	nodeargs       []string               // extra arguments for node itself
	packagemanager npm.PackageManagerType // auto|npm|yarn|pnpm|bun
}

func (h *host) options(s *structpb.Struct) (nodeOptions, error) {
	o := nodeOptions{
		typescript:     h.defaults.typescript,
		tsconfig:       h.defaults.tsconfig,
		packagemanager: npm.AutoPackageManager,
	}
	rawArgs := h.defaults.nodeargs
	m := s.AsMap() // nil-safe
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return o, fmt.Errorf("runtime option 'typescript' must be a boolean, got %T", v)
		}
		o.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		str, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option 'tsconfig' must be a string, got %T", v)
		}
		o.tsconfig = str
	}
	if v, ok := m["nodeargs"]; ok {
		str, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option 'nodeargs' must be a string, got %T", v)
		}
		rawArgs = str
	}
	if v, ok := m["packagemanager"]; ok {
		str, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("runtime option 'packagemanager' must be a string, got %T", v)
		}
		switch pm := npm.PackageManagerType(str); pm {
		case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager,
			npm.PnpmPackageManager, npm.BunPackageManager:
			o.packagemanager = pm
		default:
			return o, fmt.Errorf("runtime option 'packagemanager' must be one of auto, npm, yarn, pnpm or bun, got %q", str)
		}
	}
	args, err := splitArgs(rawArgs)
	if err != nil {
		return o, fmt.Errorf("runtime option 'nodeargs': %w", err)
	}
	o.nodeargs = args
	return o, nil
}

// env returns the PULUMI_NODEJS_* variables @pulumi/pulumi's cmd/run* scripts read for these options.
func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// splitArgs splits a command-line fragment the way a POSIX shell would for the simple cases that
// occur in `nodeargs` (whitespace, single and double quotes, backslash escapes); no expansions.
func splitArgs(s string) ([]string, error) {
	var (
		args    []string
		cur     strings.Builder
		inArg   bool
		quote   rune
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inArg = true, true
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if escaped {
		return nil, fmt.Errorf("trailing backslash in %q", s)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// ---------------------------------------------------------------------------------- node

// findNode locates the node executable on PATH (scripts/env.sh puts the pinned Node first).
func findNode() (string, error) {
	p, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	return p, nil
}

// errModuleNotFound wraps the message of a failed module resolution.
var errModuleNotFound = errors.New("module not found")

// resolveModule asks node where `mod` resolves from dir (node's own resolution, so hoisting,
// workspaces and symlinked installs behave exactly as they will at run time). On failure the
// error text contains node's own "Cannot find module '<mod>'" line (the engine recognises it for
// policy packs) followed by installHint.
func resolveModule(ctx context.Context, nodeBin, dir, mod, installHint string) (string, error) {
	// Kept on one line: some node shims mangle multi-line -e scripts.
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)); } catch (e) { `+
		`console.error(e.code === "MODULE_NOT_FOUND" ? "Cannot find module '" + %q + "' from " + process.cwd() + "." : e.message); `+
		`process.exit(1); }`, mod, mod)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("%w: %s\nIt looks like the Pulumi SDK has not been installed. Have you run %s?",
			errModuleNotFound, msg, installHint)
	}
	p := strings.TrimSpace(string(out))
	if p == "" {
		return "", fmt.Errorf("%w: node resolved %s to an empty path", errModuleNotFound, mod)
	}
	logging.V(5).Infof("resolved %s from %s to %s", mod, dir, p)
	return p, nil
}

// programDir picks the directory the program lives in: ProgramInfo's when the engine sent one.
func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if fallback != "" {
		return fallback
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// nodeEnv is the environment node children get: `base` (the engine's environment) plus extras,
// later entries winning (exec uses the last value of a duplicated key).
func nodeEnv(base []string, extra ...string) []string {
	env := make([]string, 0, len(base)+len(extra))
	env = append(env, base...)
	return append(env, extra...)
}

// contextWithCancelFrom returns a context cancelled when either parent or other is.
func contextWithCancelFrom(parent, other context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	stop := context.AfterFunc(other, cancel)
	return ctx, func() { stop(); cancel() }
}
