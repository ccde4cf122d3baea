import {
  type AuthSession,
  createMigratingAuth,
  type MigratingAuth,
  type MigratingAuthEvent,
  readRealmLink,
} from "@realm-to-cognito/web";
import { DEMO_CONFIG_PATH, type DemoConfig, readDemoConfig } from "./demo-config.js";

const $ = <T extends HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`demo page: ${selector} is missing`);
  return element;
};

function field(form: HTMLFormElement, name: string): HTMLInputElement {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement)) throw new Error(`demo page: field ${name} is missing`);
  return input;
}

function showStatus(status: string, message: string, reason = ""): void {
  const element = $("#status");
  element.dataset.status = status;
  element.dataset.reason = reason;
  element.textContent = message;
  $("#reset-offer").hidden = true;
}

/** A refused cognito-primary sign-in: the way into the reset, offered to anyone (it reveals nothing). */
function offerReset(email: string, message: string, reason: string): void {
  showStatus("failed", message, reason);
  const offer = $("#reset-offer");
  offer.dataset.email = email;
  offer.hidden = false;
}

function logEvent(event: MigratingAuthEvent): void {
  const item = document.createElement("li");
  item.dataset.type = event.type;
  item.textContent = JSON.stringify(event);
  $("#events").append(item);
}

function showSession(session: AuthSession | undefined): void {
  $("#session").hidden = session === undefined;
  if (!session) return;
  $("#session-email").textContent = session.email;
  $("#session-via").textContent = session.realm ? "Realm" : "Cognito";
  $("#session-cognito").textContent = session.cognito
    ? "Cognito session: yes (the account is migrated)."
    : "Cognito session: no.";
}

/** Runs an action with the form's button disabled, and clears password fields afterwards. */
function onSubmit(form: HTMLFormElement, action: () => Promise<void>): void {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    showStatus("working", "Working…");
    try {
      await action();
    } catch (error) {
      showStatus("failed", "Something went wrong. Please try again.", "unknown");
      console.error(error);
    } finally {
      for (const input of form.querySelectorAll<HTMLInputElement>('input[type="password"]')) input.value = "";
      for (const button of buttons) button.disabled = false;
    }
  });
}

function focusForm(form: HTMLFormElement): void {
  for (const other of document.querySelectorAll("form.focus")) other.classList.remove("focus");
  form.classList.add("focus");
  form.scrollIntoView({ block: "center" });
}

/** The sandbox's stand-in for reading one's mail: the emulator's outbox, or cognito-local's code. */
async function fetchFromInbox(config: DemoConfig, kind: "confirm" | "reset", email: string): Promise<string> {
  if (config.mode === "realm-primary") {
    const response = await fetch(`${config.sandbox.outboxUrl}?to=${encodeURIComponent(email)}`);
    const mails: unknown = await response.json();
    const matching = Array.isArray(mails) ? mails.filter((mail) => mail?.kind === kind) : [];
    const latest = matching.at(-1);
    return typeof latest?.url === "string" ? latest.url : "";
  }
  const response = await fetch(`${config.sandbox.cognitoCodeUrl}?email=${encodeURIComponent(email)}`);
  const body: unknown = await response.json();
  return typeof body === "object" && body !== null && "code" in body && typeof body.code === "string"
    ? body.code
    : "";
}

