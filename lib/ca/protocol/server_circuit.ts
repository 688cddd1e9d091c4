/**
 * One CA server circuit, no sockets: bytes in (`receive`), replies out through
 * a {@link CircuitTransport}; the client's channels and subscriptions. A bad
 * message or a client not reading its replies closes it, with a logged reason.
 *
 * @module
 */
import {
  ACCESS_READ,
  ACCESS_WRITE,
  CA_MINOR_VERSION,
  CAProtocolError,
  type CARequest,
  Command,
  dbrType,
  decodeRequest,
  encodeResponse,
  FrameReader,
  type RawMessage,
} from "../codec/mod.ts";
import { ECA, type ECAName } from "../errors.ts";
import { asRemote } from "./errors.ts";
import {
  type Channel,
  CIRCUIT_HIGH_WATER,
  type CircuitHost,
  type CircuitTransport,
  MAX_CHANNELS_PER_CIRCUIT,
  MAX_SUBSCRIPTIONS_PER_CIRCUIT,
  statusOf,
  Subscription,
  subscriptionRefusal,
  writeStatusOf,
} from "./server_types.ts";
import { OutboundQueue } from "./outbound.ts";

/** One client connection's protocol state. */
export class ServerCircuit {
  /** Peer description for logs, e.g. "127.0.0.1:40000". */
  readonly peer: string;
  #transport: CircuitTransport;
  #host: CircuitHost;
  #reader: FrameReader;
  #channels = new Map<number, Channel>();
  #subs = new Map<number, Subscription>();
  #dirty = new Set<Subscription>();
  #nextSid = 1;
  #eventsOn = true;
  #out = new OutboundQueue({
    ready: () => this.#flush(),
    consumed: () => this.#transport.backlog === 0,
  });
  #closed = false;
  #slow = false;
  #closeReason?: string;
  /** Client's CA minor version, host and user names (after they are sent). */
  clientVersion = 0;
  hostName = "";
  userName = "";

  /**
   * @param transport where replies go
   * @param host the server: PV lookup, limits, log
   * @param peer peer address for logs
   */
  constructor(transport: CircuitTransport, host: CircuitHost, peer = "?") {
    this.#transport = transport;
    this.#host = host;
    this.peer = peer;
    this.#reader = new FrameReader({ maxPayload: host.maxPayload });
    this.#out.frame(encodeResponse({
      command: "VERSION",
      priority: 0,
      version: CA_MINOR_VERSION,
    }));
  }

  /** Whether the circuit has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Why the circuit was closed, once it is. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  /** Open channels. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Live subscriptions. */
  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Reply bytes not yet sent: queued here and in the transport. */
  get queuedBytes(): number {
    return this.#out.bytes + this.#transport.backlog;
  }

  /** Bytes held by the frame reader (a partial message). */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** Feeds bytes received from the client (copied). Never throws. */
  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    let messages: RawMessage[];
    try {
      messages = this.#reader.push(chunk);
    } catch (error) {
      this.close(`bad message: ${asRemote(error).message}`, "warn");
      return;
    }
    this.#out.batch(() => {
      try {
        for (const raw of messages) {
          if (this.#closed) break;
          this.#handle(raw);
          if (this.queuedBytes > (this.#host.maxQueued ?? Infinity)) {
            const unsent = `${this.queuedBytes} bytes unsent`;
            return this.close(`client not reading: ${unsent}`, "warn");
          }
        }
      } catch (error) {
        const reason = error instanceof CAProtocolError
          ? `bad message: ${asRemote(error).message}`
          : `internal error: ${(error as Error).stack ?? error}`;
        this.close(reason, "warn");
      }
    });
  }

  /** The transport's queue has drained: send held-back monitor updates. */
  drained(): void {
    this.#flushDirty();
  }

  /**
   * Closes the circuit: cancels its subscriptions, forgets its channels and
   * ends the transport. `reason` is logged.
   */
  close(reason = "closed", level: "debug" | "info" | "warn" = "debug"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#host.log(level, `CA circuit ${this.peer} closed: ${reason}`);
    this.#dispose();
    try {
      this.#transport.end();
    } catch {
      // already gone
    }
  }

  #dispose(): void {
    for (const sub of this.#subs.values()) sub.channel.pv.unsubscribe(sub);
    this.#subs.clear();
    this.#channels.clear();
    this.#dirty.clear();
    this.#out.clear();
  }

  /** A subscription's PV posted an event. */
  #post = (sub: Subscription): void => {
    if (this.#closed) return;
    if (!this.#eventsOn || this.queuedBytes > CIRCUIT_HIGH_WATER) {
      if (this.#eventsOn && !this.#slow) {
        this.#slow = true; // said once per circuit
        this.#host.log(
          "info",
          `CA circuit ${this.peer} is slow: updates merged`,
        );
      }
      this.#dirty.add(sub);
      return;
    }
    this.#dirty.delete(sub);
    this.#sendEvent(sub);
  };

  #flushDirty(): void {
    if (this.#closed || !this.#eventsOn) return;
    for (const sub of this.#dirty) {
      if (this.queuedBytes > CIRCUIT_HIGH_WATER) break;
      this.#dirty.delete(sub);
      if (this.#subs.get(sub.subid) === sub) this.#sendEvent(sub);
    }
    this.#flush();
  }

  #sendEvent(sub: Subscription): void {
    try {
      const { payload, count } = sub.channel.pv.encode(sub.dataType, sub.count);
      this.#sendData(
        Command.EVENT_ADD,
        sub.dataType,
        count,
        ECA.ECA_NORMAL,
        sub.subid,
        payload,
      );
    } catch (error) {
      this.#sendData(
        Command.EVENT_ADD,
        sub.dataType,
        0,
        statusOf(error),
        sub.subid,
      );
    }
  }

  #sendData(
    command: number,
    dataType: number,
    count: number,
    status: number,
    id: number,
    payload?: Uint8Array,
  ): void {
    this.#out.message({
      command,
      dataType,
      dataCount: count,
      param1: status,
      param2: id,
    }, payload);
  }

  #flush(): void {
    if (this.#out.bytes === 0 || this.#closed) return;
    this.#transport.send(this.#out.take());
  }

  #error(raw: RawMessage, cid: number, status: ECAName, message: string): void {
    this.#out.frame(encodeResponse({
      command: "ERROR",
      cid,
      status: ECA[status],
      request: raw,
      message,
    }));
  }

  /** The channel `sid`, or undefined after answering ECA_BADCHID. */
  #channel(
    raw: RawMessage,
    sid: number,
    cid = 0xffffffff,
  ): Channel | undefined {
    const ch = this.#channels.get(sid);
    if (!ch) this.#error(raw, cid, "ECA_BADCHID", `no channel with sid ${sid}`);
    return ch;
  }

  #handle(raw: RawMessage): void {
    const msg: CARequest = decodeRequest(raw);
    switch (msg.command) {
      case "VERSION":
        this.clientVersion = msg.version;
        return;
      case "HOST_NAME":
        this.hostName = msg.name.slice(0, 256);
        return;
      case "CLIENT_NAME":
        this.userName = msg.name.slice(0, 256);
        return;
      case "ECHO":
        this.#out.frame(encodeResponse({ command: "ECHO" }));
        return;
      case "EVENTS_OFF":
        this.#eventsOn = false;
        return;
      case "EVENTS_ON":
        this.#eventsOn = true;
        this.#flushDirty();
        return;
      case "SEARCH": {
        const pv = this.#host.findPV(msg.name);
        if (pv) {
          this.#out.frame(encodeResponse({
            command: "SEARCH",
            port: this.#host.tcpPort,
            cid: msg.cid,
            version: CA_MINOR_VERSION,
          }));
        } else if (msg.reply) {
          this.#out.frame(encodeResponse({
            command: "NOT_FOUND",
            cid: msg.cid,
            version: CA_MINOR_VERSION,
          }));
        }
        return;
      }
      case "CREATE_CHAN":
        return this.#createChannel(msg.name, msg.cid);
      case "CLEAR_CHANNEL": {
        const ch = this.#channel(raw, msg.sid, msg.cid);
        if (!ch) return;
        this.#clearChannel(ch);
        this.#out.frame(
          encodeResponse({
            command: "CLEAR_CHANNEL",
            sid: ch.sid,
            cid: ch.cid,
          }),
        );
        return;
      }
      case "READ_NOTIFY": {
        const ch = this.#channel(raw, msg.sid);
        if (!ch) return;
        try {
          const { payload, count } = ch.pv.encode(msg.dataType, msg.count);
          this.#sendData(
            Command.READ_NOTIFY,
            msg.dataType,
            count,
            ECA.ECA_NORMAL,
            msg.ioid,
            payload,
          );
        } catch (error) {
          this.#host.log(
            "debug",
            `read of ${ch.pv.name} failed: ${(error as Error).message}`,
          );
          this.#sendData(
            Command.READ_NOTIFY,
            msg.dataType,
            msg.count,
            statusOf(error),
            msg.ioid,
          );
        }
        return;
      }
      case "WRITE":
      case "WRITE_NOTIFY":
        return this.#write(raw, msg.command === "WRITE_NOTIFY", msg);
      case "EVENT_ADD": {
        const ch = this.#channel(raw, msg.sid);
        if (!ch) return;
        const old = this.#subs.get(msg.subid);
        if (old) this.#removeSub(old);
        const status = subscriptionRefusal(msg, ch.pv);
        if (status !== undefined) {
          this.#sendData(Command.EVENT_ADD, msg.dataType, 0, status, msg.subid);
          return;
        }
        if (this.#subs.size >= MAX_SUBSCRIPTIONS_PER_CIRCUIT) {
          return this.close(
            `more than ${MAX_SUBSCRIPTIONS_PER_CIRCUIT} subscriptions`,
            "warn",
          );
        }
        const sub = new Subscription(
          this.#post,
          ch,
          msg.subid,
          msg.dataType,
          msg.count,
          msg.mask,
        );
        this.#subs.set(msg.subid, sub);
        ch.subs.add(sub);
        ch.pv.subscribe(sub);
        this.#post(sub); // the initial update
        return;
      }
      case "EVENT_CANCEL": {
        const sub = this.#subs.get(msg.subid);
        if (!sub) {
          const why = `no subscription ${msg.subid}`;
          return this.#error(raw, 0xffffffff, "ECA_BADMONID", why);
        }
        this.#removeSub(sub);
        this.#sendData(
          Command.EVENT_ADD,
          sub.dataType,
          0,
          ECA.ECA_NORMAL,
          sub.subid,
        );
        return;
      }
      case "REPEATER_REGISTER":
        return;
    }
  }

  #createChannel(name: string, cid: number): void {
    const pv = name ? this.#host.findPV(name) : undefined;
    if (!pv) {
      this.#out.frame(encodeResponse({ command: "CREATE_CH_FAIL", cid }));
      return;
    }
    if (this.#channels.size >= MAX_CHANNELS_PER_CIRCUIT) {
      this.close(`more than ${MAX_CHANNELS_PER_CIRCUIT} channels`, "warn");
      return;
    }
    let sid = this.#nextSid;
    while (this.#channels.has(sid)) sid = (sid + 1) >>> 0;
    this.#nextSid = (sid + 1) >>> 0;
    this.#channels.set(sid, { sid, cid, pv, subs: new Set() });
    this.#out.frame(encodeResponse({
      command: "ACCESS_RIGHTS",
      cid,
      access: ACCESS_READ | (pv.writable ? ACCESS_WRITE : 0),
    }));
    this.#out.frame(encodeResponse({
      command: "CREATE_CHAN",
      dataType: dbrType(pv.type),
      count: pv.maxCount,
      cid,
      sid,
    }));
  }

  #clearChannel(ch: Channel): void {
    for (const sub of ch.subs) this.#removeSub(sub);
    this.#channels.delete(ch.sid);
  }

  #removeSub(sub: Subscription): void {
    sub.channel.pv.unsubscribe(sub);
    sub.channel.subs.delete(sub);
    this.#subs.delete(sub.subid);
    this.#dirty.delete(sub);
  }

  #write(
    raw: RawMessage,
    notify: boolean,
    msg: {
      dataType: number;
      count: number;
      sid: number;
      ioid: number;
      payload: Uint8Array;
    },
  ): void {
    const ch = this.#channels.get(msg.sid);
    const fail = (cid: number, status: ECAName, message: string): void => {
      this.#host.log("debug", `write failed: ${message}`);
      if (notify) {
        this.#sendData(
          Command.WRITE_NOTIFY,
          msg.dataType,
          msg.count,
          ECA[status],
          msg.ioid,
        );
      } else {
        this.#error(raw, cid, status, message);
      }
    };
    if (!ch) {
      return fail(0xffffffff, "ECA_BADCHID", `no channel with sid ${msg.sid}`);
    }
    const pv = ch.pv;
    if (!pv.writable) {
      return fail(ch.cid, "ECA_NOWTACCESS", `${pv.name} is read-only`);
    }
    let value;
    try {
      value = pv.decodeWrite(msg.dataType, msg.count, msg.payload);
    } catch (error) {
      return fail(ch.cid, writeStatusOf(error), (error as Error).message);
    }
    pv.applyWrite(value).then(
      () => {
        if (notify && !this.#closed) {
          this.#sendData(
            Command.WRITE_NOTIFY,
            msg.dataType,
            msg.count,
            ECA.ECA_NORMAL,
            msg.ioid,
          );
        }
      },
      (error) => {
        if (this.#closed) return;
        fail(
          ch.cid,
          "ECA_PUTFAIL",
          `${pv.name}: write handler failed: ${
            (error as Error)?.message ?? error
          }`,
        );
      },
    );
  }
}
