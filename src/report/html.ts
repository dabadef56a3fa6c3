/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coloured symbol in a caption, keying a mark of the plot above it. */
export function swatch(color: string, symbol: '●' | '━' | '┅'): string {
  return `<span class="key" style="color:${color}">${symbol}</span>`;
}

/** A report section: a heading, then a figure with its caption, or a note saying why there is none. */
export function section(title: string, content: { svg: string; caption: string } | { note: string }): string {
  const body =
    'svg' in content ? `<figure>${content.svg}<figcaption>${content.caption}</figcaption></figure>` : `<p class="note">${content.note}</p>`;
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}
