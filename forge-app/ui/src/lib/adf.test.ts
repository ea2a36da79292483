import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adfFromText, textFromAdf } from './adf';

const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
const para = (...content: unknown[]) => ({ type: 'paragraph', content });
const text = (t: string) => ({ type: 'text', text: t });
const br = { type: 'hardBreak' };

describe('comment text ⇄ Atlassian Document Format', () => {
  it('turns blank lines into paragraphs and line breaks into hard breaks, as the backend does (Adf.FromText)', () => {
    expect(adfFromText('Escalated: {{ issue.fields.summary }}\r\nby {{ user.accountId }}\n\n\n  Thanks  \n\n')).toEqual(
      doc(para(text('Escalated: {{ issue.fields.summary }}'), br, text('by {{ user.accountId }}')), para(text('Thanks'))),
    );
    expect(adfFromText('a\n\nb')).toEqual(doc(para(text('a')), para(text('b'))));
    expect(adfFromText('a\n\nb\n')).toEqual(doc(para(text('a')), para(text('b'))));
    expect(adfFromText('a\n\nb\n')).toEqual(adfFromText('a\n\nb'));
    expect(adfFromText('  ')).toEqual(doc());
  });

  it('reads back a document of plain paragraphs as its text, templates included', () => {
    const d = doc(para(text('Seen {{ issue.key }}'), br, text('Priority: {{ issue.fields.priority.name }}')), para(text('Bye')));
    expect(textFromAdf(d)).toBe('Seen {{ issue.key }}\nPriority: {{ issue.fields.priority.name }}\n\nBye');
    expect(adfFromText(textFromAdf(d)!)).toEqual(d);
  });

  it('has no text for anything richer, or that the conversion would not give back exactly', () => {
    expect(textFromAdf(doc(para({ type: 'text', text: 'bold', marks: [{ type: 'strong' }] })))).toBeUndefined();
    expect(textFromAdf(doc({ type: 'bulletList', content: [] }))).toBeUndefined();
    expect(textFromAdf(doc(para({ type: 'mention', attrs: { id: '557058:x' } })))).toBeUndefined();
    expect(textFromAdf(doc(para(text(' padded'))))).toBeUndefined();
    expect(textFromAdf(doc(para(text('a'), text('b'))))).toBeUndefined();
    expect(textFromAdf(doc(para()))).toBeUndefined();
    expect(textFromAdf(doc())).toBeUndefined();
    expect(textFromAdf({ ...doc(para(text('a'))), version: 2 })).toBeUndefined();
    expect(textFromAdf('text')).toBeUndefined();
  });
});

describe('the same conversion as the backend', () => {
  it('gives the documents of samples/adf/comment-text.json (also checked against Adf.FromText by AdfParityTests)', () => {
    const file = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../samples/adf/comment-text.json'), 'utf8')) as { cases: { text: string; doc: unknown }[] };
    expect(file.cases.length).toBeGreaterThan(3);
    for (const c of file.cases) expect(adfFromText(c.text), JSON.stringify(c.text)).toEqual(c.doc);
  });
});
