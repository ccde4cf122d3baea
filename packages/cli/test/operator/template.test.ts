import { describe, expect, it } from "vitest";
import { OperatorError } from "../../src/errors.js";
import { checkTemplate, RESET_NOTICE_TEMPLATE, renderMessage } from "../../src/operator/template.js";

describe("message templates", () => {
  it("escapes values in HTML only, and keeps the subject on one line", () => {
    const message = renderMessage(
      { subject: "Hi {{name}}", text: "Dear {{name}}", html: "<p>Dear {{ name }}</p>" },
      { name: '<b>"Bob" & co</b>\r\nBcc: x@example.com' },
    );
    expect(message.subject).toBe('Hi <b>"Bob" & co</b> Bcc: x@example.com');
    expect(message.text).toBe('Dear <b>"Bob" & co</b>\r\nBcc: x@example.com');
    expect(message.html).toBe(
      "<p>Dear &lt;b&gt;&quot;Bob&quot; &amp; co&lt;/b&gt;\r\nBcc: x@example.com</p>",
    );
  });

  it("refuses a template that uses a variable nobody supplies, before any send", () => {
    expect(() => checkTemplate(RESET_NOTICE_TEMPLATE, ["email", "resetLink"])).toThrow(/\{\{appName\}\}/);
    expect(() => renderMessage({ subject: "{{x}}", text: "t" }, {})).toThrow(OperatorError);
  });
});
