import { runProgram } from "../tests/support/program";
(async () => {
  for (const stack of ["dev", "prod", "dev", "prod"]) {
    const t = Date.now();
    await runProgram({ stack });
    console.log(stack, Date.now() - t, "ms");
  }
})().catch((e) => { console.error("FAILED", e); process.exit(1); });
