/**
 * The cloudflared install on the tunnel connector, run over SSH. The tunnel token (secret) comes in
 * on stdin, never on the command line (`cloudflared service install <token>` runs on the host, where
 * only root sees its arguments). An admin user other than root runs it through `sudo -n sh -c`,
 * quoted for POSIX sh, after the sudo check of renderers/sudo.ts. Pure.
 */
import { asRoot } from "./sudo";

/** The body, as root: reads the token from stdin, reinstalls the service with it. */
export const CLOUDFLARED_INSTALL =
  'set -eu; read -r token; command -v cloudflared >/dev/null || { echo "install cloudflared first" >&2; exit 1; }; ' +
  'cloudflared service uninstall >/dev/null 2>&1 || true; cloudflared service install "$token"';

/** The remote command for `adminUser` on `machine` (root runs the body itself; others through sudo). */
export function renderCloudflaredInstall(adminUser: string, machine: string): string {
  return asRoot(CLOUDFLARED_INSTALL, adminUser, `cloudflared on ${machine}`);
}
