import type { Config } from "../config.js";

/** A dry run's forecast of the import: how long it would take at the configured engine and rate. */
export interface ImportEstimate {
  readonly engine: "admin-create" | "csv-job";
  readonly users: number;
  /** Undefined when no honest figure exists (AWS documents no import-job throughput). */
  readonly seconds: number | undefined;
  /** Users a second the estimate assumes (admin-create). */
  readonly usersPerSecond?: number;
  /** CSV files (and so import jobs, run one at a time per account) the csv-job engine would need. */
  readonly files?: number;
  /** How the figure was reached, in words. */
  readonly basis: string;
}

/**
 * admin-create creates each user with AdminCreateUser then AdminSetUserPassword, each paced by its own
 * bucket: the slower rate sets the pace. The csv-job engine's pace is Cognito's, which AWS does not
 * document: only the files and jobs are counted.
 */
export function estimateImport(
  engine: "admin-create" | "csv-job",
  users: number,
  settings: Config["import"],
  maxUsersPerFile = CSV_USERS_PER_FILE,
): ImportEstimate {
  if (engine === "admin-create") {
    const usersPerSecond = Math.min(settings.rate, settings.setPasswordRate);
    return {
      engine,
      users,
      seconds: users / usersPerSecond,
      usersPerSecond,
      basis: `AdminCreateUser at ${settings.rate}/s and AdminSetUserPassword at ${settings.setPasswordRate}/s: ${usersPerSecond} users a second at best (retries and throttling add to it)`,
    };
  }
  const files = Math.ceil(users / Math.max(1, Math.min(maxUsersPerFile, CSV_USERS_PER_FILE)));
  return {
    engine,
    users,
    seconds: undefined,
    files,
    basis: `${files} CSV file${files === 1 ? "" : "s"}, one import job each, run one at a time (one active job per account); AWS documents no import-job throughput, so no duration is estimated`,
  };
}

const CSV_USERS_PER_FILE = 500_000;

/** "45 s", "12 min", "5 h 36 min": a duration an operator reads at a glance. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
