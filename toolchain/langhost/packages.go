// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Plugin discovery, as upstream's Node host does it: walk the program directory; every
// package.json found inside a node_modules tree whose "pulumi" section says "resource": true names
// a resource plugin the program needs. Name: pulumi.name, else the package name without its
// @pulumi/ scope (third-party scopes must set pulumi.name). Version: pulumi.version, else the
// package version, always with a "v" prefix. Nested policy packs (directories holding a
// PulumiPolicy.yaml) are skipped: their dependencies are not the program's.

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs := discoverPackages(programDir(req.GetInfo(), ""))
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is the pre-packages form of the same answer (engines only call it when
// GetRequiredPackages is unimplemented).
func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest, //nolint:staticcheck
) (*pulumirpc.GetRequiredPluginsResponse, error) { //nolint:staticcheck
	dir := programDir(req.GetInfo(), req.GetPwd()) //nolint:staticcheck
	var plugins []*pulumirpc.PluginDependency
	for _, p := range discoverPackages(dir) {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server, Checksums: p.Checksums,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil //nolint:staticcheck
}

// discoverPackages never fails: unreadable or malformed files are logged (-v=3) and skipped, like
// upstream, so one broken package cannot stop a deployment. It also warns (stderr) when copies
// of @pulumi/pulumi with incompatible major versions are installed.
func discoverPackages(dir string) []*pulumirpc.PackageDependency {
	w := &walker{visited: map[string]bool{}, sdkVersions: map[string]semver.Version{}, seen: map[string]bool{}}
	w.walk(dir, false)
	for _, err := range w.errs {
		logging.V(3).Infof("plugin discovery: %v", err)
	}
	warnIncompatibleSDKs(w.sdkVersions)
	return w.pkgs
}

type walker struct {
	visited     map[string]bool
	sdkVersions map[string]semver.Version // package.json path -> @pulumi/pulumi version
	seen        map[string]bool           // dedupe identical declarations (hoisted + nested copies)
	pkgs        []*pulumirpc.PackageDependency
	errs        []error
}

func (w *walker) walk(dir string, inNodeModules bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if w.visited[abs] {
		return
	}
	w.visited[abs] = true

	entries, err := os.ReadDir(abs)
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("reading %s: %w", abs, err))
		return
	}
	childInNodeModules := inNodeModules || filepath.Base(abs) == "node_modules"
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(abs, name)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p) // follows the link
			if err != nil {
				w.errs = append(w.errs, fmt.Errorf("resolving link %s: %w", p, err))
				continue
			}
			isDir = fi.IsDir()
		}
		switch {
		case isDir:
			if name == ".git" || isPolicyPackDir(p) {
				continue
			}
			w.walk(p, childInNodeModules)
		case inNodeModules && name == "package.json":
			w.readPackageJSON(p)
		}
	}
}

func isPolicyPackDir(dir string) bool {
	for _, f := range []string{"PulumiPolicy.yaml", "PulumiPolicy.yml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

type packageJSON struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

func (w *walker) readPackageJSON(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	var info packageJSON
	if err := json.Unmarshal(b, &info); err != nil {
		w.errs = append(w.errs, fmt.Errorf("parsing %s: %w", path, err))
		return
	}
	if info.Name == "@pulumi/pulumi" {
		if v, err := semver.ParseTolerant(info.Version); err == nil {
			w.sdkVersions[path] = v
		} else {
			w.errs = append(w.errs, fmt.Errorf("%s: bad version %q: %w", path, info.Version, err))
		}
	}
	dep, err := packageDependency(info)
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("%s: %w", path, err))
		return
	}
	if dep == nil {
		return
	}
	key := fmt.Sprintf("%s|%s|%s|%v|%v", dep.Name, dep.Version, dep.Server, dep.Parameterization, dep.Extension)
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.pkgs = append(w.pkgs, dep)
}

// packageDependency returns nil when the package has no resource plugin.
func packageDependency(info packageJSON) (*pulumirpc.PackageDependency, error) {
	if !info.Pulumi.Resource {
		return nil, nil
	}
	name := info.Pulumi.Name
	if name == "" {
		switch {
		case info.Name == "":
			return nil, errors.New(`missing "name"`)
		case strings.HasPrefix(info.Name, "@pulumi/"):
			name = strings.TrimPrefix(info.Name, "@pulumi/")
		default:
			return nil, fmt.Errorf(`third-party package %q must set "name" in its "pulumi" section`, info.Name)
		}
	}
	version := info.Pulumi.Version
	if version == "" {
		version = info.Version
	}
	if version == "" {
		return nil, errors.New(`missing "version"`)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	return &pulumirpc.PackageDependency{
		Name:             name,
		Kind:             "resource",
		Version:          version,
		Server:           info.Pulumi.Server,
		Parameterization: parameterization(info.Pulumi.Parameterization),
		Extension:        parameterization(info.Pulumi.ExtensionParameterization),
	}, nil
}

func parameterization(p *plugin.PulumiParameterizationJSON) *pulumirpc.PackageParameterization {
	if p == nil {
		return nil
	}
	return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
}

// warnIncompatibleSDKs prints one warning when two installed @pulumi/pulumi copies differ in
// major version (two copies of the SDK in one program do not share state).
func warnIncompatibleSDKs(versions map[string]semver.Version) {
	paths := make([]string, 0, len(versions))
	for p := range versions {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for i := 1; i < len(paths); i++ {
		a, b := versions[paths[0]], versions[paths[i]]
		if a.Major != b.Major {
			fmt.Fprintf(os.Stderr, "Found incompatible versions of @pulumi/pulumi. Differing major versions are not supported.\n"+
				"  Version %s referenced at %s\n  Version %s referenced at %s\n", a, paths[0], b, paths[i])
			return
		}
	}
}
