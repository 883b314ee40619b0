/** Formatting helpers with no DOM access, so tests can run them in Node. */

/**
 * The marker the engine puts in place of a secret: its length and a short SHA-256 prefix, so two
 * requests can be compared without showing the value.
 */
export const REDACTION_MARKER = /\[redacted: \d+ chars, sha256 [A-Za-z0-9_-]+\]/;
const REDACTION_MARKERS = new RegExp(REDACTION_MARKER.source, 'g');

export function isRedacted(value: string): boolean {
  return REDACTION_MARKER.test(value);
}

/** Splits text into plain and redacted pieces, in order. */
export function splitRedacted(text: string): Array<{ text: string; redacted: boolean }> {
  const pieces: Array<{ text: string; redacted: boolean }> = [];
  let last = 0;
  for (const match of text.matchAll(REDACTION_MARKERS)) {
    if (match.index > last) pieces.push({ text: text.slice(last, match.index), redacted: false });
    pieces.push({ text: match[0], redacted: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), redacted: false });
  return pieces;
}

export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined || !Number.isFinite(milliseconds)) return '';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  const minutes = Math.floor(milliseconds / 60_000);
  const seconds = Math.round((milliseconds % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Formats an ISO time as local `YYYY-MM-DD HH:MM:SS`; invalid input is returned unchanged. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day} ${time}`;
}

/**
 * Describes `target` relative to `now`, both in milliseconds since the epoch: "in 5 min",
 * "3 h ago", "now" within a second. Units step up once the rounded count reaches the next unit.
 */
export function formatRelative(target: number, now: number): string {
  const seconds = Math.round(Math.abs(target - now) / 1000);
  if (seconds < 1) return 'now';
  let amount: string;
  if (seconds < 60) amount = `${seconds} s`;
  else if (Math.round(seconds / 60) < 60) amount = `${Math.round(seconds / 60)} min`;
  else if (Math.round(seconds / 3600) < 24) amount = `${Math.round(seconds / 3600)} h`;
  else amount = `${Math.round(seconds / 86_400)} d`;
  return target > now ? `in ${amount}` : `${amount} ago`;
}

export type StatusClass =
  'informational' | 'success' | 'redirect' | 'client-error' | 'server-error' | 'no-response';

export function statusClass(status: number | undefined): StatusClass {
  if (status === undefined) return 'no-response';
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'client-error';
  if (status >= 300) return 'redirect';
  if (status >= 200) return 'success';
  return 'informational';
}

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isJsonType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || type.endsWith('+json');
}

export function isFormType(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/x-www-form-urlencoded';
}

/**
 * `JSON.rawJSON` and the `context` argument of `JSON.parse` revivers (the JSON.parse source text
 * access proposal), present in Chromium 114 and later but not in TypeScript's library types.
 */
type RawJson = (text: string) => unknown;
type SourceReviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const rawJson = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/**
 * Keeps a number as the server wrote it. JSON.parse turns 12345678901234567890 into
 * 12345678901234567000 and 1.10 into 1.1, and the inspector must show what was received.
 */
const keepNumberText: SourceReviver = (_key, value, context) =>
  typeof value === 'number' && rawJson && context?.source !== undefined
    ? rawJson(context.source)
    : value;

/**
 * Pretty-prints JSON text, or returns undefined when the text is not JSON. Numbers keep their
 * text where the runtime has `JSON.rawJSON`, and are reformatted by JSON.parse elsewhere.
 */
export function prettyJson(text: string): string | undefined {
  try {
    return JSON.stringify(
      JSON.parse(text, keepNumberText as Parameters<typeof JSON.parse>[1]),
      null,
      2,
    );
  } catch {
    return undefined;
  }
}

/** Parses an `application/x-www-form-urlencoded` body into name/value pairs, in order. */
export function parseForm(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The value of a header, matched without regard to case; the first one when repeated. */
export function headerValue(
  headers: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([headerName]) => headerName.toLowerCase() === lower)?.[1];
}
