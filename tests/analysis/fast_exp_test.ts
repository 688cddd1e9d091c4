import { gaussExp } from "../../lib/analysis/fast_exp.ts";
import { assert } from "../support/assert.ts";
import { Rng } from "./fit_cases.ts";

Deno.test("gaussExp matches Math.exp to 2 ulp over the Gaussian's range", () => {
  const rng = new Rng(5);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < 200_000; i++) {
    const z = -rng.uniform() * (i % 3 === 0 ? 708 : i % 3 === 1 ? 40 : 1);
    const rel = Math.abs(gaussExp(z) - Math.exp(z)) / Math.exp(z);
    if (rel > worst) (worst = rel), (at = z);
  }
  assert(worst <= 4.5e-16, `relative error ${worst} at z=${at}`);
  assert(gaussExp(0) === 1, "exp(0) must be exactly 1");
  assert(gaussExp(-746) === 0 && gaussExp(-Infinity) === 0);
  assert(Number.isNaN(gaussExp(NaN)), "NaN must propagate");
  assert(Math.abs(gaussExp(-745) - Math.exp(-745)) <= 1e-323);
});
