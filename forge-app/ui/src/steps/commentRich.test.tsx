// jira.comment: a mention or a link is inserted with the form and saved as Atlassian Document Format, no JSON; saved
// comments with mentions and links open in the form and round-trip; plain comments are saved as before.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { jiraCommentKind } from './jira';
import { formValuesFor } from './registry';
import type { Values } from './types';
import { choose, user } from '../test/utils';

function Harness({ initial, onValues }: { initial: Values; onValues: (v: Values) => void }) {
  const [values, setValues] = useState<Values>(initial);
  onValues(values);
  const Form = jiraCommentKind.Form;
  return <Form index={0} values={values} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} errors={{}} path="steps[0]" readOnly={false} connections={[]} />;
}
const bodyOf = (v: Values) => jiraCommentKind.toJson(v, () => undefined).body;
const mention = (id: string) => ({ type: 'mention', attrs: { id } });
const link = (text: string, href: string) => ({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] });

describe('comment with a mention or a link', () => {
  it('an admin mentions the reporter and a picked person and adds a link, saved as a document', async () => {
    const u = user();
    let latest: Values = {};
    render(<Harness initial={jiraCommentKind.defaults()} onValues={(v) => (latest = v)} />);
    await u.type(screen.getByLabelText(/^Comment/), 'Please look');
    await u.click(screen.getByRole('button', { name: 'Insert mention' }));
    await choose(u, 'step-0-mention-who', 'A person…');
    await u.type(screen.getByLabelText(/^Person to mention/), '5b10ac8d82e05b22cc7d4ef5');
    await u.click(screen.getByRole('button', { name: 'Insert mention' }));
    await u.type(screen.getByLabelText(/^Link text/), 'Runbook');
    await u.type(screen.getByLabelText(/^Link address/), 'https://wiki.example.com/runbook');
    await u.click(screen.getByRole('button', { name: 'Insert link' }));
    expect(bodyOf(latest)).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'Please look ' }, mention('{{ issue.fields.reporter.accountId }}'), { type: 'text', text: ' ' }, mention('5b10ac8d82e05b22cc7d4ef5'), { type: 'text', text: ' ' }, link('Runbook', 'https://wiki.example.com/runbook')],
        },
      ],
    });
  });

  it('a link without its address is refused with the reason', async () => {
    const u = user();
    render(<Harness initial={jiraCommentKind.defaults()} onValues={() => undefined} />);
    await u.type(screen.getByLabelText(/^Link text/), 'Runbook');
    await u.click(screen.getByRole('button', { name: 'Insert link' }));
    expect(screen.getByRole('alert').textContent).toMatch(/link address/);
  });

  it('a saved comment with mentions and links opens in the form and round-trips; a richer mention stays JSON; plain text stays text', () => {
    const saved = {
      type: 'jira.comment',
      body: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [mention('{{ issue.fields.assignee.accountId }}'), { type: 'text', text: ' see ' }, link('the run', 'https://ci.example.com/{{ issue.key }}')] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Thanks' }, { type: 'hardBreak' }, { type: 'text', text: 'Ops' }] },
        ],
      },
    };
    const values = formValuesFor(saved)!;
    expect(values.body).toBe('@[{{ issue.fields.assignee.accountId }}] see [the run](https://ci.example.com/{{ issue.key }})\n\nThanks\nOps');
    expect(jiraCommentKind.toJson(values, () => undefined)).toEqual(saved);
    expect(formValuesFor({ type: 'jira.comment', body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'mention', attrs: { id: 'a', text: '@Ann' } }] }] } })).toBeUndefined();
    const plain = { type: 'jira.comment', body: 'See [the run](https://ci.example.com) @[x]' };
    expect(jiraCommentKind.toJson(formValuesFor(plain)!, () => undefined)).toEqual(plain);
  });
});
