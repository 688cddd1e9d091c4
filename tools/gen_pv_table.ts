/**
 * Generates the tables of `docs/operations.md` from the code, between marker
 * comments, so the docs cannot drift from it:
 *
 * - `pv-table`: every logical PV of the built-in map (lib/pvmap/specs.ts,
 *   live_specs.ts, data_specs.ts);
 * - `permissions`: what each subcommand keeps (lib/permissions.ts).
 *
 * ```sh
 * deno run -R -W=docs --allow-run tools/gen_pv_table.ts          # rewrite
 * deno run -R --allow-run tools/gen_pv_table.ts --check          # exit 1 if stale
 * ```
 *
 * The document is passed through `deno fmt` so `deno fmt --check` agrees.
 *
 * @module
 */
import { defaultPvSpecs, type PvSpec } from "../lib/pvmap/mod.ts";
import {
  PERMISSION_NAMES,
  PERMISSION_PROFILES,
  type PermissionProfile,
} from "../lib/permissions.ts";

/** The document the tables live in, relative to the repository root. */
export const OPERATIONS_DOC = "docs/operations.md";

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** A row of the PV table: a spec, or any spec-shaped entry. */
export type PvTableRow = Omit<PvSpec, "logical"> & { logical: string };

/** The PV table (markdown) of the given specs. */
export function pvTableMarkdown(specs: readonly PvTableRow[]): string {
  const rows = specs.map((s) =>
    `| \`${s.logical}\` | \`${
      cell(s.template)
    }\` | ${s.record} | ${s.direction}${s.required ? " (required)" : ""} | ${
      s.units ?? ""
    } | ${cell(s.description)}${
      s.enumStrings ? ` (${cell(s.enumStrings.join(", "))})` : ""
    } |`
  );
  return [
    "| logical name | default PV | record | role | units | what it is |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The permission table (markdown) of the subcommand profiles. */
export function permissionTableMarkdown(
  profiles: Record<string, PermissionProfile>,
): string {
  const rows = Object.entries(profiles).map(([name, p]) => {
    const revoked = PERMISSION_NAMES.filter((n) =>
      !p.keep.includes(n) && !p.startup.includes(n)
    );
    return `| \`${name}\` | ${p.keep.join(", ")} | ${
      p.startup.join(", ") || "—"
    } | ${revoked.join(", ")} | ${cell(p.note)} |`;
  });
  return [
    "| subcommand | keeps | only during start-up | revoked at once | note |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** Replaces the block between the markers of `name` with `content`. */
export function replaceBlock(
  doc: string,
  name: string,
  content: string,
): string {
  const begin = `<!-- BEGIN GENERATED ${name}: tools/gen_pv_table.ts -->`;
  const end = `<!-- END GENERATED ${name} -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) {
    throw new Error(
      `${OPERATIONS_DOC}: expected the markers '${begin}' and '${end}'`,
    );
  }
  return doc.slice(0, i + begin.length) + "\n\n" + content + "\n\n" +
    doc.slice(j);
}

/** The document with every generated block brought up to date (unformatted). */
export function updateDoc(doc: string): string {
  return replaceBlock(
    replaceBlock(doc, "pv-table", pvTableMarkdown(defaultPvSpecs())),
    "permissions",
    permissionTableMarkdown(PERMISSION_PROFILES),
  );
}

/** Formats markdown with `deno fmt`, as `deno task check` expects it. */
export async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `deno fmt failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

if (import.meta.main) {
  const current = await Deno.readTextFile(OPERATIONS_DOC);
  const next = await formatMarkdown(updateDoc(current));
  if (Deno.args.includes("--check")) {
    if (next !== current) {
      console.error(
        `${OPERATIONS_DOC} is out of date: run deno run -R -W=docs --allow-run tools/gen_pv_table.ts`,
      );
      Deno.exit(1);
    }
  } else if (next !== current) {
    await Deno.writeTextFile(OPERATIONS_DOC, next);
    console.log(`${OPERATIONS_DOC} updated`);
  }
}
