import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { TriggerEditor } from './TriggerEditor';
import { emptyDraft } from '../lib/ruleForm';

describe('manual trigger', () => {
  it('says the run reads the issue first, so issue fields work without a fetch step', () => {
    render(<TriggerEditor draft={{ ...emptyDraft(), triggerType: 'manual' }} onChange={() => {}} webhooks={[]} errors={{}} readOnly={false} />);
    const hint = screen.getByText(/Run now/);
    expect(hint).toHaveTextContent('The run reads that issue from Jira first');
    expect(hint).toHaveTextContent('{{ issue.fields.summary }}');
  });
});
