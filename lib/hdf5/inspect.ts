/**
 * Placeholder until this subcommand lands.
 *
 * @module
 */
import { UsageError } from "../cli.ts";

/** Entry point of this subcommand; not implemented yet. */
export function inspectMain(_args: string[]): Promise<number> {
  return Promise.reject(
    new UsageError("this subcommand is not implemented yet"),
  );
}
