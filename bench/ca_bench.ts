/**
 * Channel Access benchmark: the fws client against EPICS's own libca, both
 * talking to a real softIoc in the same run. Prints a markdown table.
 *
 *   deno run -P=test bench/ca_bench.ts [--quick]
 *
 * CA_BENCH_WARMUP=n sets the untimed 1e6 gets (default 25);
 * CA_BENCH_DEBUG=1 prints every fws 1e6 get time.
 *
 * Needs the EPICS build (tests/support/build_epics.sh) and gcc.
 *
 * @module
 */
import { CAClient } from "../lib/ca/client.ts";
import { CAServer } from "../lib/ca/server.ts";
import {
  buildCaBench,
  caClientEnv,
  caput,
  MAX_ARRAY_BYTES,
  SoftIoc,
} from "../tests/support/epics.ts";
import { median } from "./table.ts";

const BIG = 1_000_000;
const PAYLOAD_MB = (BIG * 8) / 1e6;
const quick = Deno.args.includes("--quick");
/** Alternations of libca and fws blocks (fair under a varying machine load). */
const ROUNDS = quick ? 2 : 5;
const WF_PER_ROUND = quick ? 4 : 6;
/** Gets at the start of each libca process left out of its median. */
const C_COLD = 3;
/**
 * Gets before the timed ones (V8 needs ~20 calls of the fws decode path
 * before it runs optimised code; the first 5 are reported as "cold").
 */
const WF_WARMUP = Number(Deno.env.get("CA_BENCH_WARMUP") ?? 25);
/** Gets per round (ROUNDS rounds each). */
const SEQ_N = quick ? 300 : 1000;
const PIPE_N = 100;
const PIPE_ROUNDS = quick ? 20 : 200;
const PIPE_WARMUP = quick ? 100 : 300;
/**
 * Alternations of libca and fws blocks for the pipelined row: a block's
 * rate is bimodal on a 2-CPU machine for both clients (~0.4 or ~1.1 M
 * gets/s, by where the scheduler puts client and IOC threads), so 5 blocks
 * gave medians from either mode (ratios 0.3–1.9 in reruns of the same code).
 */
const PIPE_BLOCKS = quick ? 3 : 15;
const MON_N = quick ? 5000 : 20000;
const MON_ROUNDS = quick ? 1 : 3;

let cBin = "";
let freshTouchMs = NaN;
let port = 0;

