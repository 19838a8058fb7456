// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// InstallDependencies (`pulumi install`, `pulumi new`, installing a policy pack) installs the
// program's node_modules. For npm it runs the same command as scripts/setup.sh,
// `npm ci --ignore-scripts --no-audit --no-fund --loglevel=error` (`npm install ...` when there is no
// package-lock.json): reproducible from the lockfile, and without the @pulumi/* install scripts,
// which try to download provider plugins. Set HOMELAB_NPM_RUN_SCRIPTS=true to run install
// scripts. yarn/pnpm/bun projects use the SDK's own installers.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	ctx := srv.Context()
	var mu sync.Mutex
	send := func(r *pulumirpc.InstallDependenciesResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return srv.Send(r)
	}
	stdout := writerFunc(func(p []byte) (int, error) {
		if err := send(&pulumirpc.InstallDependenciesResponse{Stdout: append([]byte(nil), p...)}); err != nil {
			return 0, err
		}
		return len(p), nil
	})
	stderr := writerFunc(func(p []byte) (int, error) {
		if err := send(&pulumirpc.InstallDependenciesResponse{Stderr: append([]byte(nil), p...)}); err != nil {
			return 0, err
		}
		return len(p), nil
	})

	dir := programDir(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck
	opts, err := h.options(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	root := dir
	if ws, err := npm.FindWorkspaceRoot(dir); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
		root = ws
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("looking for a workspace root above %s: %w", dir, err)
	}
	pm, err := npm.ResolvePackageManager(opts.packagemanager, root)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if pm.Name() == "npm" {
		err = npmInstall(ctx, root, stdout, stderr)
	} else {
		_, err = npm.Install(ctx, npm.PackageManagerType(pm.Name()), root, false, stdout, stderr)
	}
	if err != nil {
		return fmt.Errorf("installing dependencies in %s with %s: %w", root, pm.Name(), err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return nil
}

func npmInstall(ctx context.Context, dir string, stdout, stderr io.Writer) error {
	npmBin, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("could not find npm on the $PATH: %w", err)
	}
	verb := "install"
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		verb = "ci"
	}
	args := []string{verb, "--no-audit", "--no-fund", "--loglevel=error"}
	if os.Getenv("HOMELAB_NPM_RUN_SCRIPTS") != "true" {
		args = append(args, "--ignore-scripts")
	}
	fmt.Fprintf(stdout, "$ npm %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, npmBin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd.Run()
}

// GetProgramDependencies lists the installed packages from the lockfile (npm, yarn, pnpm, bun).
func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd()) //nolint:staticcheck
	opts, err := h.options(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(opts.packagemanager, dir)
	if err != nil {
		return nil, fmt.Errorf("could not determine the package manager: %w", err)
	}
	pkgs, err := pm.ListPackages(ctx, dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("could not list the program's node dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// About (`pulumi about`): node's path and version, the package manager and its version.
func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := h.options(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	nodeBin, err := findNode()
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Metadata:   map[string]string{"languageHost": "homelab-iac toolchain/langhost"},
	}
	if out, err := exec.CommandContext(ctx, nodeBin, "--version").Output(); err == nil {
		resp.Version = strings.TrimSpace(string(out))
	}
	dir := programDir(req.GetInfo(), "")
	if pm, err := npm.ResolvePackageManager(opts.packagemanager, dir); err == nil {
		resp.Metadata["packagemanager"] = pm.Name()
		if v, err := pm.Version(); err == nil {
			resp.Metadata["packagemanagerVersion"] = v.String()
		}
	}
	return resp, nil
}
