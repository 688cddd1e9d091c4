import { MAX_TEXT, textToChars } from "../../lib/daemon/status.ts";
import {
  StoppedError,
  waitFor,
  WaitTimeoutError,
} from "../../lib/scan/wait.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";

Deno.test("char-waveform text: NUL-terminated UTF-8, truncated", () => {
  assertEquals(Array.from(textToChars("ok")), [111, 107, 0]);
  const long = textToChars("x".repeat(1000));
  assertEquals(long.length, MAX_TEXT + 1);
  assertEquals(long[MAX_TEXT], 0);
});

Deno.test("waitFor: every wait has a timeout and ends on abort", async () => {
  const never = new Promise<void>(() => {});
  const e = await assertRejects(
    () => waitFor(never, { what: "the moon", timeout: 0.02 }),
    /timed out after 0\.02 s waiting for the moon/,
  );
  assert(e instanceof WaitTimeoutError);
  const controller = new AbortController();
  const pending = waitFor(never, {
    what: "x",
    timeout: 5,
    signal: controller.signal,
  });
  controller.abort({ kind: "error", message: "lost connection to X" });
  const stopped = await assertRejects(() => pending, /lost connection to X/);
  assert(stopped instanceof StoppedError);
  assertEquals((stopped as StoppedError).reason.kind, "error");
  assertEquals(await waitFor(Promise.resolve(7), { what: "y", timeout: 1 }), 7);
});
