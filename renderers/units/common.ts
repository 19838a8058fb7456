/** Shell helpers shared by the units of several roles. */

/** Reloads a service on systemd or sysvinit-style hosts. */
export function serviceAction(action: "reload" | "restart", service: string): string {
  return `if [ -d /run/systemd/system ]; then systemctl ${action} ${service}; else service ${service} ${action}; fi`;
}

/** Prints the bridge a link is a port of ("no bridge", or "no such device"). */
export function bridgeOf(dev: string): string {
  const d = `/sys/class/net/${dev}`;
  return `if [ ! -e ${d} ]; then echo "no such device"; elif [ -e ${d}/master ]; then basename "$(readlink -f ${d}/master)"; else echo "no bridge"; fi`;
}
