/**
 * An in-memory {@link PvHost} for unit tests of the simulator without
 * sockets: it stores values, records every posted update and performs puts
 * the way the CA server contract says (onWrite awaited, then the written
 * value stored unless onWrite threw).
 *
 * @module
 */
import type { PvHost, SimPV, SimPvDefinition } from "../../lib/sim/ioc_pvs.ts";

/** One served PV in memory. */
export class MemoryPV implements SimPV {
  readonly name: string;
  readonly definition: SimPvDefinition;
  value: unknown;
  /** Every value posted, in order. */
  readonly updates: unknown[] = [];
  readonly #listeners = new Set<(v: unknown) => void>();

  constructor(name: string, definition: SimPvDefinition) {
    this.name = name;
    this.definition = definition;
    this.value = definition.value;
  }

  set(value: unknown): void {
    this.value = value;
    this.updates.push(value);
    for (const l of [...this.#listeners]) l(value);
  }

  /** Calls `listener` on every update; returns an unsubscribe. */
  listen(listener: (v: unknown) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** PVs by name. */
export class MemoryHost implements PvHost {
  readonly pvs = new Map<string, MemoryPV>();

  addPV(name: string, definition: SimPvDefinition): SimPV {
    if (this.pvs.has(name)) throw new Error(`duplicate PV ${name}`);
    const pv = new MemoryPV(name, definition);
    this.pvs.set(name, pv);
    return pv;
  }

  /** The PV, or a thrown error naming it. */
  pv(name: string): MemoryPV {
    const pv = this.pvs.get(name);
    if (!pv) throw new Error(`no PV ${name}`);
    return pv;
  }

  /**
   * A put as the CA server does it: onWrite awaited, then the written value
   * stored unless the handler set the PV itself.
   */
  async put(name: string, value: unknown): Promise<void> {
    const pv = this.pv(name);
    if (pv.definition.readOnly) throw new Error(`${name} is read-only`);
    const before = pv.updates.length;
    if (pv.definition.onWrite) await pv.definition.onWrite(value, pv);
    if (pv.updates.length === before) pv.set(value);
  }
}
