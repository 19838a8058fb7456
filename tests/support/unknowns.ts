/**
 * What @pulumi/policy uses for values unknown during preview. Its proxy module exports these at
 * runtime but marks them @internal, so the typings omit them.
 */
import * as policy from "@pulumi/policy";
import * as proxy from "@pulumi/policy/proxy";

const p = proxy as unknown as { unknownStringValue: string; unknownObjectValue: string };
export const unknownStringValue: string = p.unknownStringValue;
export const unknownObjectValue: string = p.unknownObjectValue;

export const unknownCheckingProxy = (policy as unknown as { unknownCheckingProxy: <T>(x: T) => T })
  .unknownCheckingProxy;
export const UnknownValueError = (
  policy as unknown as { UnknownValueError: new (...a: unknown[]) => Error }
).UnknownValueError;
