package local_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/command/pkg/provider/common"
	"homelab-iac/toolchain/command/pkg/provider/local"
	"homelab-iac/toolchain/kit"
)

func TestLocalCommandLifecycle(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	r := newTestResource(t, LocalCommandType, "cmd")
	in := r.Checked(props(
		"create", `echo "create prev=[$PULUMI_COMMAND_STDOUT]" >> `+log+`; echo out1; echo err1 >&2`,
		"delete", `echo "delete prev=[$PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR]" >> `+log,
		"environment", obj("GREETING", secret(str("hi"))),
		"dir", dir,
	))
	outs, err := r.Create(in, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "out1" {
		t.Errorf("stdout = %q", got)
	}
	if got := stringOut(t, outs, "stderr"); got != "err1" {
		t.Errorf("stderr = %q", got)
	}
	if !strings.HasPrefix(r.ID, "cmd") || len(r.ID) != len("cmd")+8 {
		t.Errorf("id %q is not <name><8 hex>", r.ID)
	}
	// A secret input stays secret in the mirrored output; stdout is not made secret.
	if env := outs["environment"].ObjectValue(); !env["GREETING"].IsSecret() {
		t.Errorf("secret environment value lost its secretness: %v", outs["environment"])
	}

	// update not set: create runs again, seeing the previous stdout.
	news := r.Checked(props(
		"create", `echo "create prev=[$PULUMI_COMMAND_STDOUT]" >> `+log+`; echo out2`,
		"delete", `echo "delete prev=[$PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR]" >> `+log,
		"dir", dir,
	))
	outs, err = r.Update(news, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "out2" {
		t.Errorf("after update stdout = %q", got)
	}
	if got := stringOut(t, outs, "stderr"); got != "" {
		t.Errorf("after update stderr = %q", got)
	}
	if err := r.Delete(); err != nil {
		t.Fatal(err)
	}
	want := "create prev=[]\ncreate prev=[out1]\ndelete prev=[out2/]\n"
	if got := readFile(t, log); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

func TestLocalCommandUpdateCommandAndNoPrevEnv(t *testing.T) {
	dir := t.TempDir()
	r := newTestResource(t, LocalCommandType, "cmd")
	if _, err := r.Create(r.Checked(props("create", "echo created", "dir", dir)), false); err != nil {
		t.Fatal(err)
	}
	outs, err := r.Update(r.Checked(props("create", "echo created", "update", `echo "updated [$PULUMI_COMMAND_STDOUT]"`,
		"addPreviousOutputInEnv", false, "dir", dir)), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "updated []" {
		t.Errorf("stdout = %q (update must run, without previous output when addPreviousOutputInEnv=false)", got)
	}
}

func TestLocalCommandFailureIncludesOutput(t *testing.T) {
	r := newTestResource(t, LocalCommandType, "cmd")
	_, err := r.Create(r.Checked(props("create", "echo some context; echo the reason >&2; exit 3")), false)
	if err == nil {
		t.Fatal("a failing command must fail the create")
	}
	for _, want := range []string{"exit status 3", `running "echo some context`, "some context", "the reason"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestLocalCommandInterpreterStdinAndAssets(t *testing.T) {
	dir := t.TempDir()
	r := newTestResource(t, LocalCommandType, "cmd")
	in := r.Checked(props(
		"interpreter", arr("/bin/bash", "-c"),
		"create", `read x; echo "got $x"; mkdir -p out/sub; echo a > out/a.txt; echo b > out/sub/b.txt; echo s > out/secret.txt`,
		"stdin", "line",
		"dir", dir,
		"assetPaths", arr("out/**.txt", "!**secret.*"),
		"archivePaths", arr("out/*.txt"),
	))
	outs, err := r.Create(in, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "got line" {
		t.Errorf("stdout = %q", got)
	}
	assets := outs["assets"].ObjectValue()
	var keys []string
	for k, v := range assets {
		if !v.IsAsset() {
			t.Errorf("assets[%s] is not an asset: %v", k, v)
		}
		keys = append(keys, string(k))
	}
	if len(keys) != 2 || assets["out/a.txt"].IsNull() || assets["out/sub/b.txt"].IsNull() {
		t.Errorf("assets = %v, want out/a.txt and out/sub/b.txt", keys)
	}
	if !outs["archive"].IsArchive() {
		t.Fatalf("archive output missing: %v", outs["archive"])
	}
	members := outs["archive"].ArchiveValue().Assets
	if len(members) != 2 {
		t.Errorf("archive members = %v, want out/a.txt and out/secret.txt", members)
	}
	_ = resource.PropertyKey("")
}

type recordingLogger struct {
	mu     sync.Mutex
	status []string
}

func (l *recordingLogger) Status(_ diag.Severity, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status = append(l.status, msg)
}
func (l *recordingLogger) Log(diag.Severity, string) {}

func TestLoggingModesStreamSelectedOutput(t *testing.T) {
	for mode, want := range map[string][]string{
		"":                {"o1", "e1"},
		"stdoutAndStderr": {"o1", "e1"},
		"stdout":          {"o1"},
		"stderr":          {"e1"},
		"none":            nil,
	} {
		lg := &recordingLogger{}
		in := props("create", "echo o1; sleep 0.05; echo e1 >&2")
		if mode != "" {
			in["logging"] = str(mode)
		}
		res, err := local.Run(kit.WithLogger(context.Background(), lg), "echo o1; sleep 0.05; echo e1 >&2", kit.Plain(in), common.Result{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stdout != "o1" || res.Stderr != "e1" {
			t.Errorf("mode %q: outputs must be captured regardless of logging: %+v", mode, res)
		}
		if !reflect.DeepEqual(lg.status, want) {
			t.Errorf("mode %q: streamed %v, want %v", mode, lg.status, want)
		}
	}
}

// A cancelled command (the engine's Cancel, or the engine dying) ends with everything it started.
func TestCancelKillsTheWholeProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := local.Run(ctx, "sleep 300 & echo $! > "+pidFile+"; wait", kit.Plain(props()), common.Result{})
		done <- err
	}()
	var pid int
	for i := 0; i < 100 && pid == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	if pid == 0 {
		t.Fatal("the command did not start its background sleep")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cancelled command must fail")
		}
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the cancelled command did not return within 10 s: its child %d still holds its output", pid)
	}
	for i := 0; i < 40 && running(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if running(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the command's child %d survived the cancellation", pid)
	}
}

// running reports whether pid is a live process (a zombie waiting to be reaped is not).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
