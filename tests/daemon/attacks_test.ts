/**
 * The hostile hooks of issue 17 against a real daemon and `fws sim`, one
 * request each: every one ends that hook only, on SCAN:MSG and in the log,
 * while the daemon's heartbeat keeps counting, the request ends DONE within
 * the hook timeout plus 2 s of a harmless request's time, the daemon's
 * resident memory stays below a bound, and the next request succeeds.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { text } from "./rig.ts";
import { nextFinalState } from "./subprocess.ts";
import { startHookRig } from "./hook_rig.ts";

const HOOKS = new URL("./fixtures/hooks_attack.js", import.meta.url).pathname;
const TIMEOUT = 2;
/** The daemon's resident memory may not exceed this [MB] (deno run: ~150). */
const RSS_BOUND = 400;

/** The attacks of hooks_attack.js by step count, and what MSG must say. */
const ATTACKS: [number, string, RegExp][] = [
  [12, "fills the V8 heap", /stopped: ran out of memory \(heap limit 128 MB\)/],
  [13, "allocates 4 GiB", /stopped: used more than \d+ MB of memory/],
  [14, "busy loop", /stopped: no answer within 2 s \(hung\)/],
  [15, "forges the protocol", /stopped: no answer within 2 s \(hung\)/],
  [16, "starts Workers", /ReferenceError: Worker is not defined/],
  // a hook's answer is logged, cut (see the log check below)
  [17, "answers 30 MB", /completed 1 scan/],
  [18, "floods stdout", /stopped: printed more than 1 MiB/],
  [19, "calls Deno.exit", /stopped: no answer within 2 s \(hung\)/],
];

/** What MSG says of the hook (or of the request, when the hook was fine). */
function outcome(msg: string): string {
  return (/callback failed: (.*?); file/.exec(msg)?.[1] ??
    msg.replace(/; file .*/, ""))
    .slice(0, 80);
}

/** Resident memory of `pid` [MB] (/proc of another process needs -A: ps). */
async function rssMb(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "rss=", "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
}

Deno.test("attacks: hostile hooks end themselves only; heartbeat, time, memory and the next request hold", async () => {
  const rig = await startHookRig(HOOKS, {
    args: ["--hook-timeout", String(TIMEOUT), "--hook-memory", "128"],
    flags: [`--allow-run=${Deno.execPath()}`],
  });
  const { ca, daemon, pv } = rig;
  const beats: number[] = [];
  const sub = ca.monitor(
    pv("scan.heartbeat"),
    (v) => beats.push(Number(v.value)),
  );
  try {
    const request = async (steps: number) => {
      await ca.put(pv("scan.nSteps"), steps, { wait: true });
      const final = nextFinalState(ca, pv("scan.state"), 60);
      const t0 = performance.now();
      const before = beats.length;
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await rssMb(daemon.child.pid));
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await ca.put(pv("scan.start"), 1, { wait: true });
      const state = await final.finally(() => sampling = false);
      const seconds = (performance.now() - t0) / 1000;
      await sampler;
      return {
        state,
        seconds,
        beats: beats.length - before,
        peak,
        msg: text((await ca.get(pv("scan.msg"))).value),
      };
    };
    const base = await request(11);
    assertEquals(base.state, "DONE", daemon.stderr());
    assertMatch(base.msg, /completed 1 scan/);
    const rows = [
      `| harmless | DONE | ${base.seconds.toFixed(1)} s | ${
        base.peak.toFixed(0)
      } MB | ${outcome(base.msg)} |`,
    ];
    for (const [steps, what, expected] of ATTACKS) {
      const r = await request(steps);
      const where = `${what}: ${r.msg} ${daemon.stderr().slice(-2000)}`;
      assertEquals(r.state, "DONE", where);
      assertMatch(r.msg, expected, where);
      assert(
        r.seconds <= base.seconds + TIMEOUT + 2,
        `${what}: ${r.seconds.toFixed(2)} s, a harmless request ${
          base.seconds.toFixed(2)
        } s`,
      );
      // the heartbeat kept counting: one a second, give or take one
      assert(
        r.beats >= Math.floor(r.seconds) - 1,
        `${what}: ${r.beats} beats in ${r.seconds.toFixed(2)} s`,
      );
      assert(
        r.peak < RSS_BOUND,
        `${what}: the daemon reached ${r.peak.toFixed(0)} MB`,
      );
      rows.push(
        `| ${what} | ${r.state} | ${r.seconds.toFixed(1)} s | ${
          r.peak.toFixed(0)
        } MB | ${outcome(r.msg)} |`,
      );
    }
    const after = await request(11);
    assertEquals(after.state, "DONE");
    assert(!/failed/.test(after.msg), after.msg);
    const log = await rig.log();
    assert(!/run inside the daemon/.test(log), "each call had its own process");
    assertEquals(
      log.match(/failed on requestStarted: custom pre callback failed/g)
        ?.length,
      ATTACKS.length - 1,
      log.slice(-3000),
    );
    const answer = log.split("\n").find((l) =>
      /custom pre callback: x/.test(l)
    );
    assert(answer && answer.length < 4096 + 500, "the 30 MB answer is cut");
    assertMatch(answer, /… \(cut at 4096 characters\)/);
    console.log(
      [
        "| attack | state | time | daemon RSS | SCAN:MSG |",
        "|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
    daemon.child.kill("SIGTERM");
    assertEquals((await daemon.exited(8)).code, 0);
  } finally {
    sub.cancel();
    await rig.close();
  }
});
