#!/usr/bin/env node
// The `realm-to-cognito` command: runs src/main.ts through tsx (no build step in this repo).
import { register } from "tsx/esm/api";

register();
const { runAsCommand } = await import("../src/main.ts");
await runAsCommand(process.argv);
