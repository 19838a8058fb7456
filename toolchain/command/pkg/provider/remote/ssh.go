package remote

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/retry"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"homelab-iac/toolchain/kit"
)

// sshTarget is a decoded connection (or connection.proxy) input.
type sshTarget struct {
	Host               string
	Port               int
	User               string
	Password           *string
	PrivateKey         *string
	PrivateKeyPassword *string
	AgentSocketPath    *string
	HostKey            *string
	DialErrorLimit     int // -1: unlimited; N: give up after N+1 failed dials (upstream counting)
	PerDialTimeout     int // seconds; 0: none
	Proxy              *sshTarget
}

func (t *sshTarget) endpoint() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// parseTarget decodes a (checked, hence defaulted) connection object.
func parseTarget(p kit.Values) (*sshTarget, error) {
	t := &sshTarget{User: "root", Port: 22, DialErrorLimit: 10, PerDialTimeout: 15}
	host, ok := p.Str("host")
	if !ok || host == "" {
		return nil, errors.New("connection.host is required")
	}
	t.Host = host
	if u, ok := p.Str("user"); ok {
		t.User = u
	}
	if n, ok := p.Num("port"); ok {
		t.Port = int(n)
	}
	if n, ok := p.Num("dialErrorLimit"); ok {
		t.DialErrorLimit = int(n)
	}
	if n, ok := p.Num("perDialTimeout"); ok {
		t.PerDialTimeout = int(n)
	}
	t.Password = p.StrPtr("password")
	t.PrivateKey = p.StrPtr("privateKey")
	t.PrivateKeyPassword = p.StrPtr("privateKeyPassword")
	t.AgentSocketPath = p.StrPtr("agentSocketPath")
	t.HostKey = p.StrPtr("hostKey")
	if px, ok := p.Object("proxy"); ok {
		proxy, err := parseTarget(px)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		t.Proxy = proxy
	}
	return t, nil
}

// parseHostKey accepts an OpenSSH public key as written in authorized_keys / *.pub files
// ("ssh-ed25519 AAAA... comment"), a known_hosts line ("host ssh-ed25519 AAAA..."), or the bare
// base64 wire encoding.
func parseHostKey(s string) (ssh.PublicKey, error) {
	s = strings.TrimSpace(s)
	if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s)); err == nil {
		return k, nil
	}
	if _, _, k, _, _, err := ssh.ParseKnownHosts([]byte(s)); err == nil {
		return k, nil
	}
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
		if k, err := ssh.ParsePublicKey(raw); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("cannot parse host key %q: expected an OpenSSH public key such as \"ssh-ed25519 AAAA...\"", abbreviate(s, 60))
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// HostKeyMismatchError is returned when the server does not present the pinned connection.hostKey.
type HostKeyMismatchError struct {
	Endpoint string
	Expected ssh.PublicKey
	Got      ssh.PublicKey
}

func (e *HostKeyMismatchError) Error() string {
	return fmt.Sprintf("host key mismatch: expected %s %s (connection.hostKey) but %s presented %s %s",
		e.Expected.Type(), ssh.FingerprintSHA256(e.Expected), e.Endpoint, e.Got.Type(), ssh.FingerprintSHA256(e.Got))
}

// hostKeyAlgorithms returns the host key algorithms to negotiate so that the server presents a key
// of the pinned type (without this, a server with several host keys may present e.g. its ECDSA key
// although an Ed25519 key is pinned, which x/crypto prefers by default).
func hostKeyAlgorithms(k ssh.PublicKey) []string {
	switch k.Type() {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	default:
		return []string{k.Type()}
	}
}

