// The builder checks the backend's limits before a save (src/BluBees.Engine/Validation/RuleLimits.cs,
// Steps/Flow/FlowLimits.cs, Steps/Ai/AiStepLimits.cs), with the messages beside the field the backend would name; and
// the backend's own messages for those limits land beside the same fields.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { StepsEditor } from './StepsEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import { definitionFromDraft, draftFromDefinition, RULE_LIMITS } from '../lib/ruleForm';
import type { Rule, RuleDefinition, Step } from '../api';

const base = (steps: Step[], name = 'Limits'): RuleDefinition => ({ name, enabled: true, trigger: { type: 'manual' }, steps });
const fetch = (id: string): Step => ({ id, type: 'jira.fetch' });
const errorsOf = (def: RuleDefinition) => definitionFromDraft(draftFromDefinition(def)).errors;
/** An if block holding `inner` in its then branch. */
const ifBlock = (id: string, inner: Step[]): Step => ({ id, type: 'if', if: { field: 'issue.key', op: 'isNotEmpty' }, then: inner } as Step);

describe('client-side limits match the backend', () => {
  it('a name of more than 200 characters is refused at the name; 200 is fine', () => {
    expect(errorsOf(base([fetch('a')], 'x'.repeat(200))).name).toBeUndefined();
    expect(errorsOf(base([fetch('a')], 'x'.repeat(201))).name?.[0]).toMatch(/at most 200 characters/);
  });

  it('more than 20 steps in the rule, or in one block, is refused at that list; 50 in all at the 51st', () => {
    const many = (n: number, p: string) => Array.from({ length: n }, (_, k) => fetch(`${p}${k}`));
    expect(errorsOf(base(many(20, 's'))).steps).toBeUndefined();
    expect(errorsOf(base(many(21, 's'))).steps?.[0]).toMatch(/at most 20 steps/);
    expect(errorsOf(base([ifBlock('b', many(21, 'n'))]))['steps[0].then']?.[0]).toMatch(/at most 20 steps/);
    // 3 blocks of 16 steps each: 51 steps in all (each block counts too), the 51st is the last block's 16th step.
    const rule = base([ifBlock('b1', many(16, 'x')), ifBlock('b2', many(16, 'y')), ifBlock('b3', many(16, 'z'))]);
    const errors = errorsOf(rule);
    expect(Object.keys(errors)).toEqual(['steps[2].then[15]']);
    expect(errors['steps[2].then[15]'][0]).toMatch(/at most 50 steps in all/);
  });

  it('blocks nested more than 3 deep are refused at the too-deep block (`.type`, as the backend names it)', () => {
    const three = base([ifBlock('b1', [ifBlock('b2', [ifBlock('b3', [fetch('f')])])])]);
    expect(errorsOf(three)).toEqual({});
    const four = base([ifBlock('b1', [ifBlock('b2', [ifBlock('b3', [ifBlock('b4', [fetch('f')])])])])]);
    expect(errorsOf(four)).toEqual({ 'steps[0].then[0].then[0].then[0].type': [expect.stringMatching(/nest at most 3 deep/)] });
    expect(RULE_LIMITS.blockDepth).toBe(3);
  });

  it('more than 30 headers or query parameters are refused at the map, and shown above its rows', async () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`X-H${k}`, 'v']));
    const http = (headers: Record<string, string>, query: Record<string, string>): Step => ({ id: 'h', type: 'http', connection: 'c', method: 'GET', path: '/', headers, query });
    expect(errorsOf(base([http(pairs(30), pairs(30))]))).toEqual({});
    const errors = errorsOf(base([http(pairs(31), pairs(31))]));
    expect(errors['steps[0].headers']?.[0]).toMatch(/At most 30/);
    expect(errors['steps[0].query']?.[0]).toMatch(/At most 30/);
    const transfer: Step = { id: 't', type: 'transfer', source: { jiraAttachment: '{{ issue.fields.attachment[0].id }}' }, destination: { connection: 'c', path: '/', headers: pairs(31) } } as Step;
    expect(errorsOf(base([transfer]))['steps[0].destination.headers']?.[0]).toMatch(/At most 30/);

    const draft = draftFromDefinition(base([http(pairs(31), {})]));
    render(<StepsEditor steps={draft.steps} onChange={() => undefined} connections={[]} errors={{ 'steps[0].headers': ['may have at most 30 entries'] }} readOnly={false} />);
    const headers = within(screen.getByRole('group', { name: 'Step 1' })).getByRole('group', { name: 'Headers' });
    expect(within(headers).getByRole('alert').textContent).toBe('may have at most 30 entries');
  });

  it('more than 100 conditions and groups in one tree are refused at the 101st (the top group counts, as in the backend)', () => {
    const leaves = (n: number) => Array.from({ length: n }, (_, k) => ({ field: 'issue.key', op: 'equals' as const, value: `OPS-${k}` }));
    expect(errorsOf({ ...base([fetch('a')]), conditions: { all: leaves(99) } })).toEqual({});
    expect(errorsOf({ ...base([fetch('a')]), conditions: { all: leaves(100) } })).toEqual({ 'conditions.all[99]': [expect.stringMatching(/at most 100 conditions/)] });
    const step = { ...fetch('a'), if: { any: leaves(100) } } as Step;
    expect(errorsOf(base([step]))).toEqual({ 'steps[0].if.any[99]': [expect.stringMatching(/at most 100 conditions/)] });
  });

  it('a schedule JQL of more than 2,000 characters (outer spaces aside) is refused at the JQL', () => {
    const scheduled = (jql: string): RuleDefinition => ({ ...base([fetch('a')]), trigger: { type: 'schedule', schedule: { cron: '0 9 * * *', jql } } });
    expect(errorsOf(scheduled(`  ${'x'.repeat(2000)}  `))).toEqual({});
    expect(errorsOf(scheduled('x'.repeat(2001)))['trigger.schedule.jql']?.[0]).toMatch(/at most 2000 characters/);
  });

  it('an AI model id of more than 200 characters is refused at the model', () => {
    const ai = (model: string): Step => ({ id: 'a', type: 'ai.chat', connection: 'c', model, prompt: 'p' } as Step);
    expect(errorsOf(base([ai('m'.repeat(200))]))).toEqual({});
    expect(errorsOf(base([ai('m'.repeat(201))]))['steps[0].model']?.[0]).toMatch(/at most 200 characters/);
  });

  it('inside a block 3 deep, the add-step menu offers no further block', async () => {
    const u = user();
    const draft = draftFromDefinition(base([ifBlock('b1', [ifBlock('b2', [ifBlock('b3', [fetch('f')])])])]));
    render(<StepsEditor steps={draft.steps} onChange={() => undefined} connections={[]} errors={{}} readOnly={false} />);
    const optionsOf = async (inputId: string) => {
      const input = document.getElementById(inputId) as HTMLInputElement;
      input.focus();
      await u.keyboard('{ArrowDown}');
      const labels = within(await screen.findByRole('listbox')).getAllByRole('option').map((o) => o.textContent ?? '');
      await u.keyboard('{Escape}');
      return labels;
    };
    expect((await optionsOf('add-step-kind-0-then-0-then')).some((l) => l.startsWith('If / else'))).toBe(true);
    const deepest = await optionsOf('add-step-kind-0-then-0-then-0-then');
    expect(deepest.some((l) => l.startsWith('If / else') || l.startsWith('For each'))).toBe(false);
    expect(deepest.some((l) => l.startsWith('Comment on the issue'))).toBe(true);
  });
});

describe("the backend's messages for a step land on the step", () => {
  it('an error at steps[i].type (a block nested too deep) is shown in that step\'s card', async () => {
    const rule: Rule = { id: 'r1', name: 'Deep', enabled: true, version: 1, definition: base([ifBlock('b1', [fetch('f')])], 'Deep') };
    const b = fakeBackend();
    b.on('GET', '/api/connections', () => ({ items: [] }));
    b.on('GET', '/api/webhooks', () => ({ items: [] }));
    b.on('GET', '/api/rules/r1', () => rule);
    b.on('PUT', '/api/rules/r1', () => ({ status: 400, body: { title: 'The rule is not valid', status: 400, errors: { 'steps[0].type': ["blocks ('if', 'forEach') nest at most 3 deep"] } } }));
    const u = user();
    render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
    await screen.findByDisplayValue('Deep');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    await screen.findByText('1 problem to fix');
    const card = screen.getByRole('group', { name: 'Step 1' });
    expect(within(card).getAllByRole('alert').some((a) => a.textContent === "blocks ('if', 'forEach') nest at most 3 deep")).toBe(true);
  });
});
