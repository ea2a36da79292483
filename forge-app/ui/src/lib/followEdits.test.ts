// Problems keyed by position follow the steps and conditions they were found in through moves, removals and
// "Edit as JSON" (lib/followEdits.ts), including nested steps and a step's "Only run if…".
import { describe, expect, it } from 'vitest';
import type { RuleDefinition } from '../api';
import { followEdits } from './followEdits';
import { draftFromDefinition, type RuleDraft, type StepDraft } from './ruleForm';

const rule: RuleDefinition = {
  name: 'x',
  trigger: { type: 'manual' },
  steps: [
    { id: 'a', type: 'jira.comment', body: 'A', if: { field: 'issue.key', op: 'equals', value: 'OPS-1' } },
    { id: 'b', type: 'if', if: { field: 'issue.key', op: 'isNotEmpty' }, then: [{ id: 'c', type: 'jira.comment', body: 'C' }, { id: 'd', type: 'jira.comment', body: 'D' }] },
  ],
};
const withSteps = (d: RuleDraft, steps: StepDraft[]): RuleDraft => ({ ...d, steps });

describe('followEdits', () => {
  it('a nested step’s problem follows its block when the block moves, and its place when a sibling is removed', () => {
    const before = draftFromDefinition(rule);
    const [a, b] = before.steps;
    const moved = withSteps(before, [b, a]);
    expect(followEdits(before, moved, { 'steps[1].then[1].body': ['m'], name: ['n'] })).toEqual({ 'steps[0].then[1].body': ['m'], name: ['n'] });
    const pruned = withSteps(moved, [{ ...b, nested: { ...b.nested, then: [b.nested!.then[1]] } }, a]);
    expect(followEdits(before, pruned, { 'steps[1].then[1].body': ['m'], 'steps[1].then[0].body': ['gone'] })).toEqual({ 'steps[0].then[0].body': ['m'] });
  });

  it('a block turned into JSON keeps its nested steps’ problems (the JSON editor shows them); a removed block drops them', () => {
    const before = draftFromDefinition(rule);
    const [a, b] = before.steps;
    const json = withSteps(before, [a, { ...b, mode: 'json', jsonText: '{}', nested: undefined, runIf: undefined }]);
    expect(followEdits(before, json, { 'steps[1].then[1].body': ['m'] })).toEqual({ 'steps[1].then[1].body': ['m'] });
    expect(followEdits(before, withSteps(before, [a]), { 'steps[1].then[1].body': ['m'], 'steps[1].if.field': ['i'] })).toEqual({});
  });

  it('a step’s "Only run if…" problems follow the step, and go when the condition is turned off', () => {
    const before = draftFromDefinition(rule);
    const [a, b] = before.steps;
    expect(followEdits(before, withSteps(before, [b, a]), { 'steps[0].if.all[0].value': ['v'] })).toEqual({ 'steps[1].if.all[0].value': ['v'] });
    expect(followEdits(before, withSteps(before, [{ ...a, runIf: undefined }, b]), { 'steps[0].if.all[0].value': ['v'], 'steps[0].body': ['b'] })).toEqual({ 'steps[0].body': ['b'] });
  });
});
