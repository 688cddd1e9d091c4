import {
  broadcastAddresses,
  parseAddress,
  resolveConfig,
} from "../../lib/ca/client_config.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";

const VARS = [
  "EPICS_CA_ADDR_LIST",
  "EPICS_CA_AUTO_ADDR_LIST",
  "EPICS_CA_SERVER_PORT",
  "EPICS_CA_REPEATER_PORT",
  "EPICS_CA_CONN_TMO",
  "EPICS_CA_MAX_SEARCH_PERIOD",
  "EPICS_CA_MAX_ARRAY_BYTES",
];

function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(VARS.map((k) => [k, Deno.env.get(k)]));
  for (const k of VARS) Deno.env.delete(k);
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

Deno.test("config: libca defaults", () => {
  const c = withEnv({ EPICS_CA_AUTO_ADDR_LIST: "NO" }, () => resolveConfig());
  assertEquals(c.addresses, []);
  assertEquals(c.serverPort, 5064);
  assertEquals(c.repeaterPort, 5065);
  assertEquals(c.connectionTimeout, 30);
  assertEquals(c.maxSearchPeriod, 300);
  assertEquals(c.timeout, 5);
  assert(c.maxArrayBytes >= 64 * 1024 * 1024);
});

Deno.test("config: EPICS_CA_* variables as libca reads them", () => {
  const c = withEnv({
    EPICS_CA_ADDR_LIST: " 10.0.0.255  ioc1:6000 127.0.0.1",
    EPICS_CA_AUTO_ADDR_LIST: "no",
    EPICS_CA_SERVER_PORT: "7064",
    EPICS_CA_REPEATER_PORT: "7065",
    EPICS_CA_CONN_TMO: "2.5",
    EPICS_CA_MAX_SEARCH_PERIOD: "10",
    EPICS_CA_MAX_ARRAY_BYTES: "200000000",
  }, () => resolveConfig());
  assertEquals(c.addresses, [
    { host: "10.0.0.255", port: 7064 },
    { host: "ioc1", port: 6000 },
    { host: "127.0.0.1", port: 7064 },
  ]);
  assertEquals(c.repeaterPort, 7065);
  assertEquals(c.connectionTimeout, 2.5);
  assertEquals(c.maxSearchPeriod, 60, "libca's 60 s floor");
  assertEquals(c.maxArrayBytes, 200000000 + 4096);
});

Deno.test("config: options win over the environment; auto list adds broadcasts", () => {
  const c = withEnv({
    EPICS_CA_ADDR_LIST: "10.1.1.1",
    EPICS_CA_AUTO_ADDR_LIST: "NO",
  }, () =>
    resolveConfig({
      addrList: ["127.0.0.1:5999"],
      autoAddrList: true,
      connectionTimeout: 0.5,
      maxSearchPeriod: 1,
    }));
  assertEquals(c.addresses[0], { host: "127.0.0.1", port: 5999 });
  assertEquals(c.addresses.length, 1 + broadcastAddresses().length);
  assertEquals(c.connectionTimeout, 0.5);
  assertEquals(c.maxSearchPeriod, 1);
  for (const b of broadcastAddresses()) {
    assert(/^\d+\.\d+\.\d+\.\d+$/.test(b) && !b.startsWith("127."), b);
  }
});

Deno.test("config: bad addresses are named", () => {
  assertThrows(
    () => parseAddress("host:99999", 5064),
    /'host:99999' has a bad port/,
  );
  assertThrows(() => parseAddress("a b", 5064), /'a b' is not valid/);
});
