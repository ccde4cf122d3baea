import { describe, expect, it } from "vitest";
import { startProgress } from "../src/progress.js";

function fakeStream(isTTY: boolean) {
  const lines: string[] = [];
  const stream = {
    isTTY,
    write: (text: string) => lines.push(text) > 0,
    columns: 80,
    on: () => stream,
    removeListener: () => stream,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, lines };
}

describe("progress", () => {
  it("prints plain lines with count, percentage, rate and ETA when stderr is not a terminal", async () => {
    const { stream, lines } = fakeStream(false);
    const progress = startProgress({ label: "import", total: 10, stream, intervalMs: 0 });
    for (let i = 0; i < 4; i++) progress.tick();
    progress.stop();
    expect(lines.at(-1)).toMatch(/^import: 4\/10 \(40%\) [\d.]+\/s ETA (\d+s|\?)\n$/);
  });

  it("prints nothing when quiet", () => {
    const { stream, lines } = fakeStream(false);
    const progress = startProgress({ label: "import", total: 10, stream, quiet: true });
    progress.tick();
    progress.stop();
    expect(lines).toEqual([]);
  });
});
