// Condition tree model for the builder: the API shape ({all|any:[…]}) converted to an editable tree
// with stable ids, and back. All operations are pure.
import type { Condition, ConditionGroup, ConditionNode, ConditionOp } from '../api';

export type GroupMode = 'all' | 'any';
export interface CondDraft {
  kind: 'cond';
  id: string;
  field: string;
  op: ConditionOp;
  value: string;
  from: string;
  to: string;
  /**
   * The loaded value when the text cannot say it exactly (a number, boolean, null or object for `equals`…): written
   * back as it was while the operator and the text are unchanged, so opening a rule never turns `5` into `"5"`.
   */
  typed?: { op: ConditionOp; text: string; value: unknown };
  /** `changed` loaded with `from`/`to` `""` (an empty value, unlike leaving it out: any value): kept until edited. */
  emptyFrom?: boolean;
  emptyTo?: boolean;
}
export interface GroupDraft {
  kind: 'group';
  id: string;
  mode: GroupMode;
  children: NodeDraft[];
}
export type NodeDraft = CondDraft | GroupDraft;

export const MAX_DEPTH = 4;
/** Conditions and groups in one condition tree (the rule's, or a step's "only run if"): ConditionCompiler.MaxConditions. */
export const MAX_CONDITIONS = 100;

export const OPS: { value: ConditionOp; label: string; needs: 'value' | 'none' | 'fromTo' }[] = [
  { value: 'equals', label: 'equals', needs: 'value' },
  { value: 'notEquals', label: 'does not equal', needs: 'value' },
  { value: 'contains', label: 'contains', needs: 'value' },
  { value: 'notContains', label: 'does not contain', needs: 'value' },
  { value: 'startsWith', label: 'starts with', needs: 'value' },
  { value: 'in', label: 'is one of', needs: 'value' },
  { value: 'notIn', label: 'is not one of', needs: 'value' },
  { value: 'isEmpty', label: 'is empty', needs: 'none' },
  { value: 'isNotEmpty', label: 'is not empty', needs: 'none' },
  { value: 'greaterThan', label: 'greater than', needs: 'value' },
  { value: 'lessThan', label: 'less than', needs: 'value' },
  { value: 'matches', label: 'matches regex', needs: 'value' },
  { value: 'notMatches', label: 'does not match regex', needs: 'value' },
  { value: 'changed', label: 'changed (from → to)', needs: 'fromTo' },
];

export function opInfo(op: ConditionOp) {
  return OPS.find((o) => o.value === op) ?? OPS[0];
}

let counter = 0;
export const newId = (prefix = 'n') => `${prefix}${++counter}`;

export function newCondition(): CondDraft {
  return { kind: 'cond', id: newId('c'), field: '', op: 'equals', value: '', from: '', to: '' };
}
export function newGroup(mode: GroupMode = 'all'): GroupDraft {
  return { kind: 'group', id: newId('g'), mode, children: [] };
}

function isGroup(node: ConditionNode): node is ConditionGroup {
  return !!node && typeof node === 'object' && ('all' in node || 'any' in node);
}

function valueToText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && !v.includes(','))) return value.join(', ');
  return JSON.stringify(value);
}

export function fromApi(conditions: ConditionNode | undefined | null): GroupDraft {
  if (!conditions) return newGroup('all');
  // One bare condition at the top is the same as a group of one (the backend accepts both).
  return groupFromApi(isGroup(conditions) ? conditions : { all: [conditions] });
}

/** True when the node is one condition, not an `all`/`any` group. */
export function isBareCondition(node: unknown): boolean {
  return !!node && typeof node === 'object' && !Array.isArray(node) && !('all' in node) && !('any' in node);
}

function groupFromApi(group: ConditionGroup): GroupDraft {
  const mode: GroupMode = 'any' in group ? 'any' : 'all';
  const list = ((group as Record<string, ConditionNode[]>)[mode] ?? []) as ConditionNode[];
  return { kind: 'group', id: newId('g'), mode, children: list.map(nodeFromApi) };
}

