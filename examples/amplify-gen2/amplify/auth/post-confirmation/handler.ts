// The realm-to-cognito Post Confirmation trigger, unchanged: Amplify bundles this entry with its own esbuild.
// Outside this repository, vendor packages/trigger (it is not published) and import the same module.
export { handler } from "../../../../../packages/trigger/src/handlers/post-confirmation.js";
