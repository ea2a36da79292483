import { describe, expect, it } from 'vitest';
import {
  addCondition,
  addGroup,
  depthOf,
  fromApi,
  MAX_DEPTH,
  newCondition,
  parseValue,
  pathsOf,
  removeNode,
  setMode,
  toApi,
  updateCondition,
  validateConditions,
  type CondDraft,
  type GroupDraft,
} from './conditions';
import type { ConditionGroup } from '../api';

const nested: ConditionGroup = {
  all: [
    { field: 'issue.fields.priority.name', op: 'in', value: ['High', 'Highest'] },
    { any: [{ field: 'issue.fields.status.name', op: 'changed', from: 'To Do', to: 'Done' }, { field: 'issue.fields.labels', op: 'isEmpty' }] },
    { field: 'issue.fields.customfield_10016', op: 'greaterThan', value: 3 },
  ],
};

describe('condition tree', () => {
  it('round-trips nested all/any groups through the editor model', () => {
    expect(toApi(fromApi(nested))).toEqual(nested);
  });

  it('treats an empty root as "no conditions"', () => {
    expect(toApi(fromApi(undefined))).toBeUndefined();
    expect(fromApi(undefined)).toMatchObject({ kind: 'group', mode: 'all', children: [] });
  });

  it('adds conditions and groups, changes modes and removes nodes without mutating', () => {
    const root = fromApi(undefined);
    const withCond = addCondition(root, root.id);
    expect(root.children).toHaveLength(0);
    expect(withCond.children).toHaveLength(1);
    const withGroup = addGroup(withCond, withCond.id, 'any');
    const group = withGroup.children[1] as GroupDraft;
    expect(group).toMatchObject({ kind: 'group', mode: 'any' });
    expect(group.children).toHaveLength(1);
    const deeper = addCondition(withGroup, group.id);
    expect((deeper.children[1] as GroupDraft).children).toHaveLength(2);
    const switched = setMode(deeper, group.id, 'all');
    expect((switched.children[1] as GroupDraft).mode).toBe('all');
    const removed = removeNode(switched, group.id);
    expect(removed.children).toHaveLength(1);
    expect(removeNode(removed, removed.id).children).toHaveLength(0);
  });

  it('updates one condition in place', () => {
    const empty = fromApi(undefined);
    const root = addCondition(empty, empty.id);
    const c = addCondition(empty, 'x');
    expect(c.children).toHaveLength(0); // unknown group id: unchanged
    const first = root.children[0] as CondDraft;
    const updated = updateCondition(root, first.id, { field: 'issue.key', op: 'startsWith', value: 'ABC-' });
    expect(toApi(updated)).toEqual({ all: [{ field: 'issue.key', op: 'startsWith', value: 'ABC-' }] });
  });

  it('limits nesting depth', () => {
    let root = fromApi(undefined);
    let groupId = root.id;
    for (let i = 1; i < MAX_DEPTH + 2; i++) {
      root = addGroup(root, groupId);
      const found = findLastGroup(root);
      if (found.id === groupId) break;
      groupId = found.id;
    }
    expect(depthOf(root, groupId)).toBe(MAX_DEPTH);
  });

  it('computes JSON paths that match the backend error keys', () => {
    const root = fromApi(nested);
    const paths = pathsOf(root);
    const inner = root.children[1] as GroupDraft;
    expect(paths.get(root.id)).toBe('conditions');
    expect(paths.get(root.children[0].id)).toBe('conditions.all[0]');
    expect(paths.get(inner.id)).toBe('conditions.all[1]');
    expect(paths.get(inner.children[1].id)).toBe('conditions.all[1].any[1]');
  });

  it('parses values by operator', () => {
    expect(parseValue('in', 'High, Highest ,')).toEqual(['High', 'Highest']);
    expect(parseValue('in', '["a,b", "c"]')).toEqual(['a,b', 'c']);
    expect(parseValue('greaterThan', '3.5')).toBe(3.5);
    expect(parseValue('equals', '42')).toBe('42');
    const op = { ...newCondition(), field: 'f', op: 'isEmpty' as const, value: 'ignored' };
    const r2 = { ...fromApi(undefined), children: [op] };
    expect(toApi(r2)).toEqual({ all: [{ field: 'f', op: 'isEmpty' }] });
  });

  it('sends a typed number for greaterThan/lessThan exactly, however many digits it has', () => {
    // The backend compares numbers (and numeric text) exactly; a JavaScript number keeps about 15 digits.
    const big = { ...newCondition(), field: 'issue.fields.customfield_10100', op: 'greaterThan' as const, value: '12345678901234567890' };
    const sent = JSON.stringify(toApi({ ...fromApi(undefined), children: [big] }));
    expect(sent).toContain('12345678901234567890');
    expect(parseValue('lessThan', '0.12345678901234567')).toBe('0.12345678901234567');
    expect(parseValue('greaterThan', '100000000000000000000')).toBe(1e20);
    expect(parseValue('greaterThan', '-2.5')).toBe(-2.5);
  });

  it('validates fields, values, numbers, regexes and empty groups with JSON paths', () => {
    const root: GroupDraft = {
      kind: 'group',
      id: 'r',
      mode: 'all',
      children: [
        { ...newCondition(), id: 'a', field: '', op: 'equals', value: '' },
        { ...newCondition(), id: 'b', field: 'x', op: 'greaterThan', value: 'abc' },
        { ...newCondition(), id: 'c', field: 'x', op: 'matches', value: '([' },
        { kind: 'group', id: 'g', mode: 'any', children: [] },
        { ...newCondition(), id: 'd', field: 'x', op: 'isNotEmpty', value: '' },
      ],
    };
    expect(validateConditions(root)).toEqual({
      'conditions.all[0].field': ['Choose a field.'],
      'conditions.all[0].value': ['Enter a value.'],
      'conditions.all[1].value': ['Enter a number or an ISO-8601 date (2026-12-31).'],
      'conditions.all[2].value': ['This is not a valid regular expression.'],
      'conditions.all[3]': ['A group needs at least one condition.'],
    });
  });

  it('accepts what the backend accepts: ISO-8601 dates for greaterThan/lessThan, .NET inline options in a regex', () => {
    const root: GroupDraft = {
      kind: 'group',
      id: 'r',
      mode: 'all',
      children: [
        { ...newCondition(), id: 'a', field: 'issue.fields.duedate', op: 'lessThan', value: '2026-12-31' },
        { ...newCondition(), id: 'b', field: 'issue.fields.created', op: 'greaterThan', value: '2026-01-01T08:00:00Z' },
        { ...newCondition(), id: 'c', field: 'comment.bodyText', op: 'matches', value: '(?i)roll ?back' },
        { ...newCondition(), id: 'd', field: 'comment.bodyText', op: 'matches', value: '(?i:urgent)(?#a comment)!' },
        { ...newCondition(), id: 'e', field: 'issue.fields.created', op: 'greaterThan', value: '2026-13-45' },
      ],
    };
    expect(validateConditions(root)).toEqual({ 'conditions.all[4].value': ['Enter a number or an ISO-8601 date (2026-12-31).'] });
    expect(toApi(root)).toMatchObject({ all: [{ value: '2026-12-31' }, { value: '2026-01-01T08:00:00Z' }, {}, {}, {}] });
  });

  it('wants a change log field name, not a path, for "changed" (a path never matches)', () => {
    const root: GroupDraft = {
      kind: 'group',
      id: 'r',
      mode: 'all',
      children: [
        { ...newCondition(), id: 'a', field: 'issue.fields.status', op: 'changed', from: '', to: 'Done' },
        { ...newCondition(), id: 'b', field: 'status', op: 'changed', from: '', to: 'Done' },
        { ...newCondition(), id: 'c', field: 'customfield_10016', op: 'changed' },
      ],
    };
    expect(validateConditions(root)).toEqual({
      'conditions.all[0].field': ['For “changed”, enter the field’s name as Jira’s change log has it (e.g. status), not a path: a path never matches.'],
    });
  });
});

function findLastGroup(root: GroupDraft): GroupDraft {
  const last = root.children[root.children.length - 1];
  return last && last.kind === 'group' ? findLastGroup(last) : root;
}
