import { describe, expect, it } from 'vitest';
import { canonicalJson, changeText, flatten, lineDiff, structuralDiff } from './diff';

const v1 = {
  name: 'Sync',
  trigger: { type: 'event', events: ['avi:jira:created:issue'] },
  steps: [
    { id: 'a', type: 'http', path: '/one', body: { key: '{{ issue.key }}' } },
    { id: 'b', type: 'http', path: '/two' },
  ],
};

describe('structural diff', () => {
  it('reports nothing for equal documents, whatever the key order', () => {
    expect(structuralDiff(v1, JSON.parse(JSON.stringify(v1)))).toEqual([]);
    expect(structuralDiff({ a: 1, b: 2 }, { b: 2, a: 1 })).toEqual([]);
  });

  it('reports added, removed and changed leaves with readable paths', () => {
    const v2 = {
      ...v1,
      name: 'Sync issues',
      trigger: { type: 'event', events: ['avi:jira:created:issue', 'avi:jira:updated:issue'] },
      steps: [{ id: 'a', type: 'http', path: '/one' }, v1.steps[1]],
    };
    const changes = structuralDiff(v1, v2);
    expect(changes.map(changeText)).toEqual([
      'Changed name: "Sync" → "Sync issues"',
      'Removed steps[id=a].body.key (was "{{ issue.key }}")',
      'Added trigger.events[1]: "avi:jira:updated:issue"',
    ]);
  });

  it('matches steps by id, so inserting a step reports only that step', () => {
    const v2 = { ...v1, steps: [{ id: 'new', type: 'http', path: '/zero' }, ...v1.steps] };
    const changes = structuralDiff(v1, v2);
    expect(changes.every((c) => c.kind === 'added' && c.path.startsWith('steps[id=new]'))).toBe(true);
    expect(changes).toHaveLength(3);
  });

  it('flattens empty containers as leaves', () => {
    expect([...flatten({ a: [], b: {} })]).toEqual([
      ['a', []],
      ['b', {}],
    ]);
  });
});

describe('line diff', () => {
  it('produces a minimal unified diff of pretty JSON', () => {
    const before = canonicalJson({ b: 1, a: 'x' });
    const after = canonicalJson({ a: 'y', b: 1 });
    expect(before).toBe('{\n  "a": "x",\n  "b": 1\n}');
    expect(lineDiff(before, after)).toEqual([
      { kind: 'same', text: '{' },
      { kind: 'removed', text: '  "a": "x",' },
      { kind: 'added', text: '  "a": "y",' },
      { kind: 'same', text: '  "b": 1' },
      { kind: 'same', text: '}' },
    ]);
  });

  it('handles additions at the end and empty input', () => {
    expect(lineDiff('a', 'a\nb')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'added', text: 'b' },
    ]);
    expect(lineDiff('x\ny', '')).toEqual([
      { kind: 'removed', text: 'x' },
      { kind: 'removed', text: 'y' },
      { kind: 'added', text: '' },
    ]);
  });
});
