import { defineConfig } from "vite";

// The demo is built once and served statically by serve.ts, next to the JSON that configures it at runtime.
export default defineConfig({
  root: import.meta.dirname,
  logLevel: "error",
  build: { target: "es2022", emptyOutDir: true, reportCompressedSize: false },
});
