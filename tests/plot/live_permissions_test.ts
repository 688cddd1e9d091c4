/**
 * What the live server's Worker may reach: loopback and the CA search
 * addresses, or every host when a search address is a broadcast one; and the
 * CA settings handed to it fully resolved (it has no `env` to read them);
 * with its grants, a write and a process are refused.
 */
import { assertEquals } from "../support/assert.ts";
import { resolveConfig } from "../../lib/ca/client_config.ts";
import {
  caNetPermission,
  liveWorkerPermissions,
  resolvedCaOptions,
} from "../../plot_live.ts";

Deno.test("live Worker's net: loopback and unicast search hosts; a broadcast one means every host", () => {
  const unicast = resolveConfig({
    addrList: ["10.0.3.21", "10.0.3.22:5070"],
    autoAddrList: false,
  });
  assertEquals(caNetPermission(unicast), [
    "127.0.0.1",
    "0.0.0.0",
    "10.0.3.21",
    "10.0.3.22",
  ]);
  for (const b of ["10.0.3.255", "255.255.255.255"]) {
    const config = resolveConfig({ addrList: [b], autoAddrList: false });
    assertEquals(caNetPermission(config), true, b);
  }
});

Deno.test("live Worker's CA settings: resolved here, nothing left to the environment", () => {
  const config = resolveConfig({
    addrList: ["127.0.0.1:5999"],
    autoAddrList: false,
    connectionTimeout: 7,
  });
  const options = resolvedCaOptions(config);
  assertEquals(options.addrList, ["127.0.0.1:5999"]);
  assertEquals(options.autoAddrList, false);
  assertEquals(resolveConfig(options).addresses, config.addresses);
  assertEquals(resolveConfig(options).connectionTimeout, 7);
});

Deno.test("live Worker's grants: a write and a process are refused, a read is not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws-live-probe-" });
  const worker = new Worker(
    new URL("./probes/write_probe_worker.ts", import.meta.url),
    {
      type: "module",
      deno: { permissions: liveWorkerPermissions(["127.0.0.1"]) },
    } as WorkerOptions,
  );
  try {
    const reply = await new Promise<Record<string, string>>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage(`${dir}/written.txt`);
    });
    assertEquals(reply, { write: "NotCapable", run: "NotCapable", read: "ok" });
    assertEquals(
      await Deno.stat(`${dir}/written.txt`).then(() => true, () => false),
      false,
    );
  } finally {
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});
