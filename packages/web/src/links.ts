import type { RealmLinkTokens } from "./results.js";

/**
 * The `token` and `tokenId` of a Realm confirmation or reset link (or of the current page's URL).
 * @example readRealmLink("https://app.example.com/confirm?token=ab12&tokenId=6561...") // { token, tokenId }
 */
export function readRealmLink(link: string): RealmLinkTokens | undefined {
  let url: URL;
  try {
    url = new URL(link, "http://link.invalid");
  } catch {
    return undefined;
  }
  const token = url.searchParams.get("token");
  const tokenId = url.searchParams.get("tokenId");
  return token && tokenId ? { token, tokenId } : undefined;
}
