// The backend names a property that is not short and plain (a header "Bad Header", a Jira field "Story Points") as
// `(property)` in its error keys (docs/api.md, Errors): `steps[0].headers.(property)`. The editor puts such an error at
// the one row whose name the backend masked, as it does for a plain name, instead of only in the summary.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { RuleEditor } from './RuleEditor';
import { fakeBackend } from '../test/fakeBackend';
import { user } from '../test/utils';
import type { Rule, Step } from '../api';
import { unmaskPropertyNames } from '../lib/ruleForm';

function open(steps: Step[], errors: Record<string, string[]>) {
  const rule: Rule = {
    id: 'r1',
    name: 'Masked',
    enabled: true,
    version: 1,
    definition: { name: 'Masked', enabled: true, trigger: { type: 'manual' }, steps },
  };
  const b = fakeBackend();
  b.on('GET', '/api/connections', () => ({ items: [{ id: 'conn-1', name: 'CRM', baseUrl: 'https://crm.example.com', auth: { type: 'bearer' }, secretSet: true }] }));
  b.on('GET', '/api/webhooks', () => ({ items: [] }));
  b.on('GET', '/api/rules/r1', () => rule);
  b.on('PUT', '/api/rules/r1', () => ({ status: 400, body: { title: 'Validation failed', status: 400, detail: 'The request has invalid fields; see errors.', errors } }));
  render(<RuleEditor ruleId="r1" readOnly={false} onSaved={() => undefined} onCancel={() => undefined} />);
}

/** The error messages an input announces (its aria-describedby). */
const announced = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');

describe('an error the backend keys with (property)', () => {
  it('is shown at the header row whose name is not plain', async () => {
    open([{ id: 'call', type: 'http', connection: 'conn-1', method: 'POST', path: '/x', headers: { 'X-Ok': 'a', 'Bad Header': 'b' } }], {
      'steps[0].headers.(property)': ['is not a valid header name'],
    });
    const u = user();
    await screen.findByDisplayValue('Masked');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    const headers = await screen.findByRole('group', { name: 'Headers' });
    const bad = within(headers).getByDisplayValue('Bad Header');
    expect(announced(bad)).toContain('is not a valid header name');
    expect(announced(within(headers).getByDisplayValue('X-Ok'))).not.toContain('is not a valid header name');
  });

  it("is shown at a new issue's field named by the name Jira shows", async () => {
    open([{ id: 'follow', type: 'jira.create', project: 'OPS', issueType: 'Task', fields: { summary: 'S', 'Story Points': '{{ x | nosuch }}' } }], {
      'steps[0].fields.(property)': ["template error at line 1, column 8: unknown filter 'nosuch'"],
    });
    const u = user();
    await screen.findByDisplayValue('Masked');
    await u.click(screen.getAllByRole('button', { name: 'Save rule' })[0]);
    const value = await screen.findByDisplayValue('{{ x | nosuch }}');
    expect(announced(value)).toContain("unknown filter 'nosuch'");
  });

  it('names the one masked property, and leaves the key alone when it cannot tell which', () => {
    const definition = { steps: [{ headers: { 'X-Ok': 'a', 'Bad Header': 'b' } }, { headers: { 'A B': '1', 'C D': '2' } }] };
    expect(unmaskPropertyNames(definition, 'steps[0].headers.(property)')).toBe('steps[0].headers.Bad Header');
    expect(unmaskPropertyNames(definition, 'steps[1].headers.(property)')).toBe('steps[1].headers.(property)');
    expect(unmaskPropertyNames(definition, 'steps[0].path')).toBe('steps[0].path');
    expect(unmaskPropertyNames({ steps: [{ headers: { ['h'.repeat(65)]: 'x', ok: 'y' } }] }, 'steps[0].headers.(property)')).toBe(`steps[0].headers.${'h'.repeat(65)}`);
  });
});