/** Runs the C program; returns its JSON lines. */
async function libca(args: string[]): Promise<Record<string, unknown>[]> {
  const r = await new Deno.Command(cBin, {
    args,
    env: caClientEnv(port),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout);
  if (!r.success) {
    throw new Error(
      `ca_bench ${args.join(" ")} failed: ${
        new TextDecoder().decode(r.stderr)
      }`,
    );
  }
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

function spawnC(args: string[]): Deno.ChildProcess {
  return new Deno.Command(cBin, {
    args,
    env: caClientEnv(port),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

async function rssChild(pv: string): Promise<void> {
  // child mode: measure this process's RSS around 1e6-element gets
  const client = new CAClient({
    addrList: [`127.0.0.1:${port}`],
    autoAddrList: false,
  });
  await client.channel(pv).waitConnected(10);
  await client.get(pv, { count: 1 });
  const base = Deno.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(
    () => peak = Math.max(peak, Deno.memoryUsage().rss),
    1,
  );
  let firstPeak = 0;
  for (let i = 0; i < 5; i++) {
    const v = await client.get(pv);
    if ((v.value as Float64Array).length !== BIG) {
      throw new Error("short array");
    }
    peak = Math.max(peak, Deno.memoryUsage().rss);
    if (i === 0) firstPeak = peak;
  }
  clearInterval(timer);
  await client.close();
  // the floor of a get that returns a new array: writing 8 MB of memory the
  // process never touched before (page faults; costly in some VMs)
  const kept: Uint8Array[] = [];
  const touchMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const fresh = new Uint8Array(BIG * 8);
    fresh.fill(1);
    touchMs.push(performance.now() - t0);
    kept.push(fresh);
  }
  console.log(JSON.stringify({
    baseKb: base / 1024,
    firstPeakKb: firstPeak / 1024,
    peakKb: peak / 1024,
    freshTouchMs: median(touchMs),
    kept: kept.length,
  }));
}

interface Row {
  metric: string;
  fws: number;
  libca: number;
  unit: string;
  /** "time": lower is better, goal fws/libca ≤ limit; "rate": higher is better, ≥ limit */
  kind: "time" | "rate" | "rss";
  limit: number;
  note?: string;
}

async function main(): Promise<void> {
  cBin = await buildCaBench();
  Deno.env.set("EPICS_CA_MAX_ARRAY_BYTES", String(MAX_ARRAY_BYTES));
  const loadBefore = Deno.loadavg();
  const ioc = await SoftIoc.start();
  port = ioc.port;
  const rows: Row[] = [];
  const rsrv: Record<string, number> = {};
  let serverTable: Row[] = [];
  const client = new CAClient({
    addrList: [`127.0.0.1:${port}`],
    autoAddrList: false,
    timeout: 30,
  });
  try {
    const big = ioc.pv("WF:BIG");
    await ioc.fillBig(BIG);

    // 1. 1e6-element DOUBLE waveform get: ROUNDS alternations of a libca
    // process (its first C_COLD gets skipped) and a block of fws gets
    const cAll: number[] = [];
    let cCold: number[] = [];
    const fAll: number[] = [];
    const coldMs: number[] = [];
    const intoBuffer = new Float64Array(BIG);
    const fIntoAll: number[] = [];
    const fwsGet = async (into?: Float64Array): Promise<number> => {
      const t0 = performance.now();
      const v = await client.get(big, into ? { into } : undefined);
      const dt = performance.now() - t0;
      if ((v.value as Float64Array).length !== BIG) {
        throw new Error("fws: short array");
      }
      if ((v.value as Float64Array)[BIG - 1] !== (BIG - 1) * 0.5) {
        throw new Error("fws: wrong data");
      }
      if (Deno.env.get("CA_BENCH_DEBUG")) {
        console.error("fws get", dt.toFixed(1));
      }
      return dt;
    };
    // connected first, as libca's program does before its timed gets
    await client.channel(big).waitConnected(10);
    for (let i = 0; i < 5; i++) coldMs.push(await fwsGet());
    for (let i = 5; i < WF_WARMUP; i++) await fwsGet();
    for (let r = 0; r < ROUNDS; r++) {
      const c = (await libca(["wfget", big, String(C_COLD + WF_PER_ROUND)]))[0];
      const ms = c.ms as number[];
      if (r === 0) {
        cCold = ms.slice(0, 5);
        rsrv.rssBase = c.rssBaseKb as number;
        rsrv.rssPeak = c.rssPeakKb as number;
      }
      cAll.push(...ms.slice(C_COLD));
      for (let i = 0; i < WF_PER_ROUND; i++) fAll.push(await fwsGet());
      for (let i = 0; i < WF_PER_ROUND; i++) {
        fIntoAll.push(await fwsGet(intoBuffer));
      }
    }
    rsrv.wf = median(cAll);
    rows.push({
      metric: `1e6 DOUBLE waveform get (median of ${fAll.length})`,
      fws: median(fAll),
      libca: rsrv.wf,
      unit: "ms",
      kind: "time",
      limit: 1.5,
    });
    rows.push({
      metric:
        `1e6 DOUBLE waveform get into a reused buffer, get(pv, { into }) (median of ${fIntoAll.length})`,
      fws: median(fIntoAll),
      libca: rsrv.wf,
      unit: "ms",
      kind: "time",
      limit: 1,
    });
    rows.push({
      metric: "1e6 DOUBLE waveform get, cold: first 5 gets of the process",
      fws: median(coldMs),
      libca: median(cCold),
      unit: "ms",
      kind: "time",
      limit: 1.5,
    });

    // 2. RSS during the 1e6 get
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=test",
        new URL(import.meta.url).pathname,
        "--rss-child",
        String(port),
        big,
      ],
      env: { EPICS_CA_MAX_ARRAY_BYTES: String(MAX_ARRAY_BYTES) },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const rss = JSON.parse(
      new TextDecoder().decode(child.stdout).trim().split("\n").at(-1)!,
    );
    const cRss = (rsrv.rssPeak - rsrv.rssBase) / 1024;
    freshTouchMs = rss.freshTouchMs;
    rows.push({
      metric: `RSS growth during the first 1e6 get (payload ${PAYLOAD_MB} MB)`,
      fws: (rss.firstPeakKb - rss.baseKb) / 1024,
      libca: cRss,
      unit: "MB",
      kind: "rss",
      limit: 3,
    });
    rows.push({
      metric: `RSS growth over 5 consecutive 1e6 gets (garbage included)`,
      fws: (rss.peakKb - rss.baseKb) / 1024,
      libca: cRss,
      unit: "MB",
      kind: "rss",
      limit: 3,
    });

    // 3. sequential scalar gets
    const ai = ioc.pv("AI");
    await client.get(ai);
    const seqF: number[] = [];
    const seqC: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const c = (await libca(["seq", ai, String(SEQ_N)]))[0];
      seqC.push(SEQ_N / ((c.ms as number) / 1000));
      const t0 = performance.now();
      for (let i = 0; i < SEQ_N; i++) await client.get(ai);
      seqF.push(SEQ_N / ((performance.now() - t0) / 1000));
    }
    rows.push({
      metric: `sequential scalar gets (median of ${ROUNDS} runs of ${SEQ_N})`,
      fws: median(seqF),
      libca: median(seqC),
      unit: "gets/s",
      kind: "rate",
      limit: 1,
    });

    // 4. 100 pipelined gets (after PIPE_WARMUP untimed rounds: V8 needs a
    // few ten thousand gets before this path runs optimised code)
    const pipeF: number[] = [];
    const pipeC: number[] = [];
    for (let k = 0; k < PIPE_WARMUP; k++) {
      await Promise.all(Array.from({ length: PIPE_N }, () => client.get(ai)));
    }
    for (let r = 0; r < PIPE_BLOCKS; r++) {
      const c =
        (await libca(["pipe", ai, String(PIPE_N), String(PIPE_ROUNDS)]))[0];
      pipeC.push((c.n as number) / ((c.ms as number) / 1000));
      const t0 = performance.now();
      for (let k = 0; k < PIPE_ROUNDS; k++) {
        await Promise.all(
          Array.from({ length: PIPE_N }, () => client.get(ai)),
        );
      }
      pipeF.push((PIPE_N * PIPE_ROUNDS) / ((performance.now() - t0) / 1000));
    }
    rows.push({
      metric:
        `${PIPE_N} pipelined gets (median of ${PIPE_BLOCKS} runs of ${PIPE_ROUNDS} rounds, after ${PIPE_WARMUP} untimed)`,
      fws: median(pipeF),
      libca: median(pipeC),
      unit: "gets/s",
      kind: "rate",
      limit: 1,
    });

    // 5. monitor updates/s with none lost (a libca writer puts 1..N as fast as it can)
    const ao = ioc.pv("AO:FREE");
    const monF: number[] = [];
    const monC: number[] = [];
    let lostF = 0;
    let lostC = 0;
    for (let r = 0; r < MON_ROUNDS; r++) {
      const c = await libcaMonitor(ao);
      monC.push(c.received / (c.ms / 1000));
      lostC += c.lost;
      const f = await fwsMonitor(client, ao);
      monF.push(f.received / (f.ms / 1000));
      lostF += f.lost;
    }
    rows.push({
      metric:
        `monitor updates (${MON_N} puts by a libca writer at the IOC's pace, median of ${MON_ROUNDS})`,
      fws: median(monF),
      libca: median(monC),
      unit: "updates/s",
      kind: "rate",
      limit: 1,
      note: `lost: fws ${lostF}, libca ${lostC}`,
    });
    serverTable = await serverRows(ioc);
  } finally {
    await client.close();
    await ioc.close();
  }
  printTable(rows, loadBefore, Deno.loadavg());
  console.log(
    `\nFloor of any get returning a new 1e6-element array: filling 8 MB of ` +
      `fresh memory takes ${
        fmt(freshTouchMs)
      } ms in a new process here (page faults).`,
  );
  printServerTable(serverTable);
}

async function fwsMonitor(
  client: CAClient,
  ao: string,
): Promise<{ received: number; lost: number; ms: number }> {
  return await monitorRun(ao, async () => {
    let received = -1;
    let lost = 0;
    let expected = 0;
    let first = 0;
    let last = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => done = r);
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => ready = r);
    const sub = client.monitor(ao, (v) => {
      const x = v.value as number;
      received++;
      if (received === 0) {
        first = performance.now();
        ready();
      } else if (x !== expected) lost += x - expected;
      expected = x + 1;
      last = performance.now();
      if (x >= MON_N) done();
    }, { form: "plain" });
    await isReady;
    return async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        finished,
        new Promise((r) => timer = setTimeout(r, 60_000)),
      ]);
      clearTimeout(timer);
      sub.cancel();
      return { received, lost, ms: last - first };
    };
  });
}

