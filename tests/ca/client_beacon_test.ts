/**
 * Beacons: an anomaly (a new server, a restarted one) restarts the search
 * back-off at once, whether beacons come straight to the repeater port or
 * through a CA repeater the client registered with.
 */
import dgram from "node:dgram";
import {
  CAClient,
  decodeRequest,
  encodeResponse,
  splitDatagram,
} from "../../lib/ca/mod.ts";
import { BeaconTracker } from "../../lib/ca/client_search.ts";
import { freePort } from "../support/epics.ts";
import { assert, assertEquals } from "../support/assert.ts";

async function udp(port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(port, "127.0.0.1", () => r()));
  return s;
}

function close(s: dgram.Socket): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

function beacon(id: number): Uint8Array {
  return encodeResponse({
    command: "RSRV_IS_UP",
    version: 13,
    port: 5064,
    beaconId: id,
    address: "127.0.0.1",
  });
}

function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (performance.now() > deadline) {
        return reject(new Error(`timed out waiting for ${what}`));
      }
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** A UDP sink that records when search datagrams arrive. */
async function searchSink(): Promise<
  { socket: dgram.Socket; times: number[] }
> {
  const socket = await udp();
  const times: number[] = [];
  socket.on("message", (m) => {
    if (splitDatagram(m).some((r) => r.command === 6)) {
      times.push(performance.now());
    }
  });
  return { socket, times };
}

Deno.test("beacons on the repeater port: a new server restarts the search", async () => {
  const sink = await searchSink();
  const beaconPort = await freePort();
  const client = new CAClient({
    addrList: [`127.0.0.1:${sink.socket.address().port}`],
    autoAddrList: false,
    maxSearchPeriod: 60,
    repeaterPort: beaconPort, // no repeater there: the client listens itself
  });
  const sender = await udp();
  try {
    client.channel("SOMEWHERE:ELSE");
    await new Promise((r) => setTimeout(r, 2200)); // back-off has grown past 1 s
    const before = sink.times.length;
    const sentAt = performance.now();
    sender.send(beacon(0), beaconPort, "127.0.0.1");
    await until(
      () => sink.times.length > before,
      500,
      "a search after the beacon",
    );
    const ms = sink.times[before] - sentAt;
    console.log(`search ${ms.toFixed(0)} ms after a new server's beacon`);
    assert(ms < 200);
    // a restarted server (beacon id back to 0 after 1) is one
    sender.send(beacon(1), beaconPort, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 1000));
    const settled = sink.times.length;
    sender.send(beacon(0), beaconPort, "127.0.0.1");
    await until(
      () => sink.times.length > settled,
      500,
      "a search after the restart",
    );
  } finally {
    await client.close();
    await close(sender);
    await close(sink.socket);
  }
});

Deno.test("beacons through a CA repeater the client registered with", async () => {
  const sink = await searchSink();
  const repeater = await udp();
  const clients: { port: number; address: string }[] = [];
  repeater.on("message", (m, rinfo) => {
    for (const raw of splitDatagram(m)) {
      if (decodeRequest(raw).command === "REPEATER_REGISTER") {
        clients.push({ port: rinfo.port, address: rinfo.address });
        repeater.send(
          encodeResponse({ command: "REPEATER_CONFIRM", address: "127.0.0.1" }),
          rinfo.port,
          rinfo.address,
        );
      }
    }
  });
  const client = new CAClient({
    addrList: [`127.0.0.1:${sink.socket.address().port}`],
    autoAddrList: false,
    maxSearchPeriod: 60,
    repeaterPort: repeater.address().port,
  });
  try {
    client.channel("SOMEWHERE:ELSE");
    await until(() => clients.length === 1, 2000, "REPEATER_REGISTER");
    await new Promise((r) => setTimeout(r, 1000));
    const before = sink.times.length;
    repeater.send(beacon(7), clients[0].port, clients[0].address);
    await until(
      () => sink.times.length > before,
      500,
      "a search after the forwarded beacon",
    );
    await new Promise((r) => setTimeout(r, 700));
    assertEquals(clients.length, 1, "registered once, confirmed");
  } finally {
    await client.close();
    await close(repeater);
    await close(sink.socket);
  }
});

Deno.test("beacons: what counts as an anomaly", () => {
  const t = new BeaconTracker();
  assertEquals(t.observe("a:1", 5, 0), true, "first beacon of a server");
  assertEquals(t.observe("a:1", 6, 1000), false, "next in sequence");
  assertEquals(t.observe("a:1", 7, 2000), false, "same period");
  assertEquals(t.observe("a:1", 8, 4000), false, "period doubling");
  assertEquals(t.observe("a:1", 9, 4500), true, "much shorter period");
  assertEquals(t.observe("a:1", 10, 5000), false);
  assertEquals(t.observe("a:1", 11, 9000), true, "back after a silence");
  assertEquals(t.observe("a:1", 0, 10000), true, "id restarted");
  assertEquals(t.observe("b:2", 0, 10000), true, "another server");
  assertEquals(t.observe("a:1", 0, 11000), false, "a repeated id is tolerated");
});
