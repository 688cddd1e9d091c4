/** `fws sim`: argument parsing, help, and the running command over CA. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { UsageError } from "../../lib/cli.ts";
import { freePort } from "../support/epics.ts";
import { CAClient } from "../../lib/ca/mod.ts";
import { parseSimArgs, simMain } from "../../lib/sim/cli.ts";

Deno.test("fws sim: options parse into simulator options", async () => {
  const o = await parseSimArgs([
    "4",
    "--test-mode",
    "--seed",
    "9",
    "--center",
    "-1.5",
    "--sigma",
    "0.8",
    "--amplitude",
    "2",
    "--background",
    "0.1",
    "--noise",
    "0",
    "--velocity",
    "8",
    "--acquisition-time",
    "0.2",
    "--port",
    "15099",
    "--interface",
    "127.0.0.1",
  ]);
  assert(o !== "help");
  assertEquals(o.scannerIndex, 4);
  assertEquals(o.testMode, true);
  assertEquals(o.seed, 9);
  assertEquals(o.beam, {
    center: -1.5,
    sigma: 0.8,
    amplitude: 2,
    background: 0.1,
    noise: 0,
  });
  assertEquals(o.motor, { velocity: 8 });
  assertEquals(o.acquisitionTime, 0.2);
  assertEquals(o.server?.udpPort, 15099);
  assertEquals(o.server?.intfAddrList, ["127.0.0.1"]);
  assertEquals(await parseSimArgs(["--help"]), "help");
});

Deno.test("fws sim: bad input is a one-line usage error naming the option", async () => {
  const cases: [string[], RegExp][] = [
    [[], /missing scanner_index/],
    [["0"], /scanner_index: expected a whole number from 1 to 99/],
    [["1", "--sigma", "0"], /--sigma: expected a number > 0, got '0'/],
    [["1", "--center", "abc"], /--center: expected a number, got 'abc'/],
    [["1", "--noise", "-1"], /--noise: expected a number ≥ 0/],
    [
      ["1", "--port", "70000"],
      /--port: expected a whole number from 1 to 65535/,
    ],
    [["1", "--seed", "x"], /--seed: expected a whole number/],
    [["1", "--bogus"], /fws sim: Unknown option '--bogus'/],
    [
      ["1", "--pv-map", "/nonexistent/map.json"],
      /--pv-map \/nonexistent\/map.json: cannot read/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const error = await assertRejects(() => parseSimArgs(args), pattern);
    assert(error instanceof UsageError, `${args.join(" ")}: ${error}`);
  }
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, `{"pvs": {"scan.nope": "X"}}`);
    const error = await assertRejects(
      () => parseSimArgs(["1", "--pv-map", `${dir}/bad.json`]),
      /scan\.nope/,
    );
    assert(error instanceof UsageError);
    await Deno.writeTextFile(
      `${dir}/map.json`,
      `{"prefix": "LAB{NN}:", "pvs": {"idc.current": null}}`,
    );
    const o = await parseSimArgs(["1", "--pv-map", `${dir}/map.json`]);
    assert(o !== "help");
    assertEquals(o.pvMap?.prefix, "LAB{NN}:");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fws sim --help prints the usage and returns 0", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    assertEquals(await simMain(["--help"]), 0);
  } finally {
    console.log = log;
  }
  assertMatch(lines.join("\n"), /Usage: fws sim <scanner_index>/);
  assertMatch(lines.join("\n"), /--seed N/);
});

Deno.test("fws sim: serves until SIGINT, prints the prefix and how to point clients at it", async () => {
  const port = await freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=sim",
      "main.ts",
      "sim",
      "5",
      "--test-mode",
      "--port",
      String(port),
      "--interface",
      "127.0.0.1",
      "--seed",
      "2",
    ],
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = Date.now() + 30000;
  while (!out.includes("Ctrl-C to stop") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const ca = new CAClient({
    addrList: [`127.0.0.1:${port}`],
    autoAddrList: false,
    timeout: 5,
  });
  try {
    assertMatch(out, /prefix Test:FWS05:/);
    assertMatch(out, new RegExp(`EPICS_CA_ADDR_LIST=127\\.0\\.0\\.1:${port}`));
    assertEquals((await ca.get("Test:FWS05:SCAN:NSTEPS")).value, 41);
    // the banner's commands run as printed, in a shell in the checkout
    const exports = out.match(/^ {2}(export EPICS_CA_ADDR_LIST=.+)$/m)?.[1];
    const get = out.match(/^ {2}(.+ ca get Test:FWS05:SCAN:STATE)$/m)?.[1];
    assert(exports && get, out);
    const shell = await new Deno.Command("bash", {
      args: ["-c", `${exports}; ${get}`],
      cwd: new URL("../../", import.meta.url).pathname,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const printed = new TextDecoder().decode(shell.stdout);
    assertEquals(shell.code, 0, new TextDecoder().decode(shell.stderr));
    assertMatch(printed, /Test:FWS05:SCAN:STATE\s+IDLE/);
    await ca.put("Test:FWS05:MTR.VAL", 0.5, { wait: true });
    assertEquals((await ca.get("Test:FWS05:MTR.RBV")).value, 0.5);
  } finally {
    await ca.close();
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const status = await child.status;
    await child.stderr.cancel();
    assertEquals(status.code, 0, out);
    assertMatch(out, /SIGINT, stopping/);
  }
});
