import * as pulumi from "@pulumi/pulumi";
import { INTENT_VERSION, Intent, IntentRecordProps } from "../model/intent";
import { TOKENS } from "../model/tokens";

export interface IntentRecordArgs {
  /** Plain data, never secret (it is stored in state and read by the policy pack). */
  readonly intent: Intent;
}

/**
 * Publishes one intent record: its inputs (what resource policies see) and outputs (what stack
 * policies see) are both `{ version, intent }`.
 */
export class IntentRecord extends pulumi.ComponentResource {
  public readonly intent: Intent;

  constructor(name: string, args: IntentRecordArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const props: IntentRecordProps = { version: INTENT_VERSION, intent: args.intent };
    super(TOKENS.intent, name, props, opts);
    this.intent = args.intent;
    this.registerOutputs(props);
  }
}
