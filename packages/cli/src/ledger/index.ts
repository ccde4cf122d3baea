/**
 * The ledger module: it alone opens SQLite files and holds SQL. The ledger file (one schema, one
 * version table, see `migrations.ts`) is read and written through `ImportLedger` and `SendLedger`;
 * `plan`'s scratch table, the directory writer's and the export join's scratch files have their own
 * stores here.
 */

import type { Clock } from "../clock.js";

export {
  type ClaimResult,
  type Recipient,
  type ResendPolicy,
  SEND_STATUSES,
  SendLedger,
  type SendRecord,
  type SendStatus,
} from "../ledger/send-ledger.js";
export { ImportLedger } from "./import-ledger.js";
export { LEDGER_MIGRATIONS } from "./migrations.js";
export {
  type HistoryEntry,
  type ImportEngine,
  type ImportJobRow,
  LEDGER_STATES,
  type LedgerState,
  type LedgerUser,
  ledgerKeyOf,
  type MatchedUser,
  type PlannedUser,
  type PoolUser,
  type UserWithPoolMatch,
} from "./rows.js";

import { ImportLedger } from "./import-ledger.js";

/** Opens (or creates) a ledger file, upgraded in place: the factory a command's services hold. */
export function openLedger(file: string, options: { clock?: Clock } = {}): ImportLedger {
  return ImportLedger.open(file, options);
}
