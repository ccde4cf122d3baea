import { randomBytes } from "node:crypto";

const processPart = randomBytes(5).toString("hex");
let counter = randomBytes(3).readUIntBE(0, 3);

/** A fresh 24-hex ObjectId whose first 4 bytes are `atMs` in seconds, as MongoDB makes them. */
export function newObjectId(atMs: number): string {
  counter = (counter + 1) % 0x1000000;
  return secondsHex(atMs) + processPart + counter.toString(16).padStart(6, "0");
}

/** An ObjectId built from a timestamp and 16 hex digits of caller-supplied randomness (seeding). */
export function objectIdFrom(atMs: number, randomHex16: string): string {
  return secondsHex(atMs) + randomHex16.slice(0, 16).padStart(16, "0");
}

function secondsHex(atMs: number): string {
  const seconds = Math.max(0, Math.min(0xffffffff, Math.floor(atMs / 1000)));
  return seconds.toString(16).padStart(8, "0");
}

export function isObjectId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}

/** A confirmation or reset token: 128 hex digits, as Realm issues them. */
export function newUserpassToken(): string {
  return randomBytes(64).toString("hex");
}