async function libcaMonitor(
  pv: string,
): Promise<{ received: number; lost: number; ms: number }> {
  return await monitorRun(pv, async () => {
    const mon = spawnC(["monitor", pv, String(MON_N), "60"]);
    const lines = readLines(mon.stdout);
    await lines.next(); // ready
    return async () => {
      const res = JSON.parse((await lines.next()).value as string);
      await mon.status;
      return res as { received: number; lost: number; ms: number };
    };
  });
}

/**
 * libca against our server and against softIoc (rsrv), alternated in the
 * same run: after an untimed warm-up of our server (the same V8 warm-up
 * the fws client gets), ROUNDS rounds of 1e6 waveform and sequential gets,
 * PIPE_BLOCKS of pipelined gets and MON_ROUNDS of monitors, each a libca
 * process against softIoc then one against our server; medians of each.
 */
async function serverRows(ioc: SoftIoc): Promise<Row[]> {
  const server = new CAServer({
    serverPort: 0,
    udpPort: 0,
    intfAddrList: ["127.0.0.1"],
    beaconAddrList: ["127.0.0.1"],
    beaconPort: 1,
    maxArrayBytes: MAX_ARRAY_BYTES,
  });
  server.addPV("B:WF:BIG", {
    type: "double",
    count: BIG,
    value: Float64Array.from({ length: BIG }, (_, i) => i * 0.5),
  });
  server.addPV("B:AI", { type: "double", value: 3.14159 });
  server.addPV("B:AO:FREE", { type: "double" });
  const iocPort = port;
  const fwsPort = (await server.start()).udpPort;
  /** Runs `run` with libca pointed at softIoc (`fws` false) or at our server. */
  const against = async <T>(
    fws: boolean,
    run: (pv: (name: string) => string) => Promise<T>,
  ): Promise<T> => {
    port = fws ? fwsPort : iocPort;
    try {
      return await run((name) => fws ? `B:${name}` : ioc.pv(name));
    } finally {
      port = iocPort;
    }
  };
  const seq = (fws: boolean) =>
    against(fws, async (pv) => {
      const r = (await libca(["seq", pv("AI"), String(SEQ_N)]))[0];
      return SEQ_N / ((r.ms as number) / 1000);
    });
  const pipe = (fws: boolean, rounds = PIPE_ROUNDS) =>
    against(fws, async (pv) => {
      const r =
        (await libca(["pipe", pv("AI"), String(PIPE_N), String(rounds)]))[0];
      return (r.n as number) / ((r.ms as number) / 1000);
    });
  const mon = (fws: boolean) =>
    against(fws, (pv) => libcaMonitor(pv("AO:FREE")));
  const wf = (fws: boolean) =>
    against(fws, async (pv) => {
      const r = (await libca([
        "wfget",
        pv("WF:BIG"),
        String(C_COLD + WF_PER_ROUND),
      ]))[0];
      return (r.ms as number[]).slice(C_COLD);
    });
  try {
    // warm-up of our server only (untimed)
    await against(
      true,
      (pv) => libca(["wfget", pv("WF:BIG"), String(WF_WARMUP)]),
    );
    await seq(true);
    await pipe(true, PIPE_WARMUP);
    await mon(true);
    const waveforms = { ioc: [] as number[], fws: [] as number[] };
    const seqs = { ioc: [] as number[], fws: [] as number[] };
    const pipes = { ioc: [] as number[], fws: [] as number[] };
    const mons = { ioc: [] as number[], fws: [] as number[] };
    const lost = { ioc: 0, fws: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      waveforms.ioc.push(...await wf(false));
      waveforms.fws.push(...await wf(true));
      seqs.ioc.push(await seq(false));
      seqs.fws.push(await seq(true));
    }
    for (let r = 0; r < PIPE_BLOCKS; r++) {
      pipes.ioc.push(await pipe(false));
      pipes.fws.push(await pipe(true));
    }
    for (let r = 0; r < MON_ROUNDS; r++) {
      for (const side of ["ioc", "fws"] as const) {
        const m = await mon(side === "fws");
        mons[side].push(m.received / (m.ms / 1000));
        lost[side] += m.lost;
      }
    }
    const row = (
      metric: string,
      values: { ioc: number[]; fws: number[] },
      unit: string,
      kind: "time" | "rate",
      limit: number,
    ): Row => ({
      metric: `${metric} (median of ${values.fws.length})`,
      fws: median(values.fws),
      libca: median(values.ioc),
      unit,
      kind,
      limit,
    });
    return [
      row("libca: 1e6 DOUBLE waveform get", waveforms, "ms", "time", 1.25),
      row("libca: sequential scalar gets", seqs, "gets/s", "rate", 0.8),
      row(`libca: ${PIPE_N} pipelined gets`, pipes, "gets/s", "rate", 0.8),
      {
        ...row(
          `libca: monitor updates (${MON_N} puts by a libca writer)`,
          mons,
          "updates/s",
          "rate",
          0.8,
        ),
        note: `lost: fws server ${lost.fws}, softIoc ${lost.ioc}`,
      },
    ];
  } finally {
    await server.close();
  }
}

