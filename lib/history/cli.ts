/**
 * `fws index <dir> [--force]`: (re)builds the catalog of a data directory
 * from its scan files — files written before the catalog existed and files
 * of other writers in the fws layout included — and prints one line: how
 * many files were indexed, and which were skipped and why.
 *
 * @module
 */
import { basename } from "node:path";
import { parseCommand } from "../cli.ts";
import { type RebuildSummary, ScanCatalog } from "./catalog.ts";
import { markReference } from "./reference.ts";

const USAGE = `Usage: fws index <dir> [--force] [--reference FILE|none]

(Re)builds the scan catalog <dir>/fws_catalog.sqlite from the scan files
(*.h5) in <dir>: new and changed files are read, files gone are forgotten.
A catalog that is not sound is reported, moved aside (.bad) and rebuilt.

Options:
  --force             read every file again, even those the catalog has up to date
  --reference FILE    mark FILE as the scanner's reference: the daemon publishes
                      each new result's drift from it (FIT:<CH>:DRIFT); 'none'
                      clears the mark
  --help              show this help`;

/** At most this many skipped files are named in the summary line. */
const NAMED_SKIPS = 3;

/** The one summary line of a rebuild. */
export function formatRebuild(
  summary: RebuildSummary,
  catalog: string,
): string {
  const total = summary.indexed + summary.unchanged;
  const parts = [
    `${total} file${
      total === 1 ? "" : "s"
    } indexed (${summary.indexed} read, ${summary.unchanged} up to date)`,
  ];
  const n = summary.skipped.length;
  if (n > 0) {
    const named = summary.skipped.slice(0, NAMED_SKIPS).map((s) =>
      `${basename(s.path)}: ${s.reason.split("\n")[0]}`
    ).join("; ");
    const more = n > NAMED_SKIPS ? `; and ${n - NAMED_SKIPS} more` : "";
    parts.push(`${n} skipped (${named}${more})`);
  } else parts.push("0 skipped");
  if (summary.removed > 0) parts.push(`${summary.removed} gone, removed`);
  return `fws index: ${parts.join(", ")} → ${catalog}`;
}

/**
 * Why `dir` cannot be the data directory of scan files (not there, not a
 * directory, unreadable), or undefined.
 */
export async function dataDirProblem(dir: string): Promise<string | undefined> {
  try {
    if ((await Deno.stat(dir)).isDirectory) return undefined;
    return `'${dir}' is not a directory; expected the data directory of the scan files`;
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : error;
    return `cannot read the directory '${dir}' (${why}); expected the data directory of the scan files`;
  }
}

/** Entry point of `fws index`. */
export async function indexMain(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    command: "fws index",
    options: {
      force: { type: "boolean" },
      reference: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    positionals: ["dir"],
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = positionals[0];
  const problem = await dataDirProblem(dir);
  if (problem) {
    console.error(`fws index: ${problem}`);
    return 1;
  }
  const reference = values.reference as string | undefined;
  if (reference !== undefined) {
    try {
      const mark = await markReference(
        dir,
        reference === "none" ? null : reference,
      );
      console.log(
        mark
          ? `fws index: reference of ${dir} is ${mark.file}`
          : `fws index: ${dir} has no reference now`,
      );
    } catch (error) {
      console.error(
        `fws index: --reference ${reference}: ${
          (error as Error).message.split("\n")[0]
        }`,
      );
      return 1;
    }
  }
  const catalog = ScanCatalog.open(dir);
  try {
    if (catalog.problem) console.error(`fws index: ${catalog.problem}`);
    const summary = await catalog.rebuild(dir, {
      force: values.force === true,
    });
    console.log(formatRebuild(summary, catalog.path));
    return 0;
  } finally {
    catalog.close();
  }
}
