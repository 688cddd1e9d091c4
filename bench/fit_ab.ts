/**
 * Before/after timing of the fits between git revisions, in one process:
 * each revision is checked out into a temporary worktree, its
 * `lib/analysis` is imported from there, and the revisions' calls alternate
 * (3000 of each at 1e4 points, 15 at 1e6), so that the machine's drift between
 * minutes, ±30 % on a shared 2-CPU VM, falls on all of them alike.
 * Separate processes run one after another misattributed two changes here.
 * Prints the median time and the evaluations of every model's fit and of
 * `fitAuto` per revision.
 *
 *   deno run -P=test bench/fit_ab.ts [--n 1e6] REV [REV…]
 *
 * A REV of `.` is the working tree; anything else is given to `git worktree
 * add` (a commit, a branch, `HEAD~3`). The profiles are the models bench's
 * (`profiles.ts` of this tree; auto on the double Gaussian).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { MODEL_NAMES } from "../lib/analysis/model_fields.ts";
import { modelProfile } from "./profiles.ts";
import { median } from "./table.ts";

interface Fits {
  fit(
    x: Float64Array,
    y: Float64Array,
    options: { model: string },
  ): { nEvaluations: number };
  auto(
    x: Float64Array,
    y: Float64Array,
  ): { fits: Record<string, { nEvaluations: number }> };
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { n: { type: "string", default: "1e4" } },
  allowPositionals: true,
});
const n = Number(values.n);
if (positionals.length === 0 || !(n >= 10)) {
  console.error(
    "usage: deno run -P=test bench/fit_ab.ts [--n 1e6] REV [REV…] (REV: a git revision, or . for the working tree; n ≥ 10)",
  );
  Deno.exit(2);
}
const root = new URL("..", import.meta.url).pathname;
const temp = await Deno.makeTempDir({ prefix: "fws-fit-ab-" });

async function git(args: string[]): Promise<void> {
  const r = await new Deno.Command("git", { args, cwd: root, stderr: "piped" })
    .output();
  if (!r.success) {
    throw new Error(
      `git ${args.join(" ")} failed: ${new TextDecoder().decode(r.stderr)}`,
    );
  }
}

const trees: string[] = [];
try {
  for (const [i, rev] of positionals.entries()) {
    if (rev === ".") {
      trees.push(root);
      continue;
    }
    const dir = `${temp}/${i}`;
    await git(["worktree", "add", "--detach", "--quiet", dir, rev]);
    trees.push(`${dir}/`);
  }
  const fits: Fits[] = await Promise.all(trees.map(async (tree) => ({
    fit: (await import(`${tree}lib/analysis/model_fit.ts`)).fitModel,
    auto: (await import(`${tree}lib/analysis/model_choice.ts`)).fitAuto,
  })));
  const calls = n > 1e5 ? 15 : 3000;
  const rows: string[] = [];
  for (const model of [...MODEL_NAMES, "auto" as const]) {
    const d = modelProfile(model === "auto" ? "double_gauss" : model, n);
    const call = (f: Fits): number => {
      if (model !== "auto") return f.fit(d.x, d.y, { model }).nEvaluations;
      const all = Object.values(f.auto(d.x, d.y).fits);
      return all.reduce((sum, m) => sum + m.nEvaluations, 0);
    };
    for (let k = 0; k < (n > 1e5 ? 1 : 30); k++) fits.forEach(call);
    const times: number[][] = fits.map(() => []);
    const evaluations = fits.map(() => 0);
    const rounds = model === "auto" ? Math.ceil(calls / 6) : calls;
    for (let k = 0; k < rounds; k++) {
      fits.forEach((f, j) => {
        const t0 = performance.now();
        evaluations[j] = call(f);
        times[j].push(performance.now() - t0);
      });
    }
    rows.push(
      `| ${model} | ${
        times.map((t, j) => `${median(t).toPrecision(3)} (${evaluations[j]})`)
          .join(" | ")
      } |`,
    );
  }
  console.log(
    `fits at N = ${n}, ms (evaluations), median of ${calls} alternating calls per revision (auto: ${
      Math.ceil(calls / 6)
    }); load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`,
  );
  console.log(`| model | ${positionals.join(" | ")} |`);
  console.log(`|---|${"---|".repeat(positionals.length)}`);
  for (const row of rows) console.log(row);
} finally {
  for (const tree of trees) {
    if (tree !== root) {
      await git(["worktree", "remove", "--force", tree]).catch(() => {});
    }
  }
  await Deno.remove(temp, { recursive: true });
}
