#!/usr/bin/env node
// The `realm-to-cognito` command: runs the built dist/main.js with plain node (`npm run build` makes it).
import { readFileSync } from "node:fs";

// The AWS SDK prints an 8-line Node-version notice on Node 20 from every client; the operator can do
// nothing about it and it tears the progress bar. Silence it before any SDK module loads, unless the
// operator set the variable themselves.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${manifest.version}\n`);
} else {
  const { runAsCommand } = await import("../dist/main.js");
  await runAsCommand(process.argv);
}
