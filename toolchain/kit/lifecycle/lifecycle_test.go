package lifecycle

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary plays three roles: the test (the "engine"'s parent), a middle process standing in
// for the engine, and a watcher standing in for a plugin that the engine started.
func TestMain(m *testing.M) {
	switch os.Getenv("LIFECYCLE_ROLE") {
	case "engine":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "LIFECYCLE_ROLE=plugin")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println(cmd.Process.Pid)
		time.Sleep(time.Minute) // killed by the test
		os.Exit(0)
	case "plugin":
		stopped := make(chan struct{})
		ExitWithParent(200*time.Millisecond, func() { close(stopped) })
		select { // the grace timer must exit the process either way
		case <-stopped:
			time.Sleep(time.Minute)
		case <-time.After(time.Minute):
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

func TestPluginExitsWhenTheEngineIsKilled(t *testing.T) {
	engine := exec.Command(os.Args[0], "-test.run=^$")
	engine.Env = append(os.Environ(), "LIFECYCLE_ROLE=engine")
	out, err := engine.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Process.Kill(); _ = engine.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("engine stand-in printed nothing: %v", err)
	}
	plugin, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("engine stand-in: %q", line)
	}
	t.Cleanup(func() { _ = syscall.Kill(plugin, syscall.SIGKILL) })
	time.Sleep(300 * time.Millisecond)
	if !alive(plugin) {
		t.Fatalf("plugin %d exited while its engine was alive", plugin)
	}
	_ = engine.Process.Signal(syscall.SIGKILL)
	_ = engine.Wait()
	deadline := time.Now().Add(PollInterval + 200*time.Millisecond + 2*time.Second)
	for alive(plugin) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(plugin) {
		t.Fatalf("plugin %d still runs after its engine was killed", plugin)
	}
}
