// Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/) for the
// comment form: plain text to paragraphs exactly as the backend does it (src/BluBees.Engine/Steps/Jira/Adf.cs,
// FromText), and back for a document made only of such paragraphs. Anything richer (marks, mentions, lists, headings)
// has no plain-text form and stays in the JSON editor.

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