function nodeFromApi(node: ConditionNode): NodeDraft {
  if (isGroup(node)) return groupFromApi(node);
  const c = node as Condition;
  const op = c.op ?? 'equals';
  const value = valueToText(c.value);
  const draft: CondDraft = { kind: 'cond', id: newId('c'), field: c.field ?? '', op, value, from: valueToText(c.from), to: valueToText(c.to) };
  if (c.value !== undefined && opInfo(op).needs === 'value' && !sameValue(parseValue(op, value), c.value)) draft.typed = { op, text: value, value: c.value };
  // A blank text value ("") is a value the backend compares with; the form's "Enter a value." is for new ones.
  if (typeof c.value === 'string' && c.value.trim() === '' && opInfo(op).needs === 'value') draft.typed = { op, text: value, value: c.value };
  if (c.from === '') draft.emptyFrom = true;
  if (c.to === '') draft.emptyTo = true;
  return draft;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `in` and `notIn` take a list of values (typed comma separated, or as a JSON array). */
export function isListOp(op: ConditionOp): boolean {
  return op === 'in' || op === 'notIn';
}

/** Converts the text typed by the user into the value the API expects for the operator. */
export function parseValue(op: ConditionOp, text: string): unknown {
  const trimmed = text.trim();
  if (isListOp(op)) {
    if (trimmed.startsWith('[')) {
      try {
        const parsed = JSON.parse(trimmed);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // fall back to a comma list
      }
    }
    return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (op === 'greaterThan' || op === 'lessThan') {
    const n = Number(trimmed);
    if (trimmed === '' || !Number.isFinite(n)) return text;
    // A number with more digits than a JavaScript number keeps (12345678901234567890, an id) is sent as its text: the
    // backend compares numeric text exactly, where the rounded number would compare against another value.
    return moreDigitsThanADouble(trimmed) ? trimmed : n;
  }
  return text;
}

/** A decimal number with more than 15 significant digits: a double (a JavaScript number) may not hold it exactly. */
function moreDigitsThanADouble(text: string): boolean {
  const m = /^[-+]?(\d*)(?:\.(\d*))?(?:[eE][-+]?\d+)?$/.exec(text);
  if (!m) return false;
  const digits = `${m[1]}${m[2] ?? ''}`.replace(/^0+/, '').replace(/0+$/, '');
  return digits.length > 15;
}

export function toApi(root: GroupDraft): ConditionGroup | undefined {
  if (root.children.length === 0) return undefined;
  return groupToApi(root);
}

function groupToApi(group: GroupDraft): ConditionGroup {
  const children = group.children.map(nodeToApi);
  return group.mode === 'any' ? { any: children } : { all: children };
}

function nodeToApi(node: NodeDraft): ConditionNode {
  if (node.kind === 'group') return groupToApi(node);
  const result: Condition = { field: node.field.trim(), op: node.op };
  const needs = opInfo(node.op).needs;
  if (needs === 'value') result.value = node.typed && node.typed.op === node.op && node.typed.text === node.value ? node.typed.value : parseValue(node.op, node.value);
  if (needs === 'fromTo') {
    if (node.from.trim() !== '' || (node.from === '' && node.emptyFrom)) result.from = node.from;
    if (node.to.trim() !== '' || (node.to === '' && node.emptyTo)) result.to = node.to;
  }
  return result;
}

/** Map of node id → JSON path in the API document (`conditions.all[0].any[1]`). */
export function pathsOf(root: GroupDraft, prefix = 'conditions'): Map<string, string> {
  const map = new Map<string, string>();
  const walk = (group: GroupDraft, path: string) => {
    map.set(group.id, path);
    group.children.forEach((child, index) => {
      const childPath = `${path}.${group.mode}[${index}]`;
      if (child.kind === 'group') walk(child, childPath);
      else map.set(child.id, childPath);
    });
  };
  walk(root, prefix);
  return map;
}

function mapTree(root: GroupDraft, fn: (group: GroupDraft) => GroupDraft): GroupDraft {
  const visit = (group: GroupDraft): GroupDraft => {
    const children = group.children.map((c) => (c.kind === 'group' ? visit(c) : c));
    const changed = children.some((c, i) => c !== group.children[i]);
    return fn(changed ? { ...group, children } : group);
  };
  return visit(root);
}

export function addCondition(root: GroupDraft, groupId: string, node: CondDraft = newCondition()): GroupDraft {
  return mapTree(root, (g) => (g.id === groupId ? { ...g, children: [...g.children, node] } : g));
}

export function addGroup(root: GroupDraft, groupId: string, mode: GroupMode = 'any'): GroupDraft {
  if (depthOf(root, groupId) >= MAX_DEPTH) return root;
  const group = { ...newGroup(mode), children: [newCondition()] };
  return mapTree(root, (g) => (g.id === groupId ? { ...g, children: [...g.children, group] } : g));
}

export function removeNode(root: GroupDraft, id: string): GroupDraft {
  if (root.id === id) return { ...root, children: [] };
  return mapTree(root, (g) =>
    g.children.some((c) => c.id === id) ? { ...g, children: g.children.filter((c) => c.id !== id) } : g,
  );
}

export function updateCondition(root: GroupDraft, id: string, patch: Partial<Omit<CondDraft, 'id' | 'kind'>>): GroupDraft {
  return mapTree(root, (g) =>
    g.children.some((c) => c.id === id && c.kind === 'cond')
      ? { ...g, children: g.children.map((c) => (c.id === id && c.kind === 'cond' ? { ...c, ...patch } : c)) }
      : g,
  );
}

export function setMode(root: GroupDraft, groupId: string, mode: GroupMode): GroupDraft {
  return mapTree(root, (g) => (g.id === groupId ? { ...g, mode } : g));
}

/** Depth of a group: the root is 1. Returns 0 when not found. */
export function depthOf(root: GroupDraft, groupId: string): number {
  const find = (group: GroupDraft, depth: number): number => {
    if (group.id === groupId) return depth;
    for (const child of group.children) {
      if (child.kind === 'group') {
        const found = find(child, depth + 1);
        if (found) return found;
      }
    }
    return 0;
  };
  return find(root, 1);
}

/** Client-side checks, keyed like the backend's errors (`conditions.all[0].field`). */
export function validateConditions(root: GroupDraft, prefix = 'conditions'): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const paths = pathsOf(root, prefix);
  // The backend counts groups and conditions alike, the top group first, and names the first one past its limit.
  let count = 1;
  const walk = (group: GroupDraft) => {
    if (group !== root && group.children.length === 0) {
      errors[paths.get(group.id)!] = ['A group needs at least one condition.'];
    }
    for (const child of group.children) {
      if (++count === MAX_CONDITIONS + 1) {
        const at = paths.get(child.id)!;
        errors[at] = [...(errors[at] ?? []), `A rule may have at most ${MAX_CONDITIONS} conditions and groups here; remove some or combine them with “is one of”.`];
      }
      if (child.kind === 'group') {
        walk(child);
        continue;
      }
      const path = paths.get(child.id)!;
      if (!child.field.trim()) errors[`${path}.field`] = ['Choose a field.'];
      else if (child.op === 'changed' && SCOPE_PATH.test(child.field.trim())) {
        errors[`${path}.field`] = ['For “changed”, enter the field’s name as Jira’s change log has it (e.g. status), not a path: a path never matches.'];
      }
      const needs = opInfo(child.op).needs;
      const keptBlank = child.typed?.op === child.op && child.typed.text === child.value && typeof child.typed.value === 'string';
      if (needs === 'value' && child.value.trim() === '' && !keptBlank) errors[`${path}.value`] = ['Enter a value.'];
      if ((child.op === 'greaterThan' || child.op === 'lessThan') && child.value.trim() !== '' && !Number.isFinite(Number(child.value)) && !isDate(child.value)) {
        errors[`${path}.value`] = ['Enter a number or an ISO-8601 date (2026-12-31).'];
      }
      if ((child.op === 'matches' || child.op === 'notMatches') && child.value.trim() !== '') {
        try {
          new RegExp(asJsRegex(child.value));
        } catch {
          errors[`${path}.value`] = ['This is not a valid regular expression.'];
        }
      }
    }
  };
  walk(root);
  return errors;
}

/** A path into the run's data (`issue.fields.status`), which a change log item never names. */
const SCOPE_PATH = /^(issue|changelog|comment|user|project|associatedStatuses|webhook|event|steps)[.[]/;

/** The backend compares dates of at least 10 characters (`2026-12-31`, `2026-12-31T08:00:00Z`) chronologically. */
function isDate(text: string): boolean {
  const t = text.trim();
  return t.length >= 10 && !Number.isNaN(Date.parse(t));
}

/**
 * A .NET pattern as JavaScript can check it: inline options (`(?i)`, `(?i:…)`) and `(?#comments)` are .NET syntax
 * JavaScript refuses; `(?'name'…)` is .NET's other spelling of a named group. The backend checks the rest.
 */
function asJsRegex(pattern: string): string {
  return pattern
    .replace(/\(\?#[^)]*\)/g, '')
    .replace(/\(\?[imnsx]*(?:-[imnsx]+)?\)/g, '')
    .replace(/\(\?[imnsx]*(?:-[imnsx]+)?:/g, '(?:')
    .replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>');
}
