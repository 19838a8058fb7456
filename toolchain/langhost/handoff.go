// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
)

// The stack configuration reaches node through an inherited pipe instead of the environment.
//
// Why: @pulumi/pulumi (3.259 and 3.276 alike: runtime/config.js, runtime/state.js LocalStore) reads
// the configuration only from process.env.PULUMI_CONFIG, and the upstream language host puts the
// whole configuration, JSON-encoded, into that one variable of node's exec environment. Linux
// refuses to exec a process with any single environment string longer than MAX_ARG_STRLEN (32
// pages, 128 KiB) — "fork/exec .../node: argument list too long" (pulumi/pulumi#8680, still open;
// #20402 for policy packs) — which an inventory of ~800 machines exceeds. Here node starts with
// `--require config-preload.js` and fd 3 the read end of a pipe; the preload reads the JSON and
// sets process.env before the SDK loads, so the SDK's contract is untouched, the size is limited
// only by memory, and the configuration (which holds decrypted secrets) never touches the disk
// nor the exec environment (/proc/<pid>/environ).

//go:embed config-preload.js
var preloadJS []byte

// configFDVar tells the preload which inherited descriptor carries the configuration.
const configFDVar = "HOMELAB_LANGHOST_CONFIG_FD"

// configHandoff is one hand-over of environment variables to one node process.
type configHandoff struct {
	dir     string // private temp dir holding the preload script
	r, w    *os.File
	payload []byte
	once    sync.Once
}

// newConfigHandoff prepares handing vars (e.g. PULUMI_CONFIG) to a node process.
func newConfigHandoff(vars map[string]string) (*configHandoff, error) {
	payload, err := json.Marshal(vars)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pulumi-nodejs-config-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config-preload.js"), preloadJS, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &configHandoff{dir: dir, r: r, w: w, payload: payload}, nil
}

// nodeArgs are the arguments that load the preload (they go before the script node runs).
func (h *configHandoff) nodeArgs() []string {
	return []string{"--require", filepath.Join(h.dir, "config-preload.js")}
}

// attach gives cmd the pipe's read end as an inherited descriptor and names it in the environment.
// Call before cmd.Start; call started right after it.
func (h *configHandoff) attach(cmd *exec.Cmd) {
	fd := 3 + len(cmd.ExtraFiles)
	cmd.ExtraFiles = append(cmd.ExtraFiles, h.r)
	cmd.Env = append(cmd.Env, configFDVar+"="+strconv.Itoa(fd))
}

// started writes the configuration into the pipe (in the background: a pipe holds 64 KiB) and
// closes our copy of the read end.
func (h *configHandoff) started() {
	_ = h.r.Close()
	go func() {
		_, _ = h.w.Write(h.payload)
		h.closeWriter()
	}()
}

func (h *configHandoff) closeWriter() { h.once.Do(func() { _ = h.w.Close() }) }

// close releases everything (after the process ended: a writer still blocked because node never
// read the pipe gets EPIPE).
func (h *configHandoff) close() {
	_ = h.r.Close()
	h.closeWriter()
	_ = os.RemoveAll(h.dir)
}
