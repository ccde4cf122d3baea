import { connect } from "node:net";
import { expect, it } from "vitest";
import { startMailbox } from "./fixtures.js";

// The notify kill tests depend on this: a sender killed mid-transaction resets its socket,
// and the test mailbox must record that rather than crash the test process.
it("records a sender that resets its connection mid-transaction instead of throwing", async () => {
  const box = await startMailbox();
  try {
    const socket = connect(box.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("data", resolve));
    socket.write("EHLO sender\r\nMAIL FROM:<a@example.com>\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.resetAndDestroy();
    await expect.poll(() => box.connectionErrors.map((error) => error.code)).toEqual(["ECONNRESET"]);
  } finally {
    await box.close();
  }
});
