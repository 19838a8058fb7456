import * as assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as log from "@pulumi/pulumi/log";
import * as settings from "@pulumi/pulumi/runtime/settings";
import {
  installDebugRedaction,
  OMITTED,
  redactRpcResponse,
} from "../../../runtime/debug-redaction";

import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

const SECRET = "b3BlbnNzaC1rZXktdjEAAAAA-not-a-real-key-material";
const SIG = "4dabf18193072939515e22adb298388d";

describe("runtime: the SDK's debug diagnostics carry no outputs", () => {
  it("a monitor response stringifies with its secret outputs in plaintext (why this exists)", () => {
    const resp = new RegisterResourceResponse();
    resp.setUrn("urn:pulumi:s::p::command:remote:Command::k");
    resp.setObject(
      Struct.fromJavaScript({
        stdin: { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: SECRET },
      }),
    );
    assert.ok(resp.toString().includes(SECRET));
  });

  it("drops the response of each RPC the SDK logs, and keeps the label and the error", () => {
    const cases: [string, string][] = [
      [
        `RegisterResource RPC finished: resource:k[command:remote:Command]; err: null, resp: urn:x,stdin,,,${SECRET}`,
        `RegisterResource RPC finished: resource:k[command:remote:Command]; err: null, resp: ${OMITTED}`,
      ],
      [
        `ReadResource RPC finished: resource:k; err: Error: 2 UNKNOWN: boom, resp: x,${SECRET}\nmore`,
        `ReadResource RPC finished: resource:k; err: Error: 2 UNKNOWN: boom, resp: ${OMITTED}`,
      ],
      [
        `Invoke RPC finished: tok=pulumi:pulumi:getStack; err: null, resp: ${SECRET}`,
        `Invoke RPC finished: tok=pulumi:pulumi:getStack; err: null, resp: ${OMITTED}`,
      ],
      [
        `RegisterResourceOutputs RPC finished: urn=urn:x; err: null, resp: ${SECRET}`,
        `RegisterResourceOutputs RPC finished: urn=urn:x; err: null, resp: ${OMITTED}`,
      ],
      [
        `getResource Invoke RPC finished: err: null, resp: ${SECRET}`,
        `getResource Invoke RPC finished: err: null, resp: ${OMITTED}`,
      ],
    ];
    for (const [given, expected] of cases) assert.equal(redactRpcResponse(given), expected);
    for (const kept of [
      "Registering resource: t=command:remote:Command, name=k, custom=true, remote=false",
      "RegisterResource RPC prepared: t=command:remote:Command, name=k",
    ])
      assert.equal(redactRpcResponse(kept), kept);
  });

  it("wraps debug once, passes the other arguments through, and refuses an SDK without debug", () => {
    const seen: unknown[][] = [];
    const target = {
      debug: ((...a: unknown[]) => (seen.push(a), Promise.resolve())) as typeof log.debug,
    };
    installDebugRedaction(target);
    installDebugRedaction(target);
    void target.debug(`Invoke RPC finished: tok=t; err: null, resp: ${SECRET}`, undefined, 7, true);
    assert.deepEqual(seen, [
      [`Invoke RPC finished: tok=t; err: null, resp: ${OMITTED}`, undefined, 7, true],
    ]);
    assert.throws(
      () => installDebugRedaction({} as { debug: typeof log.debug }),
      /@pulumi\/pulumi\/log has no debug function.*runtime\/debug-redaction\.ts/,
    );
  });

  describe("through the real SDK, to an engine on loopback", () => {
    let server: grpc.Server;
    const logged: string[] = [];
    before(async () => {
      server = new grpc.Server();
      server.addService(EngineService, {
        log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
          logged.push(call.request.getMessage());
          cb(null, new Empty());
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
          e ? reject(e) : resolve(p),
        ),
      );
      settings.resetOptions("p", "s", -1, `127.0.0.1:${port}`, "", false, "");
      await pulumi.runtime.setMocks(
        {
          newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs as Record<string, unknown> }),
          call: (a) => a.inputs as Record<string, unknown>,
        },
        "p",
        "s",
        false,
      );
      installDebugRedaction();
    });
    after(() => {
      // Later suites set their own mocks: none of them may log to this engine.
      settings.resetOptions("project", "stack", -1, "", "", false, "");
      server.forceShutdown();
    });

    it("a command's secret stdin reaches the engine's debug log as neither plaintext nor response", async () => {
      const c = new command.remote.Command("k", {
        connection: { host: "127.0.0.1", user: "root", privateKey: pulumi.secret("PRIVATE") },
        create: "cat >/dev/null",
        stdin: pulumi.secret(SECRET),
      });
      await new Promise<void>((resolve) => c.urn.apply(() => resolve()));
      // Log messages are delivered in order: once this one is, every earlier one was too.
      await log.debug("flush");
      const finished = logged.filter((m) =>
        m.startsWith("RegisterResource RPC finished: resource:k"),
      );
      assert.equal(finished.length, 1, logged.join("\n"));
      assert.ok(finished[0]!.endsWith(`resp: ${OMITTED}`), finished[0]);
      assert.deepEqual(
        logged.filter((m) => m.includes(SECRET) || m.includes("PRIVATE")),
        [],
      );
    });
  });
});
