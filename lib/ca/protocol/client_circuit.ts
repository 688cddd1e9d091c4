/**
 * One virtual circuit of the CA client, without the socket (caproto's
 * `VirtualCircuit` for the client role): the channels created on it, the
 * requests waiting for replies by ioid, the subscriptions by subid. Bytes
 * received go in through `writable()`/`commit()` (or `receive()`); requests
 * go out through one {@link OutboundQueue}. The transport
 * (`lib/ca/client_circuit.ts`) owns the socket and the timers.
 *
 * @module
 */
import {
  CA_MINOR_VERSION,
  CAProtocolError,
  Command,
  DBE_ALARM,
  DBE_VALUE,
  dbrType,
  decodeResponse,
  encodeRequest,
  FrameReader,
  type RawMessage,
} from "../codec/mod.ts";
import type { CAResponse } from "../codec/messages.ts";
import { CAError, ecaSuccess } from "../errors.ts";
import type { CAValue, GetBuffer } from "../client_types.ts";
import { asRemote, LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import { OutboundQueue } from "./outbound.ts";
import { RequestTable } from "./client_requests.ts";
import { SwapAhead } from "./swap_ahead.ts";
import { deliverEvent, intoTarget, readValue } from "./client_reply.ts";
import {
  accessRights,
  type ChannelState,
  type ClientCircuitHost,
  type ClientCircuitOptions,
  IdAllocator,
  type SubscriptionState,
} from "./client_state.ts";

/**
 * The client's protocol state of one circuit.
 *
 * @example
 * ```ts
 * const c = new ClientCircuit(host, { key: "127.0.0.1:5064", version: 13,
 *   maxPayload: 1 << 24, hostName: "h", userName: "u" });
 * c.createChannel(new ChannelState("PV", 1));
 * const bytes = c.out.take(); // VERSION, HOST_NAME, CLIENT_NAME, CREATE_CHAN
 * ```
 */
export class ClientCircuit {
  /** "host:port" of the server. */
  readonly key: string;
  /** Minor protocol version of the server (search reply, then VERSION). */
  version: number;
  /** Everything to send, in order. */
  readonly out: OutboundQueue;
  #host: ClientCircuitHost;
  #reader: FrameReader;
  #ids = new IdAllocator();
  #channels = new Map<number, ChannelState>();
  #ops = new RequestTable();
  #subs = new Map<number, SubscriptionState>();
  #swapAhead = new SwapAhead();
  #intoOffer?: { ioid: number; target: Uint8Array };
  #lost = false;

  /**
   * Queues the handshake (VERSION, HOST_NAME, CLIENT_NAME).
   *
   * @param host the transport's services
   * @param options server key and version, limits, our names
   */
  constructor(host: ClientCircuitHost, options: ClientCircuitOptions) {
    this.#host = host;
    this.key = options.key;
    this.version = options.version;
    this.#reader = new FrameReader({ maxPayload: options.maxPayload });
    this.out = new OutboundQueue({ recycle: true, ready: host.ready });
    this.out.frame(encodeRequest({
      command: "VERSION",
      priority: 0,
      version: CA_MINOR_VERSION,
    }));
    this.out.frame(
      encodeRequest({ command: "HOST_NAME", name: options.hostName }),
    );
    this.out.frame(
      encodeRequest({ command: "CLIENT_NAME", name: options.userName }),
    );
  }

  /** Channels created (or being created) on this circuit. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Requests waiting for a reply. */
  get pendingCount(): number {
    return this.#ops.size;
  }

  /** Asks the server to create `channel` here (CREATE_CHAN). */
  createChannel(channel: ChannelState): void {
    if (channel.circuit !== undefined || this.#lost) {
      throw new LocalProtocolError(
        `CREATE_CHAN for ${channel.name}: the channel is already on ${
          channel.circuit?.key ?? "a lost circuit"
        }`,
      );
    }
    channel.circuit = this;
    this.#channels.set(channel.cid, channel);
    this.out.frame(encodeRequest({
      command: "CREATE_CHAN",
      name: channel.name,
      cid: channel.cid,
      version: CA_MINOR_VERSION,
    }));
  }

  /** The element count to ask for: 0 (the server's current count) on 4.13. */
  requestCount(channel: ChannelState, count?: number): number {
    if (count !== undefined) return count;
    return this.version >= CA_MINOR_VERSION ? 0 : (channel.count ?? 1);
  }

  /**
   * Sends a READ_NOTIFY of `dataType`×`count`; resolves with the value (into
   * `into` when given), rejects with a CAError naming the PV.
   */
  read(
    channel: ChannelState,
    request: { dataType: number; count: number; timeout: number },
    into?: GetBuffer,
  ): Promise<CAValue> {
    this.#requireConnected(channel, "READ_NOTIFY");
    const ioid = this.#ids.next();
    const { promise, resolve, reject } = Promise.withResolvers<CAValue>();
    const { dataType, count, timeout } = request;
    this.#ops.add(ioid, {
      read: true,
      channel,
      count,
      into,
      resolve,
      reject,
      deadline: this.#deadline(timeout),
      timeout,
    });
    this.out.header(Command.READ_NOTIFY, dataType, count, channel.sid, ioid);
    if (into !== undefined) this.#receiveInto(ioid, request, into);
    else {
      const big = channel.bigReply;
      if (big?.dataType === dataType && big.count === count) {
        this.#reader.offer(big.size);
      }
    }
    return promise;
  }

  /** Sends a WRITE (no reply expected). */
  write(
    channel: ChannelState,
    data: { dataType: number; count: number; payload: Uint8Array },
  ): void {
    this.#requireConnected(channel, "WRITE");
    this.out.frame(encodeRequest({
      command: "WRITE",
      ...data,
      sid: channel.sid,
      ioid: this.#ids.next(),
    }));
  }

  /** Sends a WRITE_NOTIFY; resolves with the completion's ECA status. */
  writeNotify(
    channel: ChannelState,
    data: { dataType: number; count: number; payload: Uint8Array },
    timeout: number,
  ): Promise<number> {
    this.#requireConnected(channel, "WRITE_NOTIFY");
    const ioid = this.#ids.next();
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.#ops.add(ioid, {
      read: false,
      channel,
      resolve,
      reject,
      deadline: this.#deadline(timeout),
      timeout,
    });
    this.out.frame(encodeRequest({
      command: "WRITE_NOTIFY",
      ...data,
      sid: channel.sid,
      ioid,
    }));
    return promise;
  }

  /** Subscribes `sub` here (EVENT_ADD with a new subid). */
  subscribe(sub: SubscriptionState): void {
    const channel = sub.channel;
    this.#requireConnected(channel, "EVENT_ADD");
    const o = sub.options;
    sub.subid = this.#ids.next();
    sub.dataType = dbrType(o.type ?? channel.nativeType!, o.form ?? "time");
    this.#subs.set(sub.subid, sub);
    this.out.frame(encodeRequest({
      command: "EVENT_ADD",
      dataType: sub.dataType,
      count: this.requestCount(channel, o.count),
      sid: channel.sid,
      subid: sub.subid,
      mask: o.mask ?? (DBE_VALUE | DBE_ALARM),
    }));
  }

  /** Cancels `sub` here (EVENT_CANCEL), if it is subscribed. */
  unsubscribe(sub: SubscriptionState): void {
    if (this.#subs.get(sub.subid) !== sub) return;
    const subid = sub.subid;
    this.#subs.delete(subid);
    sub.subid = 0;
    const channel = sub.channel;
    if (!channel.connected || this.#lost) return;
    this.out.frame(encodeRequest({
      command: "EVENT_CANCEL",
      dataType: sub.dataType,
      count: 0,
      sid: channel.sid,
      subid,
    }));
  }

  /**
   * The application released `channel`: its requests fail with `error`,
   * its subscriptions end, CLEAR_CHANNEL is sent if it was connected.
   */
  release(channel: ChannelState, error: Error): void {
    if (this.#channels.get(channel.cid) !== channel) return;
    this.#channels.delete(channel.cid);
    this.#rejectOps(channel, error);
    for (const sub of channel.subscriptions) this.#subs.delete(sub.subid);
    if (channel.connected && !this.#lost) {
      this.out.frame(encodeRequest({
        command: "CLEAR_CHANNEL",
        sid: channel.sid,
        cid: channel.cid,
      }));
    }
    channel.detached("released by the client");
  }

  /** Queues an ECHO probe. */
  echo(): void {
    this.out.frame(encodeRequest({ command: "ECHO" }));
  }

  /**
   * Fails the requests whose deadline is `now` or earlier (ECA_TIMEOUT);
   * returns the next deadline (Infinity when none is left).
   */
  expire(now: number): number {
    const next = this.#ops.expire(now, this.key);
    this.#withdrawInto();
    return next;
  }

  /**
   * The circuit is gone: every request fails with ECA_DISCONN and every
   * channel is detached (its owner searches again). Returns the channels.
   */
  lose(reason: string): ChannelState[] {
    if (this.#lost) return [];
    this.#lost = true;
    this.out.clear();
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    this.#subs.clear();
    const why = `circuit to ${this.key} lost: ${reason}`;
    for (const channel of channels) {
      this.#rejectOps(channel, new CAError(channel.name, "ECA_DISCONN", why));
      channel.detached(why);
    }
    return channels;
  }

  /** Zero-copy receive, step 1: where the next bytes should be read to. */
  writable(): Uint8Array {
    return this.#reader.writable();
  }

  /**
   * Zero-copy receive, step 2: `n` bytes were read into `writable()`.
   * Handles the messages they complete; a malformed frame throws a
   * {@link RemoteProtocolError} (the circuit must then be closed).
   */
  commit(n: number): void {
    this.#handleAll(this.#split(n));
  }

  /** Feeds received bytes (copied); like {@link commit}. */
  receive(bytes: Uint8Array): void {
    this.#handleAll(this.#split(0, bytes));
  }

  /** The messages completed by `bytes` (or `n` bytes in `writable()`). */
  #split(n: number, bytes?: Uint8Array): RawMessage[] {
    try {
      return bytes ? this.#reader.push(bytes) : this.#reader.commit(n);
    } catch (error) {
      throw asRemote(error);
    }
  }

  #handleAll(messages: RawMessage[]): void {
    if (this.#swapAhead.active || this.#reader.partial) {
      this.#swapAhead.update(this.#reader, messages);
    }
    for (const raw of messages) {
      if (this.#lost) return;
      this.#handle(raw);
    }
  }

  /**
   * A plain numeric reply of the expected size is received straight into
   * the caller's buffer (no allocation, no copy).
   */
  #receiveInto(
    ioid: number,
    request: { dataType: number; count: number },
    into: GetBuffer,
  ): void {
    const count = request.count || (this.#ops.get(ioid)?.channel.count ?? 0);
    const target = intoTarget(request.dataType, count, into);
    if (!target) return;
    this.#reader.offerFor(
      { command: Command.READ_NOTIFY, param2: ioid },
      target,
    );
    this.#intoOffer = { ioid, target };
  }

  /** Takes back the caller's buffer of a request that ended without its reply. */
  #withdrawInto(): void {
    const offer = this.#intoOffer;
    if (offer && !this.#ops.get(offer.ioid)) {
      this.#reader.withdraw(offer.target);
      this.#intoOffer = undefined;
    }
  }

  /** The deadline of a request sent now (told to the transport). */
  #deadline(timeout: number): number {
    const deadline = this.#host.now() + timeout * 1000;
    this.#host.deadline(deadline);
    return deadline;
  }

  #requireConnected(channel: ChannelState, what: string): void {
    if (channel.circuit !== this || !channel.connected || this.#lost) {
      throw new LocalProtocolError(
        `${what} on ${channel.name}: the channel is not connected on ${this.key}`,
      );
    }
  }

  #rejectOps(channel: ChannelState, error: Error): void {
    this.#ops.rejectChannel(channel, error);
    this.#withdrawInto();
  }

  #handle(raw: RawMessage): void {
    switch (raw.command) {
      case Command.READ_NOTIFY:
        return this.#readReply(raw);
      case Command.EVENT_ADD:
        return this.#event(raw);
    }
    let msg: CAResponse;
    try {
      msg = decodeResponse(raw);
    } catch (error) {
      if (error instanceof CAProtocolError) return; // unknown command: skip
      throw error;
    }
    this.#message(msg);
  }

  /** A READ_NOTIFY reply (status in `param1`, ioid in `param2`). */
  #readReply(raw: RawMessage): void {
    const op = this.#ops.take(raw.param2);
    if (!op) return;
    if (this.#intoOffer) this.#withdrawInto();
    // a reply of the wrong kind for a put resolves it with its status
    if (!op.read) return op.resolve(raw.param1);
    const channel = op.channel;
    if (!ecaSuccess(raw.param1)) {
      return op.reject(new CAError(channel.name, raw.param1));
    }
    channel.noteReply(raw.dataType, op.count, raw.payload.length);
    let value: CAValue;
    try {
      value = readValue(channel.name, raw, op.into);
    } catch (error) {
      return op.reject(error as Error);
    }
    op.resolve(value);
  }

  /** A monitor update (EVENT_ADD reply; subid in `param2`). */
  #event(raw: RawMessage): void {
    const sub = this.#subs.get(raw.param2);
    if (sub?.active) deliverEvent(sub, raw);
  }

  #message(msg: CAResponse): void {
    switch (msg.command) {
      case "VERSION":
        this.version = msg.version;
        return;
      case "ACCESS_RIGHTS": {
        const channel = this.#channels.get(msg.cid);
        if (channel) channel.access = accessRights(msg.access);
        return;
      }
      case "CREATE_CHAN": {
        const channel = this.#channels.get(msg.cid);
        if (!channel || channel.closed) return;
        channel.created(msg.sid, msg.dataType, msg.count);
        for (const sub of channel.subscriptions) this.subscribe(sub);
        channel.announce();
        return;
      }
      case "CREATE_CH_FAIL":
      case "SERVER_DISCONN": {
        const channel = this.#channels.get(msg.cid);
        if (!channel) return;
        this.#channels.delete(msg.cid);
        for (const sub of channel.subscriptions) this.#subs.delete(sub.subid);
        const reason = msg.command === "CREATE_CH_FAIL"
          ? "the server refused to create the channel"
          : "the server dropped the channel";
        this.#rejectOps(
          channel,
          new CAError(channel.name, "ECA_DISCONN", reason),
        );
        channel.detached(reason);
        return;
      }
      case "WRITE_NOTIFY": {
        const op = this.#ops.take(msg.ioid);
        if (!op) return;
        if (!op.read) return op.resolve(msg.status);
        return op.reject(
          new RemoteProtocolError(
            `WRITE_NOTIFY reply to the READ_NOTIFY of ${op.channel.name} (ioid ${msg.ioid})`,
          ),
        );
      }
      case "ERROR":
        return this.#error(msg);
      default:
        return; // ECHO, CLEAR_CHANNEL replies need no action
    }
  }

  #error(msg: Extract<CAResponse, { command: "ERROR" }>): void {
    const r = msg.request;
    if (
      r.command === Command.READ_NOTIFY || r.command === Command.WRITE_NOTIFY
    ) {
      const op = this.#ops.take(r.param2);
      if (!op) return;
      op.reject(
        new CAError(op.channel.name, msg.status, msg.message || undefined),
      );
      return;
    }
    // a plain WRITE or an EVENT_ADD failed: nobody waits, so say it
    const channel = [...this.#channels.values()].find((c) =>
      c.sid === r.param1
    );
    this.#host.warn("CA server {server} refused {what} on {pv}: {error}", {
      server: this.key,
      what: r.command === Command.EVENT_ADD
        ? "a monitor"
        : `command ${r.command}`,
      pv: channel?.name ?? `sid ${r.param1}`,
      error: new CAError(
        channel?.name ?? "?",
        msg.status,
        msg.message || undefined,
      ).message,
    });
  }
}
