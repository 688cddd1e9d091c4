import { assertEquals, assertMatch } from "./support/assert.ts";
import { main } from "../main.ts";
import { FWSScanInterface, parsePvMap } from "../lib/pvmap/mod.ts";

Deno.test("fws --version prints the version and exits 0", async () => {
  assertEquals(await main(["--version"]), 0);
});

Deno.test("fws with an unknown command exits 2", async () => {
  assertEquals(await main(["frobnicate"]), 2);
});

Deno.test("interface resolves the test-mode prefix for scanner 3", () => {
  const map = new FWSScanInterface(3, { testMode: true });
  assertEquals(map.prefix, "Test:FWS03:");
  assertEquals(map.pv("scan.start"), "Test:FWS03:SCAN:START");
  assertEquals(map.pv("motor.rbv"), "Test:FWS03:MTR.RBV");
  assertEquals(map.pv("iops.ch2"), "Test:FWS03:IOPS:CH2");
  assertEquals(map.pv("fit.PDT.sigmaErr"), "Test:FWS03:FIT:PDT:SIGMA_ERR");
});

Deno.test("a map file overrides, nulls and rejects unknown names", () => {
  const map = new FWSScanInterface(
    12,
    parsePvMapOptions(
      `{"prefix":"LAB{N}:","pvs":{"idc.current":null,"motor.val":"{P}M1"}}`,
    ),
  );
  assertEquals(map.pv("idc.current"), null);
  assertEquals(map.pv("motor.val"), "LAB12:M1");
  let message = "";
  try {
    new FWSScanInterface(1, parsePvMapOptions(`{"pvs":{"scan.bogus":"X"}}`));
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /unknown logical name 'scan\.bogus'/);
});

function parsePvMapOptions(
  text: string,
): { map: ReturnType<typeof parsePvMap> } {
  return { map: parsePvMap(text) };
}
