// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"bytes"
	"context"
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
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// The module that runs a program; PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it (as upstream).
	defaultRunModule = "@pulumi/pulumi/cmd/run"

	// Exit code with which @pulumi/pulumi/cmd/run says "the error was already reported to the
	// user": the engine is told to bail without adding a message of its own.
	exitCodeAlreadyReported = 32

	// How long a node process gets between SIGINT and SIGKILL when a run is cancelled.
	cancelGrace = 5 * time.Second
)

// Run executes the program: node <nodeargs> --require <config preload> <@pulumi/pulumi/cmd/run>
// <flags> <entry point> <args>, with the configuration handed over through a pipe into
// PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS (handoff.go) and the TypeScript options in
// PULUMI_NODEJS_*. Program output goes straight to our stdout/stderr, which the engine displays.
//
// Results, as the engine expects them: a clean exit is success; exit code 32 is Bail (the SDK has
// already logged the error through the engine); any other failure is RunResponse.Error with one
// short sentence. RPC errors are only used for requests we cannot serve at all.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "this language host (homelab-iac toolchain) does not support --attach-debugger"}, nil
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts, err := h.options(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeBin, err := findNode()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runModule := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runModule == "" {
		runModule = defaultRunModule
	}
	runPath, err := resolveModule(ctx, nodeBin, dir, runModule, "`pulumi install` (or npm ci)")
	if err != nil {
		return &pulumirpc.RunResponse{Error: strings.TrimPrefix(err.Error(), errModuleNotFound.Error()+": ")}, nil
	}
	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize configuration: %v", err)}, nil
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("failed to serialize secret configuration keys: %v", err)}, nil
	}

	// Synchronous invokes (old SDKs' invokeSync) go through a pair of FIFOs we serve.
	syncDir := ""
	if si, err := startSyncInvokes(req.GetMonitorAddress()); err != nil {
		logging.V(3).Infof("sync invokes unavailable: %v", err)
	} else if si != nil {
		defer si.close()
		syncDir = si.dir
	}

	handoff, err := newConfigHandoff(map[string]string{
		"PULUMI_CONFIG": cfg, "PULUMI_CONFIG_SECRET_KEYS": string(secretKeys),
	})
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not prepare the configuration hand-over: %v", err)}, nil
	}
	defer handoff.close()

	args := append([]string{}, opts.nodeargs...)
	args = append(args, handoff.nodeArgs()...)
	args = append(args, runPath)
	args = append(args, runFlags(req, h.engine(), h.tracing, syncDir, dir)...)
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "." // package.json "main" (or index.js)
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := nodeEnv(os.Environ(), opts.env()...)

	logging.V(5).Infof("language host launching: %s %s", nodeBin, strings.Join(args, " "))

	// A cancelled Run request or a Cancel RPC interrupts node.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stopAfter := context.AfterFunc(ctx, cmdCancel)
	defer stopAfter()

	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = cancelGrace
	cmd.Dir = dir
	cmd.Env = env
	// Never hand node our own stdout/stderr fds: node may switch them to non-blocking mode, which
	// then breaks our writes (EAGAIN). Wrapping forces exec to copy through a pipe.
	oom := &oomWatcher{w: os.Stderr}
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = oom

	handoff.attach(cmd)
	if err = cmd.Start(); err == nil {
		handoff.started()
		err = cmd.Wait()
	}
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", st.Signal())}, nil
	}
	switch code := ee.ExitCode(); code {
	case exitCodeAlreadyReported:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		msg := fmt.Sprintf("Program exited with non-zero exit code: %d", code)
		if oom.detected() {
			msg += ". Detected a possible out of memory error: raise node's heap limit with the `nodeargs` " +
				"runtime option in Pulumi.yaml, e.g. `nodeargs: --max-old-space-size=<megabytes>`"
		}
		return &pulumirpc.RunResponse{Error: msg}, nil
	}
}

// runFlags are the flags @pulumi/pulumi/cmd/run understands (see its usage()), in upstream's order.
func runFlags(req *pulumirpc.RunRequest, engine, tracing, syncDir, pwd string) []string {
	var args []string
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("sync", syncDir)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	// req.QueryMode is not forwarded: `pulumi query` is gone and cmd/run no longer declares the
	// flag (an undeclared boolean would swallow the entry point as its value).
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", tracing)
	return args
}

// configJSON renders the stack configuration as the SDK reads it from PULUMI_CONFIG. Keys are
// sent in the legacy "<namespace>:config:<name>" form, which every @pulumi/pulumi version
// understands (newer ones normalise it back to "<namespace>:<name>").
func configJSON(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// oomWatcher passes node's stderr through and remembers whether V8 reported running out of heap.
type oomWatcher struct {
	w    io.Writer
	mu   sync.Mutex
	tail []byte
	hit  bool
}

var oomMarkers = [][]byte{
	[]byte("<--- Last few GCs --->"),
	[]byte("JavaScript heap out of memory"),
}

func (o *oomWatcher) Write(p []byte) (int, error) {
	o.mu.Lock()
	if !o.hit {
		buf := append(o.tail, p...)
		for _, m := range oomMarkers {
			if bytes.Contains(buf, m) {
				o.hit = true
			}
		}
		if n := 64; len(buf) > n {
			buf = buf[len(buf)-n:]
		}
		o.tail = append(o.tail[:0], buf...)
	}
	o.mu.Unlock()
	return o.w.Write(p)
}

func (o *oomWatcher) detected() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hit
}
