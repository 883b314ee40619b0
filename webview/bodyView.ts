/**
 * Renders recorded bodies: JSON pretty-printed, form bodies as a name/value table, anything else
 * as text. Redaction markers are wrapped in `<mark>` so redacted values stand out.
 */
import type { RecordedBody } from '../src/engine/exchange';
import { h, pairTable, type Child } from './dom';
import { isFormType, isJsonType, mediaType, parseForm, prettyJson, splitRedacted } from './format';

/**
 * Longest text shown in full. Bigger bodies show this many characters and a note, so that one
 * expanded row cannot freeze the page; "Copy body" still copies the whole text.
 */
export const MAX_SHOWN_CHARACTERS = 200_000;

/** Text with each redaction marker wrapped in a `<mark>` labelled for screen readers. */
export function markedText(text: string): Child[] {
  return splitRedacted(text).map((piece) =>
    piece.redacted
      ? h('mark', { class: 'redacted', title: 'Redacted by OAuth Explorer' }, piece.text)
      : piece.text,
  );
}

/** A `<pre>` block with redaction markers marked. */
export function codeBlock(text: string, label: string): HTMLElement {
  const shown = text.length > MAX_SHOWN_CHARACTERS ? text.slice(0, MAX_SHOWN_CHARACTERS) : text;
  const block = h('pre', { class: 'code', tabindex: 0, 'aria-label': label }, ...markedText(shown));
  if (shown.length === text.length) return block;
  const note = `Showing the first ${MAX_SHOWN_CHARACTERS.toLocaleString('en')} of ${text.length.toLocaleString('en')} characters.`;
  return h('div', {}, block, h('p', { class: 'note' }, note));
}

export function jsonBlock(value: unknown, label: string): HTMLElement {
  return codeBlock(JSON.stringify(value, null, 2) ?? String(value), label);
}

function redactionNote(body: RecordedBody): HTMLElement | undefined {
  if (body.redacted.length === 0) return undefined;
  const names = [...new Set(body.redacted)].join(', ');
  return h(
    'p',
    { class: 'redaction-note' },
    h('span', { class: 'redacted-label' }, 'Redacted'),
    ` ${names}: OAuth Explorer replaced these values before recording, and shows their length and a SHA-256 prefix instead.`,
  );
}

function formTable(text: string, label: string): HTMLElement {
  const pairs = parseForm(text).map(([name, value]): [string, Child] => [
    name,
    h('span', { class: 'value' }, ...markedText(value)),
  ]);
  return pairTable(label, pairs, ['Parameter', 'Value']);
}

/** Renders one body with its content type, redaction note and the best view of its text. */
export function renderBody(body: RecordedBody | undefined, label: string): HTMLElement {
  if (!body || body.text.length === 0) return h('p', { class: 'empty' }, 'No body.');
  const type = mediaType(body.contentType) || 'no content type';
  let view: HTMLElement;
  if (isFormType(body.contentType)) {
    view = formTable(body.text, label);
  } else if (isJsonType(body.contentType)) {
    view = codeBlock(prettyJson(body.text) ?? body.text, label);
  } else {
    view = codeBlock(body.text, label);
  }
  return h(
    'div',
    { class: 'body' },
    h('p', { class: 'content-type' }, type),
    redactionNote(body),
    view,
  );
}
