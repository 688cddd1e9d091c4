/**
 * A CA server in a process of its own, for tests that lower its open-file
 * limit (`prlimit`): serves `L:VAL` (a counter) on 127.0.0.1 with free ports,
 * prints `{"tcpPort":…,"udpPort":…}` on stdout and its log on stderr. Env
 * `FWS_TEST_MAX_CIRCUITS` sets `maxCircuits` (default: from the limit). The
 * floods come from one host, so the per-host cap is lifted: these tests are
 * of the open-file limit.
 *
 * @module
 */
import { configure, getStreamSink } from "@logtape/logtape";
import { CAServer } from "../../lib/ca/server.ts";

await configure({
  sinks: { stderr: getStreamSink(Deno.stderr.writable) },
  loggers: [
    { category: ["fws"], lowestLevel: "info", sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
  ],
});
const max = Deno.env.get("FWS_TEST_MAX_CIRCUITS");
const server = new CAServer({
  serverPort: 0,
  udpPort: 0,
  intfAddrList: ["127.0.0.1"],
  beaconPort: 1,
  beaconAddrList: ["127.0.0.1"],
  maxCircuits: max ? Number(max) : undefined,
  maxCircuitsPerHost: Infinity,
});
const pv = server.addPV("L:VAL", { type: "long", value: 0 });
const ports = await server.start();
console.log(JSON.stringify({ ...ports, maxCircuits: server.maxCircuits }));
let n = 0;
setInterval(() => pv.set(++n), 20);
Deno.addSignalListener("SIGTERM", async () => {
  await server.close();
  Deno.exit(0);
});
