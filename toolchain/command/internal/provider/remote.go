package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
)

// runRemote runs cmd over SSH like upstream remote CommandOutputs.run:
//   - dial per connection (retries, timeouts, host key: see dialSSH);
//   - every `environment` entry is sent with an SSH "env" request; a refusal (sshd without a
//     matching AcceptEnv) is an error, logged as such (upstream behaviour);
//   - PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR = prev (when non-empty and addPreviousOutputInEnv
//     is not false) are sent the same way, but a refusal is only a warning;
//   - stdin from `stdin` when non-empty; output streamed per `logging`;
//   - a non-zero exit is an error "<Process exited with status N>: running \"<cmd>\":\n<output>".
func runRemote(ctx context.Context, cmd string, in plainValues, prev commandResult) (commandResult, error) {
	conn, ok := in.object("connection")
	if !ok {
		return commandResult{}, errors.New("connection is required")
	}
	target, err := parseTarget(conn)
	if err != nil {
		return commandResult{}, err
	}
	client, err := dialSSH(ctx, target)
	if err != nil {
		return commandResult{}, err
	}
	defer client.Close()

	session, err := client.NewSession()
	if err != nil {
		return commandResult{}, err
	}
	defer session.Close()

	lg := loggerFrom(ctx)
	for _, kv := range in.env("environment") {
		if err := session.Setenv(kv[0], kv[1]); err != nil {
			lg.Log(diag.Error, setenvHint(kv[0]))
			return commandResult{}, fmt.Errorf("could not set environment variable %q: %w", kv[0], err)
		}
	}
	if in.addPreviousOutputInEnv() {
		if prev.Stdout != "" {
			if err := session.Setenv(envPrevStdout, prev.Stdout); err != nil {
				lg.Log(diag.Warning, setenvHint(envPrevStdout))
			}
		}
		if prev.Stderr != "" {
			if err := session.Setenv(envPrevStderr, prev.Stderr); err != nil {
				lg.Log(diag.Warning, setenvHint(envPrevStderr))
			}
		}
	}
	if stdin, ok := in.str("stdin"); ok && stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}

	capture, stdout, stderr := newOutputCapture(lg, in.logging())
	session.Stdout, session.Stderr = stdout, stderr

	// Cancellation (engine Cancel / interrupted update) closes the connection, which ends Run.
	stop := context.AfterFunc(ctx, func() { _ = client.Close() })
	err = session.Run(cmd)
	stop()
	outS, errS, merged := capture.finish()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return commandResult{}, fmt.Errorf("%w: running %q:\n%s", err, cmd, merged)
	}
	return commandResult{Stdout: outS, Stderr: errS}, nil
}

func setenvHint(key string) string {
	return fmt.Sprintf("Unable to set '%s'. This only works if your SSH server is configured to accept "+
		"these variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, "+
		"you could prefix the command itself with the variables in the form 'VAR=value command'", key)
}
