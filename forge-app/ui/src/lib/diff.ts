// Readable differences between two rule versions.
//  - structuralDiff: leaf-by-leaf changes with JSON paths; arrays of objects that carry an `id`
//    (steps) are matched by id, so inserting a step does not report every later step as changed.
//  - lineDiff: a unified line diff of the pretty-printed JSON (longest common subsequence).

export type Change =
  | { kind: 'added'; path: string; after: unknown }
  | { kind: 'removed'; path: string; before: unknown }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

type Leaves = Map<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function keyedById(list: unknown[]): boolean {
  const ids = list.map((item) => (isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined));
  return list.length > 0 && ids.every((id) => id !== undefined) && new Set(ids).size === ids.length;
}

export function flatten(value: unknown, path = '', out: Leaves = new Map()): Leaves {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.set(path, []);
    } else if (keyedById(value)) {
      for (const item of value as Record<string, unknown>[]) flatten(item, `${path}[id=${item.id}]`, out);
    } else {
      value.forEach((item, i) => flatten(item, `${path}[${i}]`, out));
    }
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) out.set(path, {});
    for (const key of keys) flatten(value[key], path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, value);
  }
  return out;
}

export function structuralDiff(before: unknown, after: unknown): Change[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: Change[] = [];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const [path, value] of a) {
    if (!b.has(path)) changes.push({ kind: 'removed', path, before: value });
    else if (!same(value, b.get(path))) changes.push({ kind: 'changed', path, before: value, after: b.get(path) });
  }
  for (const [path, value] of b) {
    if (!a.has(path)) changes.push({ kind: 'added', path, after: value });
  }
  // Stable, readable order: by path, with the order of appearance in `after` as a tie-breaker.
  return changes.sort((x, y) => x.path.localeCompare(y.path));
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(nothing)';
  return JSON.stringify(value);
}

export function changeText(change: Change): string {
  switch (change.kind) {
    case 'added':
      return `Added ${change.path}: ${describe(change.after)}`;
    case 'removed':
      return `Removed ${change.path} (was ${describe(change.before)})`;
    case 'changed':
      return `Changed ${change.path}: ${describe(change.before)} → ${describe(change.after)}`;
  }
}

export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export function lineDiff(beforeText: string, afterText: string): DiffLine[] {
  const a = beforeText.split('\n');
  const b = afterText.split('\n');
  const n = a.length;
  const m = b.length;
  // LCS table; rule definitions are small (hundreds of lines), so O(n·m) is fine.
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push({ kind: 'removed', text: a[i++] });
    } else {
      out.push({ kind: 'added', text: b[j++] });
    }
  }
  while (i < n) out.push({ kind: 'removed', text: a[i++] });
  while (j < m) out.push({ kind: 'added', text: b[j++] });
  return out;
}

/** Pretty JSON with object keys sorted, so key order never shows up as a difference. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (isPlainObject(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort(v[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2);
}
