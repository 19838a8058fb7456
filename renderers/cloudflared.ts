/**
 * The cloudflared install on the tunnel connector, run over SSH. The tunnel token (secret) comes in
 * on stdin, never on the command line (`cloudflared service install <token>` runs on the host, where
 * only root sees its arguments). An admin user other than root runs it through `sudo -n sh -c`,
 * quoted for POSIX sh. Pure.
 */
import { shq } from "./text";

/** The body, as root: reads the token from stdin, reinstalls the service with it. */
export const CLOUDFLARED_INSTALL =
  'set -eu; read -r token; command -v cloudflared >/dev/null || { echo "install cloudflared first" >&2; exit 1; }; ' +
  'cloudflared service uninstall >/dev/null 2>&1 || true; cloudflared service install "$token"';

/** The remote command for `adminUser` (root runs the body directly; others through sudo). */
export function renderCloudflaredInstall(adminUser: string): string {
  return adminUser === "root" ? CLOUDFLARED_INSTALL : `sudo -n sh -c ${shq(CLOUDFLARED_INSTALL)}`;
}
