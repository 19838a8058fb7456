package remote_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

func (s *testSSHD) connection(extra ...any) resource.PropertyValue {
	kv := []any{"host", "127.0.0.1", "port", s.Port, "user", "root", "privateKey", secret(str(s.UserKeyPEM)),
		"hostKey", s.HostKeyEd25519}
	kv = append(kv, extra...)
	return secret(obj(kv...))
}

func fingerprint(t *testing.T, authorized string) string {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(k)
}

func TestRemoteCommandRunsAndCapturesOutput(t *testing.T) {
	sshd := startSSHD(t)
	r := newTestResource(t, RemoteCommandType, "remote")
	outs, err := r.Create(r.Checked(props(
		"connection", sshd.connection(),
		"create", `echo "hello from $(id -un) $TEST_GREETING"; echo "to stderr" >&2`,
		"environment", obj("TEST_GREETING", "hi"),
	)), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "hello from root hi" {
		t.Errorf("stdout = %q", got)
	}
	if got := stringOut(t, outs, "stderr"); got != "to stderr" {
		t.Errorf("stderr = %q", got)
	}
	if !outs["connection"].IsSecret() {
		t.Errorf("connection output must stay secret")
	}
}

func TestRemoteCommandPinnedECDSAKeyAlsoWorks(t *testing.T) {
	sshd := startSSHD(t)
	r := newTestResource(t, RemoteCommandType, "remote")
	outs, err := r.Create(r.Checked(props(
		"connection", sshd.connection("hostKey", sshd.HostKeyECDSA),
		"create", "echo ok",
	)), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "ok" {
		t.Errorf("stdout = %q", got)
	}
}

func TestRemoteCommandWrongHostKeyRefused(t *testing.T) {
	sshd := startSSHD(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	r := newTestResource(t, RemoteCommandType, "remote")
	start := time.Now()
	_, err := r.Create(r.Checked(props(
		"connection", sshd.connection("hostKey", sshd.OtherKey),
		"create", "touch "+marker,
	)), false)
	if err == nil {
		t.Fatal("a wrong hostKey must be refused")
	}
	msg := err.Error()
	for _, want := range []string{"host key mismatch", "127.0.0.1", fingerprint(t, sshd.OtherKey), fingerprint(t, sshd.HostKeyEd25519)} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if fileExists(marker) {
		t.Errorf("the command ran despite the host key mismatch")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a host key mismatch must not be retried (took %v)", d)
	}
}

func TestRemoteUnreachableFailsAfterBoundedRetries(t *testing.T) {
	port, err := freePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	r := newTestResource(t, RemoteCommandType, "remote")
	start := time.Now()
	_, err = r.Create(r.Checked(props(
		"connection", obj("host", "127.0.0.1", "port", port, "dialErrorLimit", 3, "perDialTimeout", 1),
		"create", "true",
	)), false)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("dialing a closed port must fail")
	}
	for _, want := range []string{"after 4 failed attempts", "connection refused", "127.0.0.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	// 4 attempts with 100ms, 150ms, 225ms backoff in between.
	if elapsed < 400*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("elapsed %v: retries not bounded as expected", elapsed)
	}
}

func TestRemoteDialTimeoutPerAttempt(t *testing.T) {
	// A listener that accepts TCP but never speaks SSH: each attempt must end after perDialTimeout.
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := newTestResource(t, RemoteCommandType, "remote")
	start := time.Now()
	_, err = r.Create(r.Checked(props(
		"connection", obj("host", "127.0.0.1", "port", l.port, "dialErrorLimit", 1, "perDialTimeout", 1),
		"create", "true",
	)), false)
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "after 2 failed attempts") {
		t.Fatalf("err = %v", err)
	}
	if elapsed < 2*time.Second || elapsed > 6*time.Second {
		t.Errorf("elapsed %v, want about 2 x perDialTimeout", elapsed)
	}
}

func TestRemoteUpdateAndDeleteSeePreviousOutput(t *testing.T) {
	sshd := startSSHD(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	r := newTestResource(t, RemoteCommandType, "remote")
	conn := sshd.connection()
	if _, err := r.Create(r.Checked(props("connection", conn, "create", "echo first",
		"delete", `echo "delete saw [$PULUMI_COMMAND_STDOUT]" >> `+log)), false); err != nil {
		t.Fatal(err)
	}
	outs, err := r.Update(r.Checked(props("connection", conn, "create", "echo first",
		"update", `echo "second after [$PULUMI_COMMAND_STDOUT]"`,
		"delete", `echo "delete saw [$PULUMI_COMMAND_STDOUT]" >> `+log)), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); got != "second after [first]" {
		t.Errorf("update stdout = %q", got)
	}
	if err := r.Delete(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, log); got != "delete saw [second after [first]]\n" {
		t.Errorf("delete log = %q", got)
	}
}

func TestRemoteEnvironmentRefusedIsAnError(t *testing.T) {
	sshd := startSSHD(t)
	r := newTestResource(t, RemoteCommandType, "remote")
	_, err := r.Create(r.Checked(props("connection", sshd.connection(), "create", "true",
		"environment", obj("NOT_ACCEPTED", "x"))), false)
	if err == nil || !strings.Contains(err.Error(), `could not set environment variable "NOT_ACCEPTED"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRemoteCommandFailureIncludesOutput(t *testing.T) {
	sshd := startSSHD(t)
	r := newTestResource(t, RemoteCommandType, "remote")
	_, err := r.Create(r.Checked(props("connection", sshd.connection(),
		"create", "echo progress; echo boom >&2; exit 7")), false)
	if err == nil {
		t.Fatal("expected failure")
	}
	for _, want := range []string{"Process exited with status 7", "progress", "boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestCopyToRemoteFileTextAndDirectory(t *testing.T) {
	sshd := startSSHD(t)
	local := t.TempDir()
	remote := t.TempDir() // same machine: the sshd is local
	writeFile(t, filepath.Join(local, "file.txt"), "file content\n")
	writeFile(t, filepath.Join(local, "tree", "a.txt"), "A")
	writeFile(t, filepath.Join(local, "tree", "sub", "b.txt"), "B")

	// FileAsset into a not-yet-existing nested path: parents are created.
	fileAsset, _ := resource.NewPathAsset(filepath.Join(local, "file.txt"))
	r := newTestResource(t, CopyToRemoteType, "cpfile")
	dest := filepath.Join(remote, "etc", "app", "file.conf")
	if _, err := r.Create(r.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(fileAsset),
		"remotePath", dest)), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dest); got != "file content\n" {
		t.Errorf("copied file = %q", got)
	}
	if len(r.ID) != 8 {
		t.Errorf("CopyToRemote id %q is not 8 hex chars", r.ID)
	}

	// Changing the file content changes the hash: Update copies again.
	writeFile(t, filepath.Join(local, "file.txt"), "new content\n")
	fileAsset2, _ := resource.NewPathAsset(filepath.Join(local, "file.txt"))
	if _, err := r.Update(r.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(fileAsset2),
		"remotePath", dest)), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dest); got != "new content\n" {
		t.Errorf("after update copied file = %q", got)
	}

	// FileAsset onto an existing directory: copied into it.
	r2 := newTestResource(t, CopyToRemoteType, "cpintodir")
	if _, err := r2.Create(r2.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(fileAsset2),
		"remotePath", remote)), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "file.txt")); got != "new content\n" {
		t.Errorf("file copied into dir = %q", got)
	}

	// StringAsset.
	text, _ := resource.NewTextAsset("from text\n")
	r3 := newTestResource(t, CopyToRemoteType, "cptext")
	if _, err := r3.Create(r3.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(text),
		"remotePath", filepath.Join(remote, "text.txt"))), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "text.txt")); got != "from text\n" {
		t.Errorf("text asset = %q", got)
	}

	// Directory archive without trailing slash: copied as remotePath/tree.
	dirArchive, _ := resource.NewPathArchive(filepath.Join(local, "tree"))
	r4 := newTestResource(t, CopyToRemoteType, "cpdir")
	if _, err := r4.Create(r4.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(dirArchive),
		"remotePath", filepath.Join(remote, "deploy"))), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "deploy", "tree", "a.txt")); got != "A" {
		t.Errorf("deploy/tree/a.txt = %q", got)
	}
	if got := readFile(t, filepath.Join(remote, "deploy", "tree", "sub", "b.txt")); got != "B" {
		t.Errorf("deploy/tree/sub/b.txt = %q", got)
	}

	// Directory archive with trailing slash: its entries go directly into remotePath.
	slashArchive, _ := resource.NewPathArchive(filepath.Join(local, "tree") + "/")
	r5 := newTestResource(t, CopyToRemoteType, "cpdirslash")
	if _, err := r5.Create(r5.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(slashArchive),
		"remotePath", filepath.Join(remote, "flat"))), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "flat", "sub", "b.txt")); got != "B" {
		t.Errorf("flat/sub/b.txt = %q", got)
	}

	// A directory onto an existing file fails.
	r6 := newTestResource(t, CopyToRemoteType, "cpdirtofile")
	_, err := r6.Create(r6.Checked(props("connection", sshd.connection(), "source", resource.NewProperty(dirArchive),
		"remotePath", dest)), false)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("dir onto file: err = %v", err)
	}

	// Deleting a CopyToRemote leaves the remote files alone (upstream behaviour).
	if err := r.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Errorf("delete removed the remote file: %v", err)
	}
}

type silentListener struct {
	net.Listener
	port  int
	mu    sync.Mutex
	conns []net.Conn
}

// netListen accepts TCP connections and never answers (a host whose sshd hangs).
func netListen() (*silentListener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &silentListener{Listener: l, port: l.Addr().(*net.TCPAddr).Port}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	return s, nil
}

func (s *silentListener) Close() error {
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	return s.Listener.Close()
}

func TestRemoteCommandThroughProxy(t *testing.T) {
	sshd := startSSHD(t)
	// The same sshd serves as bastion and target: the target connection is tunnelled through it.
	proxy := obj("host", "127.0.0.1", "port", sshd.Port, "privateKey", secret(str(sshd.UserKeyPEM)),
		"hostKey", sshd.HostKeyEd25519)
	r := newTestResource(t, RemoteCommandType, "viaproxy")
	outs, err := r.Create(r.Checked(props(
		"connection", sshd.connection("proxy", proxy),
		"create", `echo "via $SSH_CONNECTION"`,
	)), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := stringOut(t, outs, "stdout"); !strings.HasPrefix(got, "via 127.0.0.1") {
		t.Errorf("stdout = %q", got)
	}

	// A wrong pin on the bastion is refused with a "proxy:" error.
	bad := obj("host", "127.0.0.1", "port", sshd.Port, "privateKey", secret(str(sshd.UserKeyPEM)), "hostKey", sshd.OtherKey)
	r2 := newTestResource(t, RemoteCommandType, "badproxy")
	_, err = r2.Create(r2.Checked(props("connection", sshd.connection("proxy", bad), "create", "true")), false)
	if err == nil || !strings.Contains(err.Error(), "proxy:") || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("err = %v", err)
	}
}

func TestPreviewDoesNotDial(t *testing.T) {
	r := newTestResource(t, RemoteCommandType, "remote")
	start := time.Now()
	outs, err := r.Create(r.Checked(props("connection", obj("host", "127.0.0.1", "port", 1), "create", "true")), true)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second || !outs["stdout"].IsComputed() {
		t.Errorf("preview must not connect and must return unknown stdout: %v", outs)
	}
}
