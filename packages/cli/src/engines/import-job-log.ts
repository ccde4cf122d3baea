import { GetLogEventsCommand, type GetLogEventsCommandOutput } from "@aws-sdk/client-cloudwatch-logs";

/** One row's result as the import job logs it: `[FAILED] Line Number 5956 - <why>`. */
export interface ImportJobLogEntry {
  readonly line: number;
  readonly status: "SUCCEEDED" | "SKIPPED" | "FAILED";
  readonly detail: string;
}

/** Just the call the reader makes, so tests and callers can hand in any CloudWatch Logs client. */
export interface LogEventsSender {
  send(command: GetLogEventsCommand): Promise<GetLogEventsCommandOutput>;
}

const LINE = /^\[(SUCCEEDED|SKIPPED|FAILED)\] Line Number (\d+) - (.*)$/s;

export function parseImportJobLogLine(message: string): ImportJobLogEntry | undefined {
  const match = LINE.exec(message.trim());
  if (!match) return undefined;
  return {
    status: match[1] as ImportJobLogEntry["status"],
    line: Number(match[2]),
    detail: match[3]!.trim(),
  };
}

/**
 * Where Cognito writes an import job's results: log group `/aws/cognito/userpools/<pool id>/<pool
 * name>`, stream `<job id>/<job name>`.
 */
export function importJobLogLocation(job: {
  userPoolId: string;
  poolName: string;
  jobId: string;
  jobName: string;
}): { logGroupName: string; logStreamName: string } {
  return {
    logGroupName: `/aws/cognito/userpools/${job.userPoolId}/${job.poolName}`,
    logStreamName: `${job.jobId}/${job.jobName}`,
  };
}

/**
 * Reads the whole stream from its start, page by page (GetLogEvents answers the same forward token
 * once the end is reached), keeping the lines that report a row.
 */
export async function readImportJobLog(
  logs: LogEventsSender,
  location: { logGroupName: string; logStreamName: string },
  options: { maxPages?: number } = {},
): Promise<Map<number, ImportJobLogEntry>> {
  const entries = new Map<number, ImportJobLogEntry>();
  let token: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 10_000); page++) {
    const answer = await logs.send(
      new GetLogEventsCommand({ ...location, startFromHead: true, ...(token ? { nextToken: token } : {}) }),
    );
    for (const event of answer.events ?? []) {
      const entry = event.message === undefined ? undefined : parseImportJobLogLine(event.message);
      if (entry) entries.set(entry.line, entry);
    }
    if (answer.nextForwardToken === undefined || answer.nextForwardToken === token) break;
    token = answer.nextForwardToken;
  }
  return entries;
}
