/**
 * A STAND-IN for sudo(8) (not the real sudo), installed as `<dir>/sudo` for tests that put `dir`
 * first on PATH. It follows the sudo 1.9 contract for what homelab uses (`sudo -n <command>`, see
 * sudo(8): "-n, --non-interactive: Avoid prompting the user for input of any kind. If a password is
 * required for the command to run, sudo will display an error message and exit"; exit status 1 for
 * "a configuration/permission problem"):
 * - `password: true`: the user needs a password. With -n: `sudo: a password is required`, exit 1.
 *   Without -n and no terminal: sudo's "a terminal is required" error, exit 1. Nothing runs.
 * - `password: false` (NOPASSWD): runs the command (as the test's own user), with its exit status.
 * Any option other than -n is refused as sudo refuses an unknown one (`sudo: invalid option`), exit 1;
 * no command at all prints sudo's usage line, exit 1. Every call is appended to `<dir>/sudo.log`.
 */
import { chmodSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export function installSudoStandin(dir: string, opts: { password: boolean }): string {
  const file = path.join(dir, "sudo");
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      "# STAND-IN for sudo(8), not the real sudo: tests/support/sudo-standin.ts.",
      `printf '%s\\n' "$*" >> ${JSON.stringify(path.join(dir, "sudo.log"))}`,
      "n=0",
      "while [ $# -gt 0 ]; do",
      '  case "$1" in',
      "    -n | --non-interactive) n=1; shift ;;",
      "    --) shift; break ;;",
      "    -*) echo \"sudo: invalid option -- '${1#-}'\" >&2; echo 'usage: sudo [-n] command' >&2; exit 1 ;;",
      "    *) break ;;",
      "  esac",
      "done",
      "[ $# -gt 0 ] || { echo 'usage: sudo [-n] command' >&2; exit 1; }",
      opts.password
        ? [
            'if [ "$n" = 1 ]; then echo "sudo: a password is required" >&2; exit 1; fi',
            'echo "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper" >&2',
            "exit 1",
          ].join("\n")
        : 'exec "$@"',
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}
