// How compose values are read: durations, memory sizes, command words, ${VAR} interpolation, image
// references, and the Fargate size a task rounds up to. Pure: no mocks.
import * as assert from "assert";
import { durationSeconds, fargateSize, interpolate, isRegistryImage, shellWords,
  sizeMiB } from "../../components/compose";

describe("compose value readers", () => {
  it("reads compose durations in seconds", () => {
    const cases: [unknown, number | undefined][] = [["1m30s", 90], ["500ms", 0.5], ["2h", 7200], ["1.5s", 1.5], ["10s",
      10], [15, 15], ["10", undefined], ["soon", undefined]];
    for (const [input, seconds] of cases) assert.strictEqual(durationSeconds(input), seconds, String(input));
  });

  it("reads compose memory sizes in MiB, rounded up", () => {
    const cases: [unknown, number | undefined][] = [["512M", 512], ["1g", 1024], ["1.5g", 1536], ["1GB", 1024], [
      1073741824,
      1024,
    ], ["100k", 1], ["lots", undefined]];
    for (const [input, mib] of cases) assert.strictEqual(sizeMiB(input), mib, String(input));
  });

  it("splits a command string into words as compose does", () => {
    assert.deepStrictEqual(shellWords(`gunicorn "a b" 'c d' e\\ f`), ["gunicorn", "a b", "c d", "e f"]);
    assert.strictEqual(shellWords(`sh -c "unclosed`), undefined);
  });

  it("interpolates ${VAR} with compose's default and alternative forms", () => {
    const env = { SET: "x", EMPTY: "" };
    assert.strictEqual(
      interpolate("${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+alt} ${UNSET:+alt} $SET $$SET", env),
      "x d d  alt  x $SET",
    );
  });

  it("tells registry images from local names", () => {
    assert.deepStrictEqual(
      ["123.dkr.ecr.us-east-1.amazonaws.com/web:1", "localhost:5000/web", "ghcr.io/a/b", "web:dev", "acme/web"].map(
        isRegistryImage,
      ),
      [true, true, true, false, false],
    );
  });

  it("rounds a task up to the cheapest valid Fargate size", () => {
    const cases: [number, number, { cpu: number; memory: number } | undefined][] = [
      [0, 0, { cpu: 256, memory: 512 }],
      [256, 3000, { cpu: 512, memory: 3072 }],
      [768, 1536, { cpu: 1024, memory: 2048 }],
      [2048, 1000, { cpu: 2048, memory: 4096 }],
      [4096, 31000, { cpu: 8192, memory: 32768 }],
      [8192, 70000, { cpu: 16384, memory: 73728 }],
      [20000, 1, undefined],
    ];
    for (const [cpu, memory, size] of cases) assert.deepStrictEqual(fargateSize(cpu, memory), size, `${cpu}/${memory}`);
  });
});
