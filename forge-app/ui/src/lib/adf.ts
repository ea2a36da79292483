// Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/) for the
// comment form: plain text to paragraphs exactly as the backend does it (src/BluBees.Engine/Steps/Jira/Adf.cs,
// FromText), and back for a document made only of such paragraphs. Mentions, links, bold, italic, inline code, headings,
// lists and code blocks have a text form too (richAdfFromText below); anything else stays in the JSON editor.

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
// Formatting, as the comment form's Format buttons write it: `**bold**` the mark `{"type": "strong"}`
// (…/document/marks/strong/), `*italic*` `{"type": "em"}` (…/marks/em/), `` `code` `` `{"type": "code"}` (…/marks/code/);
// a block of one line `## Title` a heading `{"type": "heading", "attrs": {"level": 2}}` (…/nodes/heading/), a block of
// `- ` lines a bulletList of listItems each holding one paragraph (…/nodes/bulletList/, …/nodes/listItem/), a block of
// `3. ` lines an orderedList with `attrs.order` its first number (…/nodes/orderedList/), and a block between ``` lines a
// codeBlock holding one text node (…/nodes/codeBlock/); … is https://developer.atlassian.com/cloud/jira/platform/apis/document.
// Used only for a comment saved as rich text, so plain comments keep adfFromText, which is the backend's Adf.FromText.
const TOKEN = /@\[([^\]\n]+)\]|\[([^\]\n]+)\]\(([^)\n]+)\)|\*\*(?!\s)([^*\n]*[^*\s])\*\*|\*(?!\s)([^*\n]*[^*\s])\*|`([^`\n]+)`/g;

function inlineOf(line: string): AdfNode[] {
  const out: AdfNode[] = [];
  let at = 0;
  for (const m of line.matchAll(TOKEN)) {
    if (m.index > at) out.push({ type: 'text', text: line.slice(at, m.index) });
    if (m[1] !== undefined) out.push({ type: 'mention', attrs: { id: m[1] } });
    else if (m[2] !== undefined) out.push({ type: 'text', text: m[2], marks: [{ type: 'link', attrs: { href: m[3] } }] });
    else if (m[4] !== undefined) out.push({ type: 'text', text: m[4], marks: [{ type: 'strong' }] });
    else if (m[5] !== undefined) out.push({ type: 'text', text: m[5], marks: [{ type: 'em' }] });
    else out.push({ type: 'text', text: m[6], marks: [{ type: 'code' }] });
    at = m.index + m[0].length;
  }
  if (at < line.length) out.push({ type: 'text', text: line.slice(at) });
  return out;
}

const listItem = (line: string): AdfNode => ({ type: 'listItem', content: [{ type: 'paragraph', content: inlineOf(line) }] });

/** One block of a rich comment (text between blank lines, trimmed) as its ADF node. */
function blockOf(block: string): AdfNode {
  const lines = block.split('\n');
  const code = /^```\n([\s\S]*)\n```$/.exec(block);
  if (code) return code[1] ? { type: 'codeBlock', content: [{ type: 'text', text: code[1] }] } : { type: 'codeBlock' };
  const heading = lines.length === 1 ? /^(#{1,6}) (.+)$/.exec(block) : null;
  if (heading) return { type: 'heading', attrs: { level: heading[1].length }, content: inlineOf(heading[2]) };
  if (lines.every((l) => /^- ./.test(l))) return { type: 'bulletList', content: lines.map((l) => listItem(l.slice(2))) };
  const numbered = lines.map((l) => /^(\d{1,9})\. (.+)$/.exec(l));
  if (numbered.every((m) => m)) return { type: 'orderedList', attrs: { order: Number(numbered[0]![1]) }, content: numbered.map((m) => listItem(m![2])) };
  const paragraph = adfFromText(block).content![0];
  paragraph.content = (paragraph.content ?? []).flatMap((n) => (n.type === 'text' ? inlineOf(n.text ?? '') : [n]));
  return paragraph;
}

/** As adfFromText, and each `@[accountId]` a mention, each `[text](address)` a link, plus the formatting above. */
export function richAdfFromText(text: string): AdfNode {
  const blocks = text
    .replace(/\r\n/g, '\n')
    .split('\n\n')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return { type: 'doc', version: 1, content: blocks.map(blockOf) };
}

const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

const MARK: Record<string, string> = { strong: '**', em: '*', code: '`' };

/** The text form of inline nodes (text, marked text, mentions, hard breaks), or undefined. */
function inlineText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const n of content) {
    if (!isObject(n)) return undefined;
    const attrs = isObject(n.attrs) ? n.attrs : {};
    const marks = Array.isArray(n.marks) ? n.marks : [];
    const mark = marks.length === 1 && isObject(marks[0]) ? marks[0] : undefined;
    const link = mark?.type === 'link' && isObject(mark.attrs) ? mark.attrs.href : undefined;
    if (n.type === 'hardBreak') text += '\n';
    else if (n.type === 'mention' && typeof attrs.id === 'string') text += `@[${attrs.id}]`;
    else if (n.type === 'text' && typeof n.text === 'string' && marks.length === 0) text += n.text;
    else if (n.type === 'text' && typeof n.text === 'string' && typeof link === 'string') text += `[${n.text}](${link})`;
    else if (n.type === 'text' && typeof n.text === 'string' && typeof mark?.type === 'string' && MARK[mark.type]) text += `${MARK[mark.type]}${n.text}${MARK[mark.type]}`;
    else return undefined;
  }
  return text;
}

/** A listItem holding one paragraph, as its text. */
const itemText = (n: unknown) => (isObject(n) && n.type === 'listItem' && Array.isArray(n.content) && n.content.length === 1 && isObject(n.content[0]) && n.content[0].type === 'paragraph' ? inlineText(n.content[0].content) : undefined);

function blockText(b: unknown): string | undefined {
  if (!isObject(b)) return undefined;
  const attrs = isObject(b.attrs) ? b.attrs : {};
  const items = Array.isArray(b.content) ? b.content.map(itemText) : [];
  switch (b.type) {
    case 'paragraph':
      return inlineText(b.content);
    case 'heading': {
      const t = inlineText(b.content);
      return typeof attrs.level === 'number' && t !== undefined ? `${'#'.repeat(attrs.level)} ${t}` : undefined;
    }
    case 'bulletList':
      return items.length && items.every((t) => t !== undefined) ? items.map((t) => `- ${t}`).join('\n') : undefined;
    case 'orderedList':
      return items.length && items.every((t) => t !== undefined) && typeof attrs.order === 'number' ? items.map((t, k) => `${(attrs.order as number) + k}. ${t}`).join('\n') : undefined;
    case 'codeBlock': {
      const content = Array.isArray(b.content) ? b.content : [];
      const t = content.length === 0 ? '' : content.length === 1 && isObject(content[0]) && content[0].type === 'text' ? content[0].text : undefined;
      return typeof t === 'string' ? `\`\`\`\n${t}\n\`\`\`` : undefined;
    }
    default:
      return undefined;
  }
}

/** The text of a document (paragraphs with mentions, links and marks; headings, lists, code blocks) that richAdfFromText gives back exactly; undefined otherwise. */
export function richTextFromAdf(doc: unknown): string | undefined {
  if (!isObject(doc) || doc.type !== 'doc' || !Array.isArray(doc.content)) return undefined;
  const blocks: string[] = [];
  for (const b of doc.content) {
    const t = blockText(b);
    if (t === undefined) return undefined;
    blocks.push(t);
  }
  const text = blocks.join('\n\n');
  return text.trim() && same(richAdfFromText(text), doc) ? text : undefined;
}
