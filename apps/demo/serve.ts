// npm run demo:web [-- --mode cognito-primary] [--port 5173] [--seed-users 12] [--switch-date "1 December 2026"]
// Starts the sandbox world, serves the demo page against it, and prints where to go and who to be.
import { parseArgs } from "node:util";
import { parseMigrationMode } from "@realm-to-cognito/core";
import { startDemoWorld } from "./src/demo-world.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "realm-primary" },
    port: { type: "string", default: "5173" },
    host: { type: "string", default: "127.0.0.1" },
    "seed-users": { type: "string", default: "12" },
    "switch-date": { type: "string" },
  },
});

const mode = parseMigrationMode(values.mode);
const demo = await startDemoWorld({
  mode,
  port: Number(values.port),
  host: values.host,
  seedUsers: Number(values["seed-users"]),
  ...(values["switch-date"] ? { switchDate: values["switch-date"] } : {}),
});

const lapsed = new Set(demo.lapsed.map((user) => user.email));
console.log(`\nDemo (${mode}): ${demo.demo.url}\n`);
console.log(
  `  Realm (App Services emulator)  ${demo.world.realm.baseUrl}   outbox: ${demo.world.realm.baseUrl}/_sandbox/outbox?to=<email>`,
);
console.log(
  `  Cognito (cognito-local)        ${demo.world.cognito.endpoint}   pool ${demo.world.userPoolId}   user existence ${demo.world.userExistenceErrors}`,
);
console.log(`  Migration API                  ${demo.world.api.baseUrl}\n`);
console.log("Demo users (email / password / state):");
for (const user of demo.users) {
  const note = lapsed.has(user.email) ? "  <- imported into Cognito without its password: must reset" : "";
  console.log(`  ${user.email.padEnd(22)} ${user.password.padEnd(16)} ${user.state}${note}`);
}
console.log(
  mode === "realm-primary"
    ? "\nSign in with an active user: Realm decides, and the user appears in Cognito. Ctrl-C stops everything."
    : "\nSign in with an imported user: the pool hides whether an account exists, so the page offers everyone it refuses a reset. Other Realm users still migrate on sign-in. Ctrl-C stops everything.",
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
