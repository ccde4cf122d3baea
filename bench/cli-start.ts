// Start time of the built CLI (plain node) against `node -e 0` and against the CLI through tsx (`npm run cli`).
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.RUNS ?? 9);
execFileSync("npx", ["tsx", "build.ts"], { cwd: join(root, "packages/cli"), stdio: "inherit" });

function median(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync(command, args, { cwd: root, stdio: "ignore" });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const baseline = median(process.execPath, ["-e", "0"]);
console.log(`node -e 0: ${baseline.toFixed(0)} ms (median of ${runs})`);
for (const flag of ["--help", "--version"]) {
  const built = median(process.execPath, [join(root, "packages/cli/bin/realm-to-cognito.js"), flag]);
  const tsx = median(process.execPath, ["--import", "tsx", join(root, "packages/cli/src/main.ts"), flag]);
  console.log(
    `${flag}: built ${built.toFixed(0)} ms (${(built / baseline).toFixed(1)}x node -e 0), through tsx ${tsx.toFixed(0)} ms (${(tsx / baseline).toFixed(1)}x; built is ${(tsx / built).toFixed(1)}x faster)`,
  );
}
