// jira.comment formatting without JSON: bold, italic, inline code, headings, bulleted and numbered lists and code
// blocks, written with the Format buttons (or typed as **bold**, *italic*, `code`, "# ", "- ", "1. ", ```), saved as
// Atlassian Document Format; a saved document of those nodes opens in the form and saves back unchanged.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { jiraCommentKind } from './jira';
import { formValuesFor } from './registry';
import { richAdfFromText, richTextFromAdf } from '../lib/adf';
import type { Values } from './types';
import { user } from '../test/utils';

function Harness({ initial, onValues }: { initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = jiraCommentKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const bodyOf = (v: Values) => jiraCommentKind.toJson(v, () => undefined).body;
const text = (t: string, ...marks: string[]) => (marks.length ? { type: 'text', text: t, marks: marks.map((type) => ({ type })) } : { type: 'text', text: t });
const para = (...content: object[]) => ({ type: 'paragraph', content });
const item = (...content: object[]) => ({ type: 'listItem', content: [para(...content)] });

const source = [
  '## Deploy of {{ issue.key }}',
  'The **build** failed in *staging*: run `make test`.',
  '- first {{ issue.fields.summary }}\n- second',
  '3. one\n4. two',
  '```\nexit 1\n  at step 2\n```',
].join('\n\n');
const doc = {
  type: 'doc',
  version: 1,
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [text('Deploy of {{ issue.key }}')] },
    para(text('The '), text('build', 'strong'), text(' failed in '), text('staging', 'em'), text(': run '), text('make test', 'code'), text('.')),
    { type: 'bulletList', content: [item(text('first {{ issue.fields.summary }}')), item(text('second'))] },
    { type: 'orderedList', attrs: { order: 3 }, content: [item(text('one')), item(text('two'))] },
    { type: 'codeBlock', content: [text('exit 1\n  at step 2')] },
  ],
};

describe('comment formatting', () => {
  it('the text form of headings, marks, lists and code blocks is that document, and the document opens as that text', () => {
    expect(richAdfFromText(source)).toEqual(doc);
    expect(richTextFromAdf(doc)).toBe(source);
    const step = { type: 'jira.comment', body: doc };
    const values = formValuesFor(step);
    expect(values?.body).toBe(source);
    expect(jiraCommentKind.toJson(values!, () => undefined)).toEqual(step);
  });

  it('an admin formats the comment with the buttons, by keyboard, without JSON', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={jiraCommentKind.defaults()} onValues={(v) => (latest = v)} />);
    const box = screen.getByLabelText(/^Comment/) as HTMLTextAreaElement;
    await u.type(box, 'Deploy failed');
    box.setSelectionRange(7, 13);
    screen.getByRole('button', { name: 'Bold' }).focus();
    await u.keyboard('{Enter}');
    box.setSelectionRange(box.value.length, box.value.length);
    await u.click(screen.getByRole('button', { name: 'Bulleted list' }));
    box.setSelectionRange(box.value.length, box.value.length);
    await u.click(screen.getByRole('button', { name: 'Numbered list' }));
    expect(box.value).toBe('Deploy **failed**\n\n- item\n\n1. item');
    expect(bodyOf(latest)).toEqual({
      type: 'doc',
      version: 1,
      content: [para(text('Deploy '), text('failed', 'strong')), { type: 'bulletList', content: [item(text('item'))] }, { type: 'orderedList', attrs: { order: 1 }, content: [item(text('item'))] }],
    });
  });

  it('a plain comment without formatting is still saved as text', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={jiraCommentKind.defaults()} onValues={(v) => (latest = v)} />);
    await u.type(screen.getByLabelText(/^Comment/), 'Done: 2 * 3 = 6');
    expect(bodyOf(latest)).toBe('Done: 2 * 3 = 6');
  });
});
