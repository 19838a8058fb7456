import * as assert from "node:assert/strict";
import { loadInventory } from "../../../model/load";
import { syntheticInventory } from "../../../bench/synthetic";

describe("bench: synthetic inventories (P4)", () => {
  for (const n of [4, 50, 500]) {
    it(`${n} machines: valid, exactly ${n} machines, one router, a hypervisor per ten`, () => {
      const result = loadInventory(syntheticInventory(n));
      assert.deepEqual(result.issues, []);
      const lab = result.lab!;
      assert.equal(lab.machines.length, n);
      assert.equal(lab.routers.length, 1);
      assert.equal(lab.hypervisors.length, Math.max(1, Math.round((n - 1) / 10)));
      assert.deepEqual(
        lab.services.map((s) => s.name),
        ["app", "proxy"],
      );
    });
  }

  it("refuses a size that cannot hold the published proxy and its app", () => {
    assert.throws(() => syntheticInventory(3), /at least 4 machines/);
  });
});
