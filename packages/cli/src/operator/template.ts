import { z } from "zod";
import { OperatorError } from "../errors.js";

/** A message template: `{{name}}` placeholders; values are HTML-escaped in `html`, kept as-is elsewhere. */
export interface MessageTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export const messageTemplateSchema = z
  .object({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1).optional() })
  .strict();

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** The message phase 2 needs: the account moved and the password must be reset once. */
export const RESET_NOTICE_TEMPLATE: MessageTemplate = {
  subject: "{{appName}}: please reset your password",
  text: [
    "Hello,",
    "",
    "We moved {{appName}} accounts to a new sign-in system. Your account ({{email}}) is ready, but your",
    "old password could not be carried over. Choose a new one here:",
    "",
    "{{resetLink}}",
    "",
    "If you did not expect this message, you can ignore it.",
  ].join("\n"),
  html: [
    "<p>Hello,</p>",
    "<p>We moved {{appName}} accounts to a new sign-in system. Your account (<b>{{email}}</b>) is ready,",
    "but your old password could not be carried over.</p>",
    '<p><a href="{{resetLink}}">Choose a new password</a></p>',
    "<p>If you did not expect this message, you can ignore it.</p>",
  ].join("\n"),
};

/** Escapes text for an HTML body or attribute value. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** The placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: MessageTemplate): string[] {
  const names = new Set<string>();
  for (const part of [template.subject, template.text, template.html ?? ""]) {
    for (const match of part.matchAll(PLACEHOLDER)) names.add(match[1]!);
  }
  return [...names];
}

/**
 * Fills a template. A placeholder without a value is a mistake of the operator, caught before any send.
 * @example renderMessage(RESET_NOTICE_TEMPLATE, { email: "ada@example.com", appName: "Notes", resetLink: "https://…" })
 */
export function renderMessage(
  template: MessageTemplate,
  variables: Readonly<Record<string, string>>,
): RenderedMessage {
  const fill = (part: string, asHtml: boolean) =>
    part.replace(PLACEHOLDER, (_, name: string) => {
      const value = variables[name];
      if (value === undefined) {
        throw new OperatorError(
          "BAD_TEMPLATE",
          `the template uses {{${name}}} but no value was given for it`,
        );
      }
      return asHtml ? escapeHtml(value) : value;
    });
  const subject = fill(template.subject, false).replace(/[\r\n]+/g, " ");
  const text = fill(template.text, false);
  return template.html === undefined ? { subject, text } : { subject, text, html: fill(template.html, true) };
}

/** Checks a template against the variables a campaign will supply, so a typo fails before the first send. */
export function checkTemplate(template: MessageTemplate, available: readonly string[]): void {
  const missing = placeholdersOf(template).filter((name) => !available.includes(name));
  if (missing.length > 0) {
    throw new OperatorError(
      "BAD_TEMPLATE",
      `the template uses ${missing.map((n) => `{{${n}}}`).join(", ")}; available: ${available.map((n) => `{{${n}}}`).join(", ")}`,
    );
  }
}

/** Still-in-Realm users are told to sign in before the switch, so phase 1 keeps their password. */
export const BEFORE_SWITCH_TEMPLATE: MessageTemplate = {
  subject: "{{appName}}: sign in before {{switchDate}} to keep your password",
  text: [
    "Hello,",
    "",
    "{{appName}} is moving to a new sign-in system on {{switchDate}}. Sign in once before then with your",
    "usual email ({{email}}) and password, and nothing changes for you. After that date you will be asked",
    "to choose a new password here: {{resetLink}}",
  ].join("\n"),
  html: [
    "<p>Hello,</p>",
    "<p>{{appName}} is moving to a new sign-in system on <b>{{switchDate}}</b>. Sign in once before then with",
    "your usual email ({{email}}) and password, and nothing changes for you.</p>",
    '<p>After that date you will be asked to <a href="{{resetLink}}">choose a new password</a>.</p>',
  ].join("\n"),
};