function printServerTable(rows: Row[]): void {
  console.log(
    `\nCA server: libca (EPICS 7.0.3.1) against the fws server vs against softIoc (rsrv), alternated after a warm-up of the fws server\n`,
  );
  console.log(
    "| metric | fws server | softIoc | unit | fws/softIoc | goal | met |",
  );
  console.log("| --- | ---: | ---: | --- | ---: | --- | :---: |");
  for (const r of rows) console.log(tableLine(r));
}

async function monitorRun(
  pv: string,
  start: () => Promise<
    () => Promise<{ received: number; lost: number; ms: number }>
  >,
): Promise<{ received: number; lost: number; ms: number }> {
  await caput([pv, "0"], { port });
  const finish = await start();
  await libca(["put", pv, String(MON_N), "10"]);
  return await finish();
}

async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buf = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function printTable(rows: Row[], before: number[], after: number[]): void {
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `\nCA benchmark: fws client vs libca (EPICS 7.0.3.1), softIoc on loopback; ` +
      `${ROUNDS} interleaved rounds; load average ${load(before)} → ${
        load(after)
      } on ${navigator.hardwareConcurrency} CPUs\n`,
  );
  console.log("| metric | fws | libca | unit | fws/libca | goal | met |");
  console.log("| --- | ---: | ---: | --- | ---: | --- | :---: |");
  for (const r of rows) console.log(tableLine(r));
}

/** A row of either table: the figures, their ratio, the goal and whether it is met. */
function tableLine(r: Row): string {
  const ratio = r.fws / r.libca;
  const [goal, met] = r.kind === "time"
    ? [`≤ ${r.limit}×`, ratio <= r.limit]
    : r.kind === "rate"
    ? [`≥ ${r.limit}×`, ratio >= r.limit]
    : [`≤ ${r.limit}× payload`, r.fws <= r.limit * PAYLOAD_MB];
  return `| ${r.metric}${r.note ? ` (${r.note})` : ""} | ${fmt(r.fws)} | ${
    fmt(r.libca)
  } | ${r.unit} | ${ratio.toFixed(2)} | ${goal} | ${met ? "yes" : "**no**"} |`;
}

if (Deno.args[0] === "--rss-child") {
  port = Number(Deno.args[1]);
  await rssChild(Deno.args[2]);
} else {
  await main();
}
