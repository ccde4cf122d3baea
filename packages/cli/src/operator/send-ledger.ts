// The send ledger lives with the other tables of the ledger file, in `src/ledger/`.
export {
  type ClaimResult,
  type Recipient,
  type ResendPolicy,
  SEND_STATUSES,
  SendLedger,
  type SendRecord,
  type SendStatus,
} from "../ledger/send-ledger.js";
