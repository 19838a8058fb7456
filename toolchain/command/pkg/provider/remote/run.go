package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"

	"homelab-iac/toolchain/command/pkg/provider/common"
	"homelab-iac/toolchain/kit"
)

// Run runs cmd over SSH like upstream remote CommandOutputs.run:
//   - dial per connection (retries, timeouts, host key: see dialSSH);
//   - every `environment` entry is sent with an SSH "env" request; a refusal (sshd without a
//     matching AcceptEnv) is an error, logged as such (upstream behaviour);
//   - PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR = prev (when non-empty and addPreviousOutputInEnv
//     is not false) are sent the same way, but a refusal is only a warning;
//   - stdin from `stdin` when non-empty; output streamed per `logging`;
//   - a non-zero exit is an error "<Process exited with status N>: running \"<cmd>\":\n<output>".
func Run(ctx context.Context, cmd string, in kit.Values, prev common.Result) (common.Result, error) {
	conn, ok := in.Object("connection")
	if !ok {
		return common.Result{}, errors.New("connection is required")
	}
	target, err := parseTarget(conn)
	if err != nil {
		return common.Result{}, err
	}
	client, err := dialSSH(ctx, target)
	if err != nil {
		return common.Result{}, err
	}
	defer client.Close()

	session, err := client.NewSession()
	if err != nil {
		return common.Result{}, err
	}
	defer session.Close()

	lg := kit.LoggerFrom(ctx)
	for _, kv := range in.Pairs("environment") {
		if err := session.Setenv(kv[0], kv[1]); err != nil {
			lg.Log(diag.Error, setenvHint(kv[0]))
			return common.Result{}, fmt.Errorf("could not set environment variable %q: %w", kv[0], err)
		}
	}
	if common.AddPreviousOutputInEnv(in) {
		if prev.Stdout != "" {
			if err := session.Setenv(common.EnvPrevStdout, prev.Stdout); err != nil {
				lg.Log(diag.Warning, setenvHint(common.EnvPrevStdout))
			}
		}
		if prev.Stderr != "" {
			if err := session.Setenv(common.EnvPrevStderr, prev.Stderr); err != nil {
				lg.Log(diag.Warning, setenvHint(common.EnvPrevStderr))
			}
		}
	}
	if stdin, ok := in.Str("stdin"); ok && stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}

	capture, stdout, stderr := common.NewOutputCapture(lg, common.Logging(in))
	session.Stdout, session.Stderr = stdout, stderr

	// Cancellation (engine Cancel / interrupted update) closes the connection, which ends Run.
	stop := context.AfterFunc(ctx, func() { _ = client.Close() })
	err = session.Run(cmd)
	stop()
	outS, errS, merged := capture.Finish()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return common.Result{}, fmt.Errorf("%w: running %q:\n%s", err, cmd, merged)
	}
	return common.Result{Stdout: outS, Stderr: errS}, nil
}

func setenvHint(key string) string {
	return fmt.Sprintf("Unable to set '%s'. This only works if your SSH server is configured to accept "+
		"these variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, "+
		"you could prefix the command itself with the variables in the form 'VAR=value command'", key)
}
