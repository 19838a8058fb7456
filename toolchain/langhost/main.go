// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.
//
// Command pulumi-language-nodejs is this project's own build of the Pulumi language host for
// Node.js programs: the plugin the Pulumi engine starts to run `runtime: nodejs` programs and
// Node policy packs.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the module proxy this
// project builds from does not serve, and the last host inside an allowed module (sdk/v3 v3.68.0)
// predates RunPlugin, so a v3.259 engine cannot start policy packs through it. This program is an
// independent implementation of the LanguageRuntime gRPC service (pulumirpc, sdk/v3 v3.259.0) that
// reproduces the behaviour of upstream's host (Apache-2.0, github.com/pulumi/pulumi,
// sdk/nodejs/cmd/pulumi-language-nodejs) that the Node.js SDK 3.259 and the v3.259 engine rely on:
// the command line of @pulumi/pulumi/cmd/run, the PULUMI_* environment contract (the configuration
// handed over through a pipe rather than node's exec environment: handoff.go), the node_modules
// plugin discovery, exit-code 32 "bail" handling and starting policy packs through
// @pulumi/pulumi/cmd/run-policy-pack. Code generation (GenerateProgram/Project/Package, Pack, Link)
// is deliberately not implemented.
//
// Plugin protocol: started by the engine as `pulumi-language-nodejs [flags] <engine address>`,
// where flags may include --logtostderr, -v=N and --tracing <url>; it serves gRPC on a free
// loopback port and prints that port as the first line on stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"homelab-iac/toolchain/kit/lifecycle"
)

func main() {
	// -v and -logtostderr are registered on the default flag set by glog, which the SDK's logging
	// package imports; the engine passes them when run with --logflow.
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	// Older engines passed the runtime options as flags; accepted so they keep working. With the
	// v3.259 engine the options arrive in ProgramInfo.Options and take precedence.
	_ = flag.String("root", "", "Project root path (accepted for compatibility; the engine sends it per request)")
	typescript := flag.Bool("typescript", true, "Default for the `typescript` runtime option")
	tsconfig := flag.String("tsconfig", "", "Default for the `tsconfig` runtime option")
	nodeargs := flag.String("nodeargs", "", "Default for the `nodeargs` runtime option")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(pluginVersion())
		return
	}

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", *tracing)

	engineAddress := flag.Arg(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	h := newHost(engineAddress, *tracing, defaultOptions{
		typescript: *typescript,
		tsconfig:   *tsconfig,
		nodeargs:   *nodeargs,
	})

	// When the engine dies (SIGKILL, OOM) nothing tells us: stop our node children and exit instead of
	// living on as an orphan (the SDK health check below only pings every 5 minutes).
	lifecycle.ExitWithParent(cancelGrace+2*time.Second, func() {
		h.cancelAll()
		stop()
	})

	// Stop serving (and stop our node children) when we are signalled or the engine goes away.
	cancelServe := make(chan bool)
	go func() {
		<-ctx.Done()
		h.cancelAll()
		close(cancelServe)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check of the engine at %s: %w", engineAddress, err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelServe,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	// The spawner reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// pluginVersion is what GetPluginInfo reports: the Pulumi release this host is built for
// (toolchain/build.sh stamps it with -X .../sdk/v3/go/common/version.Version=v$PULUMI_VERSION).
func pluginVersion() string {
	if version.Version != "" {
		return version.Version
	}
	return "v3.259.0"
}
