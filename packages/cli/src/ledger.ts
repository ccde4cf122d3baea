// The ledger file and every SQLite store live in `src/ledger/`; this path stays for existing imports.
export * from "./ledger/index.js";
