/**
 * A client that never reads its socket: its circuit's queue stays bounded
 * (monitor updates are merged, and past `maxQueuedBytes` the circuit is
 * closed with a logged reason) and another client is served all along.
 */
import { assert } from "../support/assert.ts";
import { CAClient } from "../../lib/ca/client.ts";
import { dbrType, encodeRequest } from "../../lib/ca/codec/mod.ts";
import {
  CIRCUIT_HIGH_WATER,
  type ServerCircuit,
} from "../../lib/ca/protocol/mod.ts";
import { CAServer } from "../../lib/ca/server.ts";
import { RawClient, until, withTimeout } from "./server_support.ts";

const COUNT = 100_000; // 800 kB per update

interface Rig {
  server: CAServer;
  tcpPort: number;
  udpPort: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A server whose S:WF (and its counter S:N) changes every 2 ms. */
async function fastServer(maxQueuedBytes?: number): Promise<Rig> {
  const server = new CAServer({
    serverPort: 0,
    udpPort: 0,
    intfAddrList: ["127.0.0.1"],
    beaconPort: 1,
    beaconAddrList: ["127.0.0.1"],
    maxArrayBytes: 8 * COUNT + 1024,
    maxQueuedBytes,
  });
  const wf = server.addPV("S:WF", { type: "double", count: COUNT });
  const n = server.addPV("S:N", { type: "long", value: 0 });
  const { tcpPort, udpPort } = await server.start();
  const data = new Float64Array(COUNT);
  let i = 0;
  const timer = setInterval(() => {
    data[0] = ++i;
    wf.set(data);
    n.set(i);
  }, 2);
  return {
    server,
    tcpPort,
    udpPort,
    async [Symbol.asyncDispose]() {
      clearInterval(timer);
      await server.close();
    },
  };
}

function slowCircuit(server: CAServer): ServerCircuit {
  const c = server.circuits.find((c) => c.userName === "tester");
  if (!c) throw new Error("the raw client's circuit is not open");
  return c;
}

/** 50 gets in a row by another client, each answered within a second. */
async function otherClientServed(rig: Rig): Promise<number> {
  const client = new CAClient({
    addrList: [`127.0.0.1:${rig.udpPort}`],
    autoAddrList: false,
    timeout: 1,
  });
  const updates: number[] = [];
  const sub = client.monitor("S:N", (v) => updates.push(v.value as number));
  try {
    let last = 0;
    for (let k = 0; k < 50; k++) {
      const v = (await client.get("S:N")).value as number;
      assert(v >= last, `counter went back from ${last} to ${v}`);
      last = v;
    }
    await until(() => updates.length >= 10, 5, "10 monitor updates");
    return last;
  } finally {
    sub.cancel();
    await client.close();
  }
}

Deno.test("server: a client that never reads a fast monitor does not stall another client, and its queue stays bounded", async () => {
  await using rig = await fastServer();
  const slow = await RawClient.connect(rig.tcpPort);
  try {
    const ch = await slow.createChannel("S:WF", 1);
    slow.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: dbrType("double"),
      count: 0,
      sid: ch.sid,
      subid: 1,
      mask: 1,
    }));
    await slow.next((r) => r.command === "EVENT_ADD", 10);
    slow.socket.pause(); // never reads again
    const circuit = slowCircuit(rig.server);
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, circuit.queuedBytes);
    }, 1);
    try {
      await until(
        () => circuit.queuedBytes > CIRCUIT_HIGH_WATER / 2,
        10,
        "the slow client's queue backs up",
      );
      await withTimeout(otherClientServed(rig), 20, "the other client");
    } finally {
      clearInterval(watch);
    }
    assert(!circuit.closed, "a slow monitor alone does not close the circuit");
    const bound = CIRCUIT_HIGH_WATER + 2 * 8 * COUNT + 64 * 1024;
    assert(
      most <= bound,
      `${most} bytes queued for a client that does not read`,
    );
  } finally {
    await slow.close();
  }
});

Deno.test("server: a circuit past maxQueuedBytes unsent is closed with a reason; another client is served", async () => {
  await using rig = await fastServer(2 * 1024 * 1024);
  const slow = await RawClient.connect(rig.tcpPort);
  try {
    const ch = await slow.createChannel("S:WF", 1);
    slow.socket.pause();
    const circuit = slowCircuit(rig.server);
    for (let ioid = 1; ioid <= 100; ioid++) { // 80 MB of replies, never read
      slow.send(encodeRequest({
        command: "READ_NOTIFY",
        dataType: dbrType("double"),
        count: COUNT,
        sid: ch.sid,
        ioid,
      }));
    }
    await until(() => circuit.closed, 10, "the slow circuit is closed");
    assert(
      /client not reading/.test(circuit.closeReason ?? ""),
      circuit.closeReason,
    );
    await withTimeout(otherClientServed(rig), 20, "the other client");
  } finally {
    slow.socket.resume();
    await slow.close();
  }
});
