// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// What the hand-over exists for: Linux refuses to exec with one environment string over 128 KiB.
func TestExecRefusesALargeConfigInTheEnvironment(t *testing.T) {
	node, err := findNode()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", "0")
	cmd.Env = append(os.Environ(), "PULUMI_CONFIG="+strings.Repeat("x", 200<<10))
	if err := cmd.Run(); !errors.Is(err, syscall.E2BIG) {
		t.Fatalf("exec with a 200 KiB variable: got %v, want E2BIG (argument list too long)", err)
	}
}

// A configuration of 4 MiB reaches process.env.PULUMI_CONFIG before any user code runs, and is in
// neither the exec environment (/proc/self/environ) nor a file left behind.
func TestHandoffPassesALargeConfigToNode(t *testing.T) {
	node, err := findNode()
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("y", 4<<20)
	h, err := newConfigHandoff(map[string]string{"PULUMI_CONFIG": `{"p:config:big":"` + big + `"}`, "PULUMI_CONFIG_SECRET_KEYS": `["p:big"]`})
	if err != nil {
		t.Fatal(err)
	}
	script := `const c = JSON.parse(process.env.PULUMI_CONFIG);
const environ = require("fs").readFileSync("/proc/self/environ", "utf8");
console.log(c["p:config:big"].length, process.env.PULUMI_CONFIG_SECRET_KEYS, environ.includes("PULUMI_CONFIG="), "HOMELAB_LANGHOST_CONFIG_FD" in process.env);`
	cmd := exec.Command(node, append(h.nodeArgs(), "-e", script)...)
	cmd.Env = os.Environ()
	h.attach(cmd)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.started()
	err = cmd.Wait()
	dir := h.dir
	h.close()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out.String())
	}
	if got, want := strings.TrimSpace(out.String()), `4194304 ["p:big"] false false`; got != want {
		t.Errorf("node saw %q, want %q", got, want)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the hand-over directory %s is left behind", dir)
	}
}

// A node that exits without reading the pipe must not block the host.
func TestHandoffDoesNotBlockWhenNodeNeverReads(t *testing.T) {
	h, err := newConfigHandoff(map[string]string{"PULUMI_CONFIG": strings.Repeat("z", 1<<20)})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/true")
	h.attach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.started()
	_ = cmd.Wait()
	h.close() // returns: the blocked writer gets EPIPE once the last reader is gone
}
