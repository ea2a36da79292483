// A step the form cannot show exactly opens in the JSON editor, which says which of its properties is the reason
// (e.g. a comment body with a table, an empty list of update operations), not only that "options" are not shown.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { JsonStepEditor } from './JsonStepEditor';
import { stepDraftFrom } from '../lib/ruleForm';
import { formBlockers } from '../steps/registry';
import type { Step } from '../api';

const table = { type: 'doc', version: 1, content: [{ type: 'table', content: [] }] };

describe('why a step is edited as JSON', () => {
  it('names the properties the form cannot show', () => {
    expect(formBlockers({ type: 'jira.comment', body: table, issue: 'OPS-1' })).toEqual(['body']);
    expect(formBlockers({ type: 'jira.edit', fields: { summary: 'x' }, update: { labels: [] } })).toEqual(['update']);
    expect(formBlockers({ type: 'jira.comment', body: 'plain' })).toEqual([]);
  });

  it('the JSON editor says it', () => {
    const draft = stepDraftFrom({ id: 'note', type: 'jira.comment', body: table } as unknown as Step);
    expect(draft.mode).toBe('json');
    render(<JsonStepEditor path="steps[0]" idKey={0} title="Step 1" step={draft} errors={{}} readOnly={false} onChange={() => undefined} controls={null} />);
    expect(screen.getByText(/has a body the form cannot show exactly/)).toBeInTheDocument();
  });
});
