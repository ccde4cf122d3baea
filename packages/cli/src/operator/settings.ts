import { readFileSync } from "node:fs";
import { z } from "zod";
import { OperatorError } from "../errors.js";
import { type MessageTemplate, messageTemplateSchema } from "./template.js";

const SECRET_KEYS = ["pass", "password", "smtpPassword", "secretAccessKey"];

/** Transport settings from flags and the environment; the SMTP password comes from SMTP_PASSWORD only. */
export const transportSettingsSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("smtp"),
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65_535),
    secure: z.boolean().default(false),
    allowSelfSigned: z.boolean().default(false),
    user: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal("ses"),
    region: z.string().min(1),
    endpoint: z.url().optional(),
    configurationSetName: z.string().min(1).optional(),
  }),
]);
export type TransportSettings = z.output<typeof transportSettingsSchema>;

/** Reads a template file (JSON: subject, text, optional html); secrets are refused in it. */
export function readTemplateFile(file: string): MessageTemplate {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new OperatorError("BAD_TEMPLATE", `cannot read the template ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = messageTemplateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OperatorError(
      "BAD_TEMPLATE",
      `${file}: ${issue?.path.join(".") || "(template)"}: ${issue?.message ?? "invalid"}; expected {"subject", "text", "html"?}`,
    );
  }
  return parsed.data.html === undefined
    ? { subject: parsed.data.subject, text: parsed.data.text }
    : { subject: parsed.data.subject, text: parsed.data.text, html: parsed.data.html };
}

/** Parses repeated `--var key=value` flags. */
export function parseVariables(pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = pair.slice(0, at);
    if (at <= 0 || !/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
      throw new OperatorError("BAD_TEMPLATE", `--var "${pair}" is not name=value`);
    }
    if (SECRET_KEYS.includes(key))
      throw new OperatorError("BAD_TEMPLATE", `--var ${key}: secrets do not go into messages`);
    variables[key] = pair.slice(at + 1);
  }
  return variables;
}

/** notify's transport flags, as commander hands them over. */
export interface TransportFlags {
  transport?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpSecure?: boolean;
  smtpAllowSelfSigned?: boolean;
  sesRegion?: string;
  sesEndpoint?: string;
  sesConfigurationSet?: string;
}

/** Builds transport settings from flags, falling back to the environment; names the field to fix. */
export function transportSettingsFrom(flags: TransportFlags, env: NodeJS.ProcessEnv): TransportSettings {
  const kind = flags.transport ?? env.NOTIFY_TRANSPORT;
  if (kind !== "smtp" && kind !== "ses") {
    throw new OperatorError(
      "TRANSPORT_CONFIG",
      `transport: ${kind === undefined ? "not set" : `"${kind}" is unknown`}; choose --transport smtp or --transport ses (or NOTIFY_TRANSPORT)`,
      { exitCode: 2 },
    );
  }
  const raw =
    kind === "smtp"
      ? {
          kind,
          host: flags.smtpHost ?? env.SMTP_HOST,
          port: flags.smtpPort ?? env.SMTP_PORT ?? "587",
          secure: flags.smtpSecure ?? env.SMTP_SECURE === "true",
          allowSelfSigned: flags.smtpAllowSelfSigned ?? false,
          user: env.SMTP_USER || undefined,
        }
      : kind === "ses"
        ? {
            kind,
            region: flags.sesRegion ?? env.SES_REGION ?? env.AWS_REGION,
            endpoint: flags.sesEndpoint ?? (env.SES_ENDPOINT || undefined),
            configurationSetName: flags.sesConfigurationSet ?? (env.SES_CONFIGURATION_SET || undefined),
          }
        : { kind };
  const parsed = transportSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "transport";
    const hint =
      field === "kind"
        ? "choose --transport smtp or --transport ses (or NOTIFY_TRANSPORT)"
        : `set --${kind}-${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or its environment variable`;
    throw new OperatorError("TRANSPORT_CONFIG", `${field}: ${issue?.message ?? "invalid"}; ${hint}`, {
      exitCode: 2,
    });
  }
  return parsed.data;
}
