import * as assert from "node:assert/strict";
import { lineDiff } from "../../../preview/diff";

const file = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe("preview: line diff", () => {
  it("is empty for equal texts", () => {
    assert.equal(lineDiff("a\nb\n", "a\nb\n"), "");
  });

  it("shows an insertion with two lines of context and line numbers", () => {
    const before = file(10);
    const after = [...before.slice(0, 5), "inserted", ...before.slice(5)];
    assert.equal(
      lineDiff(before.join("\n"), after.join("\n")),
      ["@@ -4,4 +4,5 @@", " line 4", " line 5", "+inserted", " line 6", " line 7"].join("\n"),
    );
  });

  it("prints a changed line as deletion then insertion", () => {
    assert.equal(
      lineDiff("a\nmemory 512\nb\n", "a\nmemory 1024\nb\n"),
      ["@@ -1,3 +1,3 @@", " a", "-memory 512", "+memory 1024", " b"].join("\n"),
    );
  });

  it("splits distant changes into separate hunks", () => {
    const before = file(20);
    const after = [...before];
    after[1] = "changed 2";
    after[17] = "changed 18";
    assert.equal(
      lineDiff(before.join("\n"), after.join("\n")),
      [
        "@@ -1,4 +1,4 @@",
        " line 1",
        "-line 2",
        "+changed 2",
        " line 3",
        " line 4",
        "@@ -16,5 +16,5 @@",
        " line 16",
        " line 17",
        "-line 18",
        "+changed 18",
        " line 19",
        " line 20",
      ].join("\n"),
    );
  });

  it("handles files created from or emptied to nothing", () => {
    assert.equal(lineDiff("", "x\ny\n"), ["@@ -1,0 +1,2 @@", "+x", "+y"].join("\n"));
    assert.equal(lineDiff("x\n", ""), ["@@ -1,1 +1,0 @@", "-x"].join("\n"));
  });

  it("caps long diffs and says how many changed lines are not shown", () => {
    const before = file(50);
    const after = before.map((l) => `${l}!`);
    const out = lineDiff(before.join("\n"), after.join("\n"), { maxLines: 10 }).split("\n");
    assert.equal(out.length, 11);
    // 100 changed lines in all; 9 of the 10 shown lines are changes (the first is the hunk header)
    assert.equal(out[10], "… 91 more changed lines not shown");
  });

  it("does not diff inputs larger than the limit", () => {
    assert.equal(
      lineDiff(file(5).join("\n"), file(6).join("\n"), { maxInput: 5 }),
      "(not diffed: 5 → 6 lines, larger than 5)",
    );
  });

  it("summarises a rewrite with more changed lines than maxEdits instead of computing it", () => {
    const before = file(50);
    const after = before.map((l) => `${l}!`);
    assert.equal(
      lineDiff(before.join("\n"), after.join("\n"), { maxEdits: 99 }),
      "(not diffed: 50 → 50 lines, more than 99 lines differ)",
    );
    // 100 edits exactly: diffed.
    assert.match(
      lineDiff(before.join("\n"), after.join("\n"), { maxEdits: 100 }),
      /^@@ -1,50 \+1,50 @@\n-line 1\n/,
    );
  });

  it("keeps the common lines between scattered edits, as a minimal diff does", () => {
    assert.equal(
      lineDiff("a\nb\nc\nd\ne\n", "a\nB\nc\nD\ne\n", { context: 0 }),
      ["@@ -2,1 +2,1 @@", "-b", "+B", "@@ -4,1 +4,1 @@", "-d", "+D"].join("\n"),
    );
  });
});