function wire(config: DemoConfig, auth: MigratingAuth): void {
  const signIn = $<HTMLFormElement>("#sign-in");
  const signUp = $<HTMLFormElement>("#sign-up");
  const confirm = $<HTMLFormElement>("#confirm-sign-up");
  const forgot = $<HTMLFormElement>("#forgot-password");
  const reset = $<HTMLFormElement>("#reset-password");

  onSubmit(signIn, async () => {
    const email = field(signIn, "email").value;
    const result = await auth.signIn(email, field(signIn, "password").value);
    switch (result.status) {
      case "signedIn":
        showSession(result.session);
        showStatus("signedIn", `Welcome, ${result.session.email}.`);
        return;
      case "resetRequired": {
        // Lead the user straight into the reset: send the code now and show where to type it.
        field(forgot, "email").value = email;
        field(reset, "email").value = email;
        const sent = await auth.requestPasswordReset(email);
        if (sent.status === "failed") return showStatus("failed", sent.message, sent.reason);
        focusForm(reset);
        showStatus(
          "resetRequired",
          `${result.message} We sent a code to ${sent.status === "resetSent" && sent.destination ? sent.destination : email}.`,
        );
        return;
      }
      case "confirmationRequired":
        showStatus("confirmationRequired", result.message);
        field(confirm, "email").value = email;
        focusForm(confirm);
        return;
      case "failed":
        if (result.resetSuggested) return offerReset(email, result.message, result.reason);
        showStatus("failed", result.message, result.reason);
    }
  });

  $("#reset-offer button").addEventListener("click", async () => {
    const email = $("#reset-offer").dataset.email ?? "";
    field(forgot, "email").value = email;
    field(reset, "email").value = email;
    showStatus("working", "Working…");
    const sent = await auth.requestPasswordReset(email);
    if (sent.status === "failed") return showStatus("failed", sent.message, sent.reason);
    focusForm(reset);
    showStatus("resetSent", `If ${email} has an account, we sent it a reset code: enter it below.`);
  });

  onSubmit(signUp, async () => {
    const email = field(signUp, "email").value;
    const result = await auth.signUp(email, field(signUp, "password").value);
    if (result.status === "failed") return showStatus("failed", result.message, result.reason);
    if (result.status === "signedUp") return showStatus("signedUp", "Your account is ready: sign in.");
    field(confirm, "email").value = email;
    focusForm(confirm);
    showStatus(
      "confirmationSent",
      result.via === "link"
        ? `We emailed a confirmation link to ${email}.`
        : `We sent a confirmation code to ${result.destination ?? email}.`,
    );
  });

  onSubmit(confirm, async () => {
    const tokens = readRealmLink(field(confirm, "link").value);
    const result =
      config.mode === "realm-primary"
        ? tokens
          ? await auth.confirmSignUp(tokens)
          : ({
              status: "failed",
              reason: "invalidLink",
              message: "Paste the whole link from the email.",
            } as const)
        : await auth.confirmSignUp({
            email: field(confirm, "email").value,
            code: field(confirm, "code").value,
          });
    if (result.status === "failed") return showStatus("failed", result.message, result.reason);
    showStatus("confirmed", "Your email is confirmed: you can sign in.");
    focusForm(signIn);
  });

  onSubmit(forgot, async () => {
    const email = field(forgot, "email").value;
    const result = await auth.requestPasswordReset(email);
    if (result.status === "failed") return showStatus("failed", result.message, result.reason);
    field(reset, "email").value = email;
    focusForm(reset);
    showStatus(
      "resetSent",
      result.via === "link"
        ? `If ${email} has an account, we emailed it a reset link.`
        : `If ${email} has an account, we sent it a reset code.`,
    );
  });

  onSubmit(reset, async () => {
    const newPassword = field(reset, "password").value;
    let result: Awaited<ReturnType<MigratingAuth["confirmPasswordReset"]>>;
    if (config.mode === "realm-primary") {
      const tokens = readRealmLink(field(reset, "link").value);
      result = tokens
        ? await auth.confirmPasswordReset({ ...tokens, newPassword })
        : { status: "failed", reason: "invalidLink", message: "Paste the whole link from the email." };
    } else {
      const email = field(reset, "email").value;
      result = await auth.confirmPasswordReset({ email, code: field(reset, "code").value, newPassword });
    }
    if (result.status === "failed") return showStatus("failed", result.message, result.reason);
    showStatus("passwordChanged", "Your password is changed: sign in with the new one.");
    focusForm(signIn);
  });

  for (const button of document.querySelectorAll<HTMLButtonElement>(".sandbox-inbox")) {
    button.addEventListener("click", async () => {
      const form = button.closest("form");
      if (!form) return;
      const kind = button.dataset.kind === "reset" ? "reset" : "confirm";
      const email =
        field(form, "email").value || field(signUp, "email").value || field(forgot, "email").value;
      const found = await fetchFromInbox(config, kind, email);
      if (found === "")
        return showStatus("failed", `Nothing in the sandbox inbox for ${email} yet.`, "empty");
      field(form, config.mode === "realm-primary" ? "link" : "code").value = found;
      showStatus("inbox", "Filled in from the sandbox inbox.");
    });
  }

  $("#sign-out").addEventListener("click", async () => {
    await auth.signOut();
    showSession(undefined);
    showStatus("signedOut", "You are signed out.");
  });
}

async function start(): Promise<void> {
  const response = await fetch(DEMO_CONFIG_PATH);
  const config = readDemoConfig(await response.json());
  document.body.classList.add(config.mode);
  $("#mode-badge").textContent = config.mode;
  $("#lapsed-banner").hidden = config.mode !== "cognito-primary";
  const auth = createMigratingAuth({
    mode: config.mode,
    realm: config.realm,
    cognito: config.cognito,
    migrationApi: config.migrationApi,
    // A refused sign-in offers the reset to anyone: the pool hides who exists, and so does the page.
    switchDate: config.switchDate,
    onEvent: logEvent,
  });
  wire(config, auth);
  const params = readRealmLink(window.location.href);
  if (params) {
    // Opened from an emailed link: put it where it belongs.
    field($<HTMLFormElement>("#confirm-sign-up"), "link").value = window.location.href;
    field($<HTMLFormElement>("#reset-password"), "link").value = window.location.href;
  }
  document.body.dataset.ready = "true";
  showStatus("idle", `Ready (${config.mode}).`);
}

start().catch((error: unknown) => {
  showStatus("failed", "The demo could not start: is the sandbox running?", "config");
  console.error(error);
});
