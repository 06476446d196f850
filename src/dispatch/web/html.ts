/**
 * Safe HTML building for the dispatch page: a tagged template that escapes every interpolated value
 * unless it is already `SafeHtml`, so an untrusted hero name can never become markup.
 *
 * ```ts
 * const cell = html`<td title="${hero.name}">${hero.name}</td>`; // both places escaped
 * const row = html`<tr>${[cell, cell]}</tr>`; // arrays are joined, SafeHtml passes through
 * row.value; // the markup string
 * ```
 *
 * API: `html` (tagged template), `escapeHtml(text)`, `SafeHtml`, `HtmlValue`.
 *
 * Source line breaks in the literal parts are dropped (see `literalParts`); interpolated values are
 * never changed except by escaping.
 *
 * Obligation: interpolate only into element content or into double-quoted attribute values. Never
 * interpolate into a `<script>`/`<style>` body, an unquoted attribute, or an event-handler
 * attribute; escaping does not make those safe. URLs from outside must be checked with `isHttpUrl`
 * before they go into `href`.
 *
 * When not to use: for text set from client-side script, use `textContent` instead.
 */

/** Markup that is already safe to insert; produced only by `html` (or the module's own constants). */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: `null`/`undefined` render as nothing, numbers as their decimal text. */
export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes the characters that are special in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return escapeHtml(value);
  let out = '';
  for (const item of value) out += render(item);
  return out;
}

const compacted = new WeakMap<TemplateStringsArray, readonly string[]>();

/**
 * The literal parts with source line breaks removed: a break and its indentation vanish next to a
 * tag boundary and become one space elsewhere. Templates can then be formatted freely (the
 * formatter lays out `html` templates as HTML) without sending indentation to the browser.
 */
function literalParts(strings: TemplateStringsArray): readonly string[] {
  let parts = compacted.get(strings);
  if (parts === undefined) {
    parts = strings.map((s) =>
      s
        .replace(/\s*\n\s*(\/?>)/g, '$1')
        .replace(/>[ \t]*\r?\n\s*/g, '>')
        .replace(/\s*\n\s*</g, '<')
        .replace(/\s*\n\s*/g, ' '),
    );
    compacted.set(strings, parts);
  }
  return parts;
}

/** Tagged template: literal parts are trusted markup, every interpolation is escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  const parts = literalParts(strings);
  let out = parts[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let text = render(value);
    let next = parts[i + 1] ?? '';
    // An optional attribute (`${cond ? html` x="y"` : null}`) must not leave doubled or dangling
    // spaces. Only spaces of the template itself are dropped; escaped strings are never touched.
    if (out.endsWith(' ')) {
      if (value instanceof SafeHtml && text.startsWith(' ')) text = text.slice(1);
      else if (text === '' && next.startsWith(' ')) next = next.slice(1);
      else if (text === '' && next.startsWith('>')) out = out.slice(0, -1);
    }
    out += text + next;
  }
  return new SafeHtml(out);
}

/** True for absolute `http:`/`https:` URLs: the only ones the page turns into links. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** "gotham" → "Gotham"; used for the header and location labels. */
export function capitalise(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
