// Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/) for the
// comment form: plain text to paragraphs exactly as the backend does it (src/BluBees.Engine/Steps/Jira/Adf.cs,
// FromText), and back for a document made only of such paragraphs. Paragraphs with mentions and links have a text form
// too (richAdfFromText below); anything richer (other marks, lists, headings) stays in the JSON editor.

export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  [key: string]: unknown;
}

/** Blank lines separate paragraphs (each trimmed, empty ones dropped); single line breaks become hard breaks. */
export function adfFromText(text: string): AdfNode {
  const paragraphs = text
    .replace(/\r\n/g, '\n')
    .split('\n\n')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const content = paragraphs.map((paragraph) => {
    const inline: AdfNode[] = [];
    paragraph.split('\n').forEach((line, i) => {
      if (i > 0) inline.push({ type: 'hardBreak' });
      if (line.length > 0) inline.push({ type: 'text', text: line });
    });
    return { type: 'paragraph', content: inline };
  });
  return { type: 'doc', version: 1, content };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const only = (o: Record<string, unknown>, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

/**
 * The plain text of a document made only of paragraphs of unmarked text and hard breaks, such that
 * `adfFromText(text)` gives the same document back; undefined for anything else (or an empty document).
 */
export function textFromAdf(doc: unknown): string | undefined {
  if (!isObject(doc) || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content) || !only(doc, ['type', 'version', 'content'])) return undefined;
  const paragraphs: string[] = [];
  for (const p of doc.content) {
    if (!isObject(p) || p.type !== 'paragraph' || !Array.isArray(p.content) || !only(p, ['type', 'content'])) return undefined;
    let text = '';
    for (const n of p.content) {
      if (isObject(n) && n.type === 'hardBreak' && only(n, ['type'])) text += '\n';
      else if (isObject(n) && n.type === 'text' && typeof n.text === 'string' && only(n, ['type', 'text'])) text += n.text;
      else return undefined;
    }
    paragraphs.push(text);
  }
  const text = paragraphs.join('\n\n');
  if (!text.trim()) return undefined;
  // Exactly: text whose paragraphs the conversion would trim, split or merge differently has no plain-text form.
  return JSON.stringify(adfFromText(text)) === JSON.stringify(doc) ? text : undefined;
}

// Rich comments: a mention `@[accountId]` and a link `[text](address)` written in the text (the comment form inserts
// them). ADF: a mention is `{"type": "mention", "attrs": {"id": accountId}}`
// (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/mention/), a link is text with the mark
// `{"type": "link", "attrs": {"href": …}}` (https://developer.atlassian.com/cloud/jira/platform/apis/document/marks/link/).
// Used only for a comment saved as rich text, so plain comments keep adfFromText, which is the backend's Adf.FromText.
const TOKEN = /@\[([^\]\n]+)\]|\[([^\]\n]+)\]\(([^)\n]+)\)/g;

function inlineOf(line: string): AdfNode[] {
  const out: AdfNode[] = [];
  let at = 0;
  for (const m of line.matchAll(TOKEN)) {
    if (m.index > at) out.push({ type: 'text', text: line.slice(at, m.index) });
    if (m[1] !== undefined) out.push({ type: 'mention', attrs: { id: m[1] } });
    else out.push({ type: 'text', text: m[2], marks: [{ type: 'link', attrs: { href: m[3] } }] });
    at = m.index + m[0].length;
  }
  if (at < line.length) out.push({ type: 'text', text: line.slice(at) });
  return out;
}

/** As adfFromText, and each `@[accountId]` a mention, each `[text](address)` a link. */
export function richAdfFromText(text: string): AdfNode {
  const doc = adfFromText(text);
  for (const p of doc.content ?? []) p.content = (p.content ?? []).flatMap((n) => (n.type === 'text' ? inlineOf(n.text ?? '') : [n]));
  return doc;
}

const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** The text of a document of paragraphs with mentions and links that richAdfFromText gives back exactly; undefined otherwise. */
export function richTextFromAdf(doc: unknown): string | undefined {
  if (!isObject(doc) || doc.type !== 'doc' || !Array.isArray(doc.content)) return undefined;
  const paragraphs: string[] = [];
  for (const p of doc.content) {
    if (!isObject(p) || p.type !== 'paragraph' || !Array.isArray(p.content)) return undefined;
    let text = '';
    for (const n of p.content) {
      if (!isObject(n)) return undefined;
      const attrs = isObject(n.attrs) ? n.attrs : {};
      const marks = Array.isArray(n.marks) ? n.marks : [];
      const link = marks.length === 1 && isObject(marks[0]) && marks[0].type === 'link' && isObject(marks[0].attrs) ? marks[0].attrs.href : undefined;
      if (n.type === 'hardBreak') text += '\n';
      else if (n.type === 'mention' && typeof attrs.id === 'string') text += `@[${attrs.id}]`;
      else if (n.type === 'text' && typeof n.text === 'string' && marks.length === 0) text += n.text;
      else if (n.type === 'text' && typeof n.text === 'string' && typeof link === 'string') text += `[${n.text}](${link})`;
      else return undefined;
    }
    paragraphs.push(text);
  }
  const text = paragraphs.join('\n\n');
  return text.trim() && same(richAdfFromText(text), doc) ? text : undefined;
}
