/**
 * Root on a machine whose admin user is not root: every remote command homelab runs as root goes
 * through `sudo -n` (non-interactive) and first checks that sudo lets the admin user run `sh` as
 * root without a password. sudo(8), -n: "Avoid prompting the user for input of any kind. If a
 * password is required for the command to run, sudo will display an error message and exit"; the
 * message is `sudo: a password is required` and the exit status 1 ("a configuration/permission
 * problem"). The check runs `sh -c :` exactly as the real commands run `sh`, with LC_ALL=C so that
 * sudo's message is not translated, and reads nothing from stdin (the real command's input stays
 * untouched). On failure it prints one line, `homelab: <unit> on <machine>: ...`, and exits 1
 * before anything is changed. Pure.
 */
import { shq } from "./text";

/** What the check prints when sudo asks for a password. */
export function sudoPasswordMessage(who: string, user: string): string {
  return (
    `homelab: ${who}: the admin user ${user} needs a password for sudo; homelab runs sudo -n only (non-interactive). ` +
    `Give ${user} passwordless sudo for the commands homelab runs (e.g. /etc/sudoers.d/homelab: "${user} ALL=(root) NOPASSWD: ALL") or use adminUser: root.`
  );
}

/**
 * A shell line (for `sh -c` or a script; `set -e` safe) that exits 1 with a homelab message when
 * `user` cannot run sh as root through `sudo -n`. `who` is `<unit> on <machine>`.
 */
export function renderSudoCheck(who: string, user: string): string {
  const other = `homelab: ${who}: the admin user ${user} cannot run sudo -n sh (homelab runs every change as root through sudo -n): `;
  const fix = `. Install sudo and give ${user} passwordless sudo (e.g. /etc/sudoers.d/homelab: "${user} ALL=(root) NOPASSWD: ALL") or use adminUser: root.`;
  return (
    `if ! homelab_sudo=$(LC_ALL=C sudo -n sh -c : 2>&1 </dev/null); then ` +
    `case "$homelab_sudo" in *"a password is required"*) printf '%s\\n' ${shq(sudoPasswordMessage(who, user))} >&2 ;; ` +
    `*) printf '%s%s%s\\n' ${shq(other)} "$homelab_sudo" ${shq(fix)} >&2 ;; esac; exit 1; fi`
  );
}

/** The remote command running `script` as root: itself for root, else checked, through sudo -n. */
export function asRoot(script: string, adminUser: string, who: string): string {
  if (adminUser === "root") return script;
  return `sh -c ${shq(`${renderSudoCheck(who, adminUser)}; exec sudo -n sh -c ${shq(script)}`)}`;
}

/** The remote command running the script on its stdin as root (`sh -s`), like asRoot. */
export function asRootFromStdin(adminUser: string, who: string): string {
  if (adminUser === "root") return "sh -s";
  return `sh -c ${shq(`${renderSudoCheck(who, adminUser)}; exec sudo -n sh -s`)}`;
}
