// Steps are added, moved and removed with the keyboard without losing one's place (focus).
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import type { Step } from '../api';
import { StepsEditor } from './StepsEditor';
import { draftFromDefinition, type StepDraft } from '../lib/ruleForm';
import { user } from '../test/utils';

const three: Step[] = [
  { id: 'a', type: 'jira.fetch' },
  { id: 'b', type: 'jira.comment', body: 'B' },
  { id: 'c', type: 'jira.comment', body: 'C' },
];

function renderSteps(steps: Step[]) {
  let latest: StepDraft[] = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps }).steps;
  function Harness() {
    const [list, setList] = useState(latest);
    return <StepsEditor steps={list} onChange={(next) => setList((latest = next))} connections={[]} errors={{}} readOnly={false} />;
  }
  render(<Harness />);
  return { ids: () => latest.map((s) => s.id) };
}
const focused = () => (document.activeElement as HTMLElement | null)?.getAttribute('aria-label') ?? document.activeElement?.id;

describe('keyboard', () => {
  it('a moved step keeps focus on its move button, or on the other one once it reaches an end', async () => {
    const u = user();
    const steps = renderSteps(three);
    screen.getByRole('button', { name: 'Move step 3 up' }).focus();
    await u.keyboard('{Enter}');
    expect(steps.ids()).toEqual(['a', 'c', 'b']);
    expect(focused()).toBe('Move step 2 up');
    await u.keyboard('{Enter}');
    expect(steps.ids()).toEqual(['c', 'a', 'b']);
    expect(focused()).toBe('Move step 1 down');
    await u.keyboard(' ');
    expect(steps.ids()).toEqual(['a', 'c', 'b']);
    expect(focused()).toBe('Move step 2 down');
  });

  it('after a remove, focus goes to the step now in its place (or the one before, or the add picker); after an add, to the new step', async () => {
    const u = user();
    const steps = renderSteps(three);
    screen.getByRole('button', { name: 'Remove step 2' }).focus();
    await u.keyboard('{Enter}');
    expect(steps.ids()).toEqual(['a', 'c']);
    expect(focused()).toBe('step-1-id');
    screen.getByRole('button', { name: 'Remove step 2' }).focus();
    await u.keyboard('{Enter}');
    expect(focused()).toBe('step-0-id');
    screen.getByRole('button', { name: 'Remove step 1' }).focus();
    await u.keyboard('{Enter}');
    expect(steps.ids()).toEqual([]);
    expect(focused()).toBe('add-step-kind');
    screen.getByRole('button', { name: 'Add step' }).focus();
    await u.keyboard('{Enter}');
    expect(steps.ids()).toEqual(['step_1']);
    expect(focused()).toBe('step-0-id');
  });
});
