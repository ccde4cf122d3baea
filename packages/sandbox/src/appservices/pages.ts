import type { EmulatedApp } from "./app.js";
import { ServiceError } from "./errors.js";
import type { Route } from "./http.js";

// Where the links in the outbox's emails lead by default, so a person trying the sandbox by hand can
// follow them. An app under test usually passes its own emailConfirmationUrl / resetPasswordUrl.

/** The sandbox's own confirm and reset pages (HTML; not part of App Services). */
export function sandboxPages(app: EmulatedApp): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/_sandbox\/pages\/confirm\/?$/,
      handle: (request) => {
        try {
          app.confirm(request.query.get("token") ?? "", request.query.get("tokenId") ?? "");
          return { status: 200, html: page("Email confirmed", "<p>You can sign in now.</p>") };
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          return {
            status: error.status,
            html: page("Not confirmed", `<p>${escapeHtml(error.serverMessage)}</p>`),
          };
        }
      },
    },
    {
      method: "GET",
      pattern: /^\/_sandbox\/pages\/reset\/?$/,
      handle: () => {
        const resetUrl = `/api/client/v2.0/app/${encodeURIComponent(app.settings.appId)}/auth/providers/local-userpass/reset`;
        const form = `<form id="f"><label>New password <input name="password" type="password" minlength="6" maxlength="128" required></label>
<button>Set password</button></form><p id="out"></p>
<script>
const q = new URLSearchParams(location.search);
document.getElementById("f").addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = new FormData(event.target).get("password");
  const response = await fetch(${JSON.stringify(resetUrl)}, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: q.get("token"), tokenId: q.get("tokenId"), password }) });
  document.getElementById("out").textContent = response.ok ? "Password changed." : (await response.json()).error;
});
</script>`;
        return { status: 200, html: page("Choose a new password", form) };
      },
    },
  ];
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
