// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	policyPackModule = "@pulumi/pulumi/cmd/run-policy-pack"
	pluginModule     = "@pulumi/pulumi/cmd/run-plugin"
)

// RunPlugin runs a plugin written in Node.js that the engine found as a directory rather than a
// binary: a policy pack (kind "analyzer", PulumiPolicy.yaml) or a provider/tool/converter
// (PulumiPlugin.yaml). The engine passes the plugin's own command line in req.Args
// ([--logtostderr] [-v=N] [--tracing URL] <engine address>) and expects, on the response stream,
// the process's stdout and stderr (stdout's first line being the gRPC port the plugin serves on)
// and finally its exit code.
//
// Policy packs run `node @pulumi/pulumi/cmd/run-policy-pack <engine address> <pack dir>` in the
// pack directory, resolved from the PACK's node_modules. Like upstream, the pack is fronted by
// the SDK's PolicyProxy (sdk/v3 policy_proxy.go): the engine talks to the proxy first, and the
// stack's organization/project/stack/dry-run/config from the engine's ConfigureStack call are
// handed to the pack as the PULUMI_NODEJS_* / PULUMI_CONFIG environment that @pulumi/policy
// reads at start-up; every later call is forwarded to the real pack.
//
// Other kinds run `node @pulumi/pulumi/cmd/run-plugin <plugin dir> <args...>` in the engine's
// working directory. (Dynamic providers never come here: the engine starts them through the
// pulumi-resource-pulumi-nodejs script that ships with @pulumi/pulumi.)
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, srv grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := srv.Context()
	if req.GetAttachDebugger() {
		return status.Error(codes.Unimplemented, "this language host (homelab-iac toolchain) cannot attach a debugger to plugins")
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts, err := h.options(info.GetOptions())
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	nodeBin, err := findNode()
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}

	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	module := policyPackModule
	if !analyzer {
		if module = os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); module == "" {
			module = pluginModule
		}
	}
	runPath, err := resolveModule(ctx, nodeBin, dir, module, "npm ci (or npm install) in "+dir)
	if err != nil {
		// Becomes the engine's "could not read plugin [...]: <this>" error.
		return status.Error(codes.FailedPrecondition, strings.TrimPrefix(err.Error(), errModuleNotFound.Error()+": "))
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	if analyzer {
		engine := engineAddressFromArgs(req.GetArgs())
		if engine == "" {
			engine = h.engine()
		}
		args = append(args, engine, dir)
	} else {
		args = append(args, dir)
		args = append(args, req.GetArgs()...)
	}

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	env = nodeEnv(env, opts.env()...)

	out := &pluginStream{srv: srv}
	stdout, stderr := out.writer(false), out.writer(true)

	// The stack's configuration goes to the pack like a program's (handoff.go), not in its environment.
	handed := map[string]string{}
	var proxy *sdk.PolicyProxy
	childStdout := stdout
	if analyzer {
		// Prints the proxy's port (the engine connects to it), then waits for ConfigureStack.
		proxy, childStdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return status.Errorf(codes.Internal, "could not start policy pack proxy: %v", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return status.Errorf(codes.Aborted, "waiting for the policy pack's stack configuration: %v", err)
		}
		if stack != nil {
			cfg, err := configJSON(stack.GetConfig())
			if err != nil {
				return status.Errorf(codes.InvalidArgument, "policy pack configuration: %v", err)
			}
			set := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			set("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
			set("PULUMI_NODEJS_PROJECT", stack.GetProject())
			set("PULUMI_NODEJS_STACK", stack.GetStack())
			set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
			handed["PULUMI_CONFIG"] = cfg
			if keys := stack.GetConfigSecretKeys(); len(keys) > 0 {
				b, err := json.Marshal(keys)
				if err != nil {
					return status.Errorf(codes.InvalidArgument, "policy pack secret keys: %v", err)
				}
				handed["PULUMI_CONFIG_SECRET_KEYS"] = string(b)
			}
		}
	}

	var handoff *configHandoff
	if len(handed) > 0 {
		if handoff, err = newConfigHandoff(handed); err != nil {
			return status.Errorf(codes.Internal, "could not prepare the configuration hand-over: %v", err)
		}
		defer handoff.close()
		args = append(handoff.nodeArgs(), args...)
	}

	cmdCtx, cancel := contextWithCancelFrom(ctx, h.cancelCtx)
	defer cancel()
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = cancelGrace
	if analyzer || req.GetPwd() == "" {
		// Policy packs have always run in their own directory.
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout = childStdout
	cmd.Stderr = stderr
	logging.V(5).Infof("language host launching plugin (%s): %s %s", req.GetKind(), nodeBin, strings.Join(args, " "))

	if handoff != nil {
		handoff.attach(cmd)
	}
	if err := cmd.Start(); err != nil {
		return status.Errorf(codes.Internal, "Problem executing plugin program (could not run language executor): %v", err)
	}
	if handoff != nil {
		handoff.started()
	}
	var waitErr error
	if proxy != nil {
		waitErr = proxy.Attach(ctx, cmd) // waits for the process too
	} else {
		waitErr = cmd.Wait()
	}

	code := int32(0)
	if waitErr != nil {
		var ee *exec.ExitError
		switch {
		case errors.As(waitErr, &ee):
			code = exitCode(ee.ProcessState)
		case proxy != nil:
			// The proxy gave up, typically because the pack exited before printing its port: the
			// pack's own error is already on the stderr stream and the engine reports the proxy's
			// error ("policy pack not started: ..."), so nothing is added here.
			code = 1
		default:
			fmt.Fprintf(stderr, "%v\n", waitErr)
			code = 1
		}
	}
	_ = out.send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
	return nil
}

// engineAddressFromArgs returns the positional argument of a plugin command line built by the
// engine (buildPluginArguments: [--logtostderr] [-v=N] [--tracing URL] <address>). The policy pack
// runner parses its arguments without flag declarations, so flags must not reach it.
func engineAddressFromArgs(args []string) string {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--tracing" || a == "-tracing":
			i++ // skip the URL
		case strings.HasPrefix(a, "-"):
			// --logtostderr, -v=N, --tracing=URL, ...
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) == 0 {
		return ""
	}
	return positional[len(positional)-1]
}

// pluginStream serialises writes onto the RunPlugin response stream (gRPC streams must not be
// sent on concurrently, and exec copies stdout and stderr from separate goroutines).
type pluginStream struct {
	mu  sync.Mutex
	srv grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	err error
}

func (s *pluginStream) send(r *pulumirpc.RunPluginResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = s.srv.Send(r)
	}
	return s.err
}

func (s *pluginStream) writer(stderr bool) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		b := append([]byte(nil), p...)
		var r *pulumirpc.RunPluginResponse
		if stderr {
			r = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
		} else {
			r = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
		}
		if err := s.send(r); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// exitCode is the process's exit status, 128+N when it was killed by signal N.
func exitCode(ps *os.ProcessState) int32 {
	if st, ok := ps.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		return 128 + int32(st.Signal())
	}
	return int32(ps.ExitCode())
}
