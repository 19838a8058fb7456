/**
 * Keeps secret outputs out of the engine's debug diagnostics.
 *
 * The Pulumi Node.js SDK logs every resource-monitor response at debug level, e.g.
 * `RegisterResource RPC finished: …; err: null, resp: ${innerResponse}` (runtime/resource.js and
 * runtime/invoke.js in @pulumi/pulumi 3.259.0), and a protobuf message stringifies as its field
 * values: every output of the resource, secrets in plaintext (a command's secret `stdin`, a
 * generated key). The CLI shows debug diagnostics only with `--debug` and Pulumi Cloud keeps them
 * only then, but the engine writes all of them to an `--event-log` file and to an Automation API
 * event stream — the PR preview and drift workflows keep such a log (.github/workflows). Found by
 * the lab e2e secrets test in a `pulumi up --event-log` transcript.
 *
 * This replaces the response part of those messages before the SDK sends them; the RPC, its label
 * and its error stay, so the debug log still says what ran and what failed.
 */
import * as log from "@pulumi/pulumi/log";

/** What stands in for a response in a debug message. */
export const OMITTED = "<omitted: a response can hold secret outputs>";

const RESPONSE = /(RPC finished: [\s\S]*?\bresp: )[\s\S]*$/;

/** The message without the response dump of an SDK "… RPC finished: …, resp: …" debug line. */
export function redactRpcResponse(message: string): string {
  return message.replace(RESPONSE, (_all, head: string) => head + OMITTED);
}

type Debug = typeof log.debug;
const INSTALLED = Symbol.for("homelab.debugRedaction");

/**
 * Wraps the SDK's `log.debug` (the module object its runtime calls through) once per process.
 * Throws when the SDK no longer has that shape, so that an SDK upgrade cannot silently drop it.
 */
export function installDebugRedaction(target: { debug: Debug } = log): void {
  const current = target.debug as Debug & { [INSTALLED]?: true };
  if (typeof current !== "function")
    throw new Error(
      "homelab: @pulumi/pulumi/log has no debug function to wrap (runtime/debug-redaction.ts); " +
        "the SDK version in package.json is the one this was written for",
    );
  if (current[INSTALLED]) return;
  const wrapped = ((message: string, ...rest: unknown[]) =>
    (current as (m: string, ...r: unknown[]) => Promise<void>)(
      redactRpcResponse(message),
      ...rest,
    )) as Debug & { [INSTALLED]?: true };
  wrapped[INSTALLED] = true;
  target.debug = wrapped;
}