// clientConfig builds the SSH client configuration like upstream connectionBase.SShConfig: auth
// methods in the order private key, password (+ keyboard-interactive answering every question
// with the password), SSH agent (agentSocketPath, else $SSH_AUTH_SOCK when set). Host key
// checking: with hostKey the server must present exactly that key, without it any host key is
// accepted (upstream: "If not provided, the host key will be ignored").
func (t *sshTarget) clientConfig(mismatch *error) (*ssh.ClientConfig, func(), error) {
	cleanup := func() {}
	cfg := &ssh.ClientConfig{User: t.User, HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	if t.HostKey != nil {
		want, err := parseHostKey(*t.HostKey)
		if err != nil {
			return nil, cleanup, err
		}
		endpoint := t.endpoint()
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(want)
		cfg.HostKeyCallback = func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if got.Type() == want.Type() && string(got.Marshal()) == string(want.Marshal()) {
				return nil
			}
			err := &HostKeyMismatchError{Endpoint: endpoint, Expected: want, Got: got}
			*mismatch = err
			return err
		}
	}
	if t.PrivateKey != nil {
		var signer ssh.Signer
		var err error
		if t.PrivateKeyPassword != nil {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*t.PrivateKey), []byte(*t.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(*t.PrivateKey))
		}
		if err != nil {
			return nil, cleanup, fmt.Errorf("connection.privateKey: %w", err)
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if t.Password != nil {
		pw := *t.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range questions {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := ""
	if t.AgentSocketPath != nil {
		sock = *t.AgentSocketPath
	} else if env := os.Getenv("SSH_AUTH_SOCK"); env != "" {
		sock = env
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, cleanup, fmt.Errorf("ssh agent at %s: %w", sock, err)
		}
		cleanup = func() { _ = conn.Close() }
		cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return cfg, cleanup, nil
}

// sshClient is a connected client, possibly tunnelled through a proxy (bastion).
type sshClient struct {
	*ssh.Client
	proxy   *ssh.Client
	cleanup []func()
}

func (c *sshClient) Close() error {
	err := c.Client.Close()
	if c.proxy != nil {
		_ = c.proxy.Close()
	}
	for _, f := range c.cleanup {
		f()
	}
	return err
}

// handshake performs the SSH handshake over conn, bounded by the per-dial timeout.
func handshake(conn net.Conn, endpoint string, cfg *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	if timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, endpoint, cfg)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// errPermanent marks dial errors that retrying cannot fix.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// dialWithRetry calls f until it succeeds, it returns a permanent error, or it has failed
// limit+1 times (limit -1: no bound; upstream reachedDialingErrorLimit counting). Between attempts
// it waits with the SDK's default retry backoff (100ms ×1.5 per try, at most 5s) and reports
// "<what> <n>/<limit> failed: retrying" as a status message, like upstream.
func dialWithRetry[T any](ctx context.Context, what string, limit int, f func() (T, error)) (T, error) {
	var zero T
	var lastErr error
	attempts := 0
	ok, data, err := retry.Until(ctx, retry.Acceptor{
		Accept: func(try int, _ time.Duration) (bool, any, error) {
			attempts = try + 1
			res, err := f()
			if err == nil {
				return true, res, nil
			}
			lastErr = err
			var perm errPermanent
			if errors.As(err, &perm) {
				return true, nil, perm.error
			}
			if limit > -1 && attempts > limit {
				return true, nil, fmt.Errorf("after %d failed attempts: %w", attempts, err)
			}
			lim := "inf"
			if limit > -1 {
				lim = strconv.Itoa(limit)
			}
			kit.LoggerFrom(ctx).Status(diag.Info, fmt.Sprintf("%s %d/%s failed: retrying", what, attempts, lim))
			return false, nil, nil
		},
	})
	if err != nil {
		return zero, err
	}
	if !ok {
		if lastErr != nil {
			return zero, fmt.Errorf("%w (after %d failed attempts: %v)", ctx.Err(), attempts, lastErr)
		}
		return zero, ctx.Err()
	}
	return data.(T), nil
}

// dialSSH connects to t (through t.Proxy when set), retrying per dialErrorLimit, each attempt
// bounded by perDialTimeout (TCP connect and SSH handshake). A host key mismatch is not retried.
func dialSSH(ctx context.Context, t *sshTarget) (*sshClient, error) {
	var mismatch error
	cfg, cleanup, err := t.clientConfig(&mismatch)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(t.PerDialTimeout) * time.Second
	endpoint := t.endpoint()
	attempt := func(dial func() (net.Conn, error)) (*ssh.Client, error) {
		mismatch = nil
		conn, err := dial()
		if err != nil {
			return nil, err
		}
		c, err := handshake(conn, endpoint, cfg, timeout)
		if err != nil {
			if mismatch != nil {
				return nil, errPermanent{mismatch}
			}
			return nil, err
		}
		return c, nil
	}
	// Every dial error names the target once: "ssh <user>@<host>:<port>: ...".
	named := func(err error) error { return fmt.Errorf("ssh %s@%s: %w", t.User, endpoint, err) }

	if t.Proxy == nil {
		client, err := dialWithRetry(ctx, "Dial", t.DialErrorLimit, func() (*ssh.Client, error) {
			return attempt(func() (net.Conn, error) {
				d := net.Dialer{Timeout: timeout}
				return d.DialContext(ctx, "tcp", endpoint)
			})
		})
		if err != nil {
			cleanup()
			return nil, named(err)
		}
		return &sshClient{Client: client, cleanup: []func(){cleanup}}, nil
	}

	proxyClient, err := dialSSH(ctx, t.Proxy)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	client, err := dialWithRetry(ctx, "Dial from proxy", t.DialErrorLimit, func() (*ssh.Client, error) {
		return attempt(func() (net.Conn, error) { return proxyClient.Dial("tcp", endpoint) })
	})
	if err != nil {
		_ = proxyClient.Close()
		cleanup()
		return nil, fmt.Errorf("proxy: %w", named(err))
	}
	return &sshClient{Client: client, proxy: proxyClient.Client, cleanup: append(proxyClient.cleanup, cleanup)}, nil
}
