import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  importJobLogLocation,
  parseImportJobLogLine,
  readImportJobLog,
} from "../src/engines/import-job-log.js";

describe("the import job's CloudWatch log (aws-sdk-client-mock: no CloudWatch here)", () => {
  const logs = mockClient(CloudWatchLogsClient);
  afterEach(() => logs.reset());

  it("parses the three kinds of row line AWS documents, and nothing else", () => {
    expect(parseImportJobLogLine("[SUCCEEDED] Line Number 5956 - The import succeeded.")).toEqual({
      status: "SUCCEEDED",
      line: 5956,
      detail: "The import succeeded.",
    });
    expect(parseImportJobLogLine("[SKIPPED] Line Number 12 - The user already exists.\n")).toMatchObject({
      status: "SKIPPED",
      line: 12,
    });
    expect(
      parseImportJobLogLine(
        "[FAILED] Line Number 3 - The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).",
      ),
    ).toMatchObject({ status: "FAILED", line: 3 });
    expect(parseImportJobLogLine("Import job started")).toBeUndefined();
    expect(parseImportJobLogLine("[FAILED] Line Number x - nope")).toBeUndefined();
  });

  it("names the log group after the pool and the stream after the job", () => {
    expect(
      importJobLogLocation({
        userPoolId: "eu-west-1_Ab",
        poolName: "notes",
        jobId: "import-1",
        jobName: "f",
      }),
    ).toEqual({ logGroupName: "/aws/cognito/userpools/eu-west-1_Ab/notes", logStreamName: "import-1/f" });
  });

  it("reads every page from the head until the forward token stops changing", async () => {
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({
        events: [
          { message: "[SUCCEEDED] Line Number 2 - The import succeeded." },
          { message: "something else" },
        ],
        nextForwardToken: "f/1",
      })
      .resolvesOnce({
        events: [{ message: "[FAILED] Line Number 3 - The user data doesn't match the schema." }],
        nextForwardToken: "f/2",
      })
      .resolves({ events: [], nextForwardToken: "f/2" });
    const location = { logGroupName: "/aws/cognito/userpools/p/n", logStreamName: "import-1/f" };
    const entries = await readImportJobLog(new CloudWatchLogsClient({ region: "us-east-1" }), location);
    expect([...entries.values()].map((entry) => `${entry.line}:${entry.status}`)).toEqual([
      "2:SUCCEEDED",
      "3:FAILED",
    ]);
    const calls = logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual({ ...location, startFromHead: true });
    expect(calls[2]).toMatchObject({ nextToken: "f/2" });
  });
});
