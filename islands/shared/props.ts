/**
 * Island props across the wire, as Fresh carries them: the server renders
 * each island with its props and serialises them into the page; the browser
 * hydrates each island with the same props. Props are JSON values and
 * signals; a signal handed to several islands comes back as one signal, so
 * islands share state exactly where the page passed them the same one.
 * Browser-safe.
 *
 * @module
 */
import { Signal, signal } from "@preact/signals";

/** One island as rendered: its name and its props. */
export interface IslandEntry {
  name: string;
  props: object;
}

/** The serialised form: signal values by id, then the islands in page order. */
interface Wire {
  signals: unknown[];
  islands: { name: string; props: unknown }[];
}

/** The islands as JSON text safe inside `<script>` (`<` escaped). */
export function serializeIslands(islands: IslandEntry[]): string {
  const ids = new Map<Signal<unknown>, number>();
  const signals: unknown[] = [];
  const encode = (v: unknown): unknown => {
    if (v instanceof Signal) {
      let id = ids.get(v);
      if (id === undefined) {
        id = signals.length;
        ids.set(v, id);
        signals.push(null);
        signals[id] = encode(v.peek());
      }
      return { $signal: id };
    }
    if (Array.isArray(v)) return v.map(encode);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, encode(x)]),
      );
    }
    return v;
  };
  const wire: Wire = {
    signals,
    islands: islands.map((i) => ({ name: i.name, props: encode(i.props) })),
  };
  return JSON.stringify(wire).replace(/</g, "\\u003c");
}

/** The islands of {@link serializeIslands}' text, signals made once each. */
export function deserializeIslands(text: string): IslandEntry[] {
  const wire = JSON.parse(text) as Wire;
  const made = new Map<number, Signal<unknown>>();
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (typeof v !== "object" || v === null) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$signal") {
      const id = (v as { $signal: number }).$signal;
      let s = made.get(id);
      if (!s) {
        s = signal<unknown>(undefined);
        made.set(id, s);
        s.value = decode(wire.signals[id]);
      }
      return s;
    }
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, decode(x)]),
    );
  };
  return wire.islands.map((i) => ({
    name: i.name,
    props: decode(i.props) as object,
  }));
}
