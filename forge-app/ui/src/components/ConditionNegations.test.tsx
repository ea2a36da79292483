// The negated operators (notIn, notContains, notMatches: "is not one of", "does not contain", "does not match regex")
// are picked in the builder like their positives, so an admin never writes them in JSON: "is not one of" takes a
// comma-separated list, "does not match regex" is checked as a regex, and a saved rule with them round-trips.
import React, { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { ConditionBuilder } from './ConditionBuilder';
import { fromApi, toApi, validateConditions, type GroupDraft } from '../lib/conditions';
import { choose, user } from '../test/utils';

function Harness({ initial, onValue }: { initial: GroupDraft; onValue: (v: GroupDraft) => void }) {
  const [value, setValue] = useState(initial);
  onValue(value);
  return <ConditionBuilder value={value} onChange={setValue} errors={{}} readOnly={false} />;
}

describe('condition builder: negated operators', () => {
  it('"is not one of" saves notIn with the comma-separated values as a list', async () => {
    const u = user();
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.priority.name', op: 'equals', value: 'x' }] })} onValue={(v) => (latest = v)} />);
    const id = (latest.children[0] as { id: string }).id;
    await choose(u, `${id}-op`, 'is not one of');
    expect(screen.getByLabelText('Values (comma separated)')).toBeTruthy();
    const input = document.getElementById(`${id}-value`) as HTMLInputElement;
    await u.clear(input);
    await u.type(input, 'Low, Lowest');
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.priority.name', op: 'notIn', value: ['Low', 'Lowest'] }] });
    expect(validateConditions(latest)).toEqual({});
  });

  it('"does not contain" saves notContains, and keeps a blank value as contains does', async () => {
    const u = user();
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.components', op: 'contains', value: 'Backend' }] })} onValue={(v) => (latest = v)} />);
    const id = (latest.children[0] as { id: string }).id;
    await choose(u, `${id}-op`, 'does not contain');
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.components', op: 'notContains', value: 'Backend' }] });
    await u.click(screen.getByLabelText('Blank value (empty text "")'));
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.components', op: 'notContains', value: '' }] });
    expect(validateConditions(latest)).toEqual({});
  });

  it('"does not match regex" saves notMatches and checks the pattern as matches does', async () => {
    const u = user();
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.summary', op: 'matches', value: '(?i)outage' }] })} onValue={(v) => (latest = v)} />);
    const id = (latest.children[0] as { id: string }).id;
    await choose(u, `${id}-op`, 'does not match regex');
    expect(toApi(latest)).toEqual({ all: [{ field: 'issue.fields.summary', op: 'notMatches', value: '(?i)outage' }] });
    expect(validateConditions(latest)).toEqual({});
    const input = document.getElementById(`${id}-value`) as HTMLInputElement;
    await u.clear(input);
    await u.type(input, '[[');
    expect(validateConditions(latest)).toEqual({ 'conditions.all[0].value': ['This is not a valid regular expression.'] });
  });

  it('a saved rule with the negated operators opens as picked operators and saves unchanged', () => {
    const saved = {
      all: [
        { field: 'issue.fields.fixVersions.name', op: 'notIn' as const, value: ['1.0', '2.0'] },
        { field: 'issue.fields.labels', op: 'notContains' as const, value: 'wontfix' },
        { field: 'issue.key', op: 'notMatches' as const, value: '^OPS-' },
      ],
    };
    let latest = fromApi(undefined);
    render(<Harness initial={fromApi(saved)} onValue={(v) => (latest = v)} />);
    expect(screen.getByText('is not one of')).toBeTruthy();
    expect(screen.getByText('does not contain')).toBeTruthy();
    expect(screen.getByText('does not match regex')).toBeTruthy();
    expect(toApi(latest)).toEqual(saved);
  });
});

describe('condition builder: list names', () => {
  it('suggests the names of a list field (components, fix versions), which the backend reads from every item', () => {
    render(<Harness initial={fromApi({ all: [{ field: 'issue.fields.components.name', op: 'notIn', value: ['Legacy'] }] })} onValue={() => undefined} />);
    const suggestions = [...document.querySelectorAll('datalist option')].map((o) => (o as HTMLOptionElement).value);
    expect(suggestions).toEqual(expect.arrayContaining(['issue.fields.components.name', 'issue.fields.fixVersions.name']));
  });
});

describe('condition builder: several on one page', () => {
  it('the rule’s conditions and a step’s "Only run if…" each have their own suggestion list: no two elements share an id', () => {
    render(
      <>
        <Harness initial={fromApi({ all: [{ field: 'issue.key', op: 'isNotEmpty' }] })} onValue={() => undefined} />
        <Harness initial={fromApi({ all: [{ field: 'issue.fields.summary', op: 'isNotEmpty' }] })} onValue={() => undefined} />
      </>,
    );
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    expect(ids.filter((x, i) => ids.indexOf(x) !== i)).toEqual([]);
    const inputs = screen.getAllByLabelText(/^Field/).filter((e) => e.tagName === 'INPUT' && e.getAttribute('list'));
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(document.getElementById(input.getAttribute('list')!)?.tagName).toBe('DATALIST');
  });
});
