package remote_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testSSHD is a throwaway OpenSSH server on 127.0.0.1:<free port>, with its own ed25519 and ECDSA
// host keys (both, so that pinning the ed25519 key proves host key algorithm negotiation) and an
// ed25519 user key authorised for root. It is started once per test binary. If it cannot start,
// the tests fail (they never skip).
type testSSHD struct {
	Port           int
	Dir            string
	UserKeyPEM     string // OpenSSH private key of the authorised user key
	HostKeyEd25519 string // "ssh-ed25519 AAAA..." as found in ssh_host_ed25519_key.pub
	HostKeyECDSA   string
	OtherKey       string // an unrelated ed25519 public key (a wrong pin)
}

var (
	sshdOnce sync.Once
	sshdInst *testSSHD
	sshdErr  error
)

const sshdBinary = "/usr/sbin/sshd"

func startSSHD(t *testing.T) *testSSHD {
	t.Helper()
	sshdOnce.Do(func() { sshdInst, sshdErr = launchSSHD() })
	if sshdErr != nil {
		t.Fatalf("cannot start the test sshd (install openssh-server: apt-get install openssh-server): %v", sshdErr)
	}
	return sshdInst
}

func writePrivateKey(path string, key any) error {
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}

func authorizedKey(pub any) (string, error) {
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var sshdCleanup []func()

func launchSSHD() (*testSSHD, error) {
	if _, err := os.Stat(sshdBinary); err != nil {
		return nil, fmt.Errorf("%s: %w", sshdBinary, err)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the sshd tests need root (they log in as root with PermitRootLogin prohibit-password)")
	}
	dir, err := os.MkdirTemp("", "cmdprov-sshd-")
	if err != nil {
		return nil, err
	}
	// sshd insists on its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, err
	}
	s := &testSSHD{Dir: dir}

	_, hostEd, _ := ed25519.GenerateKey(rand.Reader)
	hostEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, userKey, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := writePrivateKey(filepath.Join(dir, "host_ed25519"), hostEd); err != nil {
		return nil, err
	}
	if err := writePrivateKey(filepath.Join(dir, "host_ecdsa"), hostEC); err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(userKey, "")
	if err != nil {
		return nil, err
	}
	s.UserKeyPEM = string(pem.EncodeToMemory(block))
	if s.HostKeyEd25519, err = authorizedKey(hostEd.Public()); err != nil {
		return nil, err
	}
	if s.HostKeyECDSA, err = authorizedKey(hostEC.Public()); err != nil {
		return nil, err
	}
	if s.OtherKey, err = authorizedKey(otherPub); err != nil {
		return nil, err
	}
	userPub, err := authorizedKey(userKey.Public())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(userPub+"\n"), 0o600); err != nil {
		return nil, err
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		lastErr = nil
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %[2]s/host_ecdsa
HostKey %[2]s/host_ed25519
PidFile %[2]s/sshd.pid
AuthorizedKeysFile %[2]s/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AcceptEnv PULUMI_COMMAND_STDOUT PULUMI_COMMAND_STDERR TEST_*
Subsystem sftp internal-sftp
LogLevel ERROR
`, port, dir)
		cfgPath := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			return nil, err
		}
		if out, err := exec.Command(sshdBinary, "-t", "-f", cfgPath).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sshd -t: %v: %s", err, out)
		}
		var stderr bytes.Buffer
		cmd := exec.Command(sshdBinary, "-D", "-e", "-f", cfgPath)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case err := <-exited:
				lastErr = fmt.Errorf("sshd exited: %v: %s", err, stderr.String())
			default:
			}
			if lastErr != nil {
				break
			}
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
			if err == nil {
				_ = c.Close()
				s.Port = port
				sshdCleanup = append(sshdCleanup, func() {
					_ = cmd.Process.Kill()
					<-exited
					_ = os.RemoveAll(dir)
				})
				return s, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		if lastErr == nil {
			_ = cmd.Process.Kill()
			<-exited
			lastErr = fmt.Errorf("sshd did not listen on port %d within 10s: %s", port, stderr.String())
		}
	}
	return nil, lastErr
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range sshdCleanup {
		f()
	}
	os.Exit(code)
}
