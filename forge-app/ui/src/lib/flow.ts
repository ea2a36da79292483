// Control flow in the editor state: a step's optional `if` (a condition group, the same grammar as the rule's
// `conditions`) and a block's nested step lists (`then`/`else` of an if block, `steps` of a for-each block).
// The kinds' own forms never see these properties: they are split off here and written back by the editor.
import type { ConditionGroup, Step } from '../api';
import { sameJson, stepKind } from '../steps/registry';
import { fromApi, newCondition, newGroup, toApi, validateConditions, type GroupDraft } from './conditions';

type Add = (path: string, message: string) => void;

/** The condition as a draft, or undefined when the builder cannot show it exactly (the JSON editor keeps it). */
export function conditionFrom(cond: unknown): GroupDraft | undefined {
  if (!cond || typeof cond !== 'object' || Array.isArray(cond)) return undefined;
  // A single condition at the top is the same as a group of one.
  const group = ('all' in cond || 'any' in cond ? cond : { all: [cond] }) as ConditionGroup;
  try {
    const draft = fromApi(group);
    return sameJson(toApi(draft), group) ? draft : undefined;
  } catch {
    return undefined;
  }
}

/** A group with one empty condition: what the "Only run if…" toggle and a new if block start with. */
export function startCondition(): GroupDraft {
  return { ...newGroup('all'), children: [newCondition()] };
}

export interface FlowParts<T> {
  /** The step without `if` and its nested lists: what the kind's form converts. */
  rest: Record<string, unknown>;
  runIf?: GroupDraft;
  /** The `if` was one condition, not a group: written back the same way while it stays one. */
  runIfBare?: boolean;
  nested?: Record<string, T[]>;
}

/** Splits `if` and the kind's nested lists off a step (without its id); undefined when they are not editable as forms. */
export function splitFlow<T>(step: Record<string, unknown>, child: (s: Step) => T): FlowParts<T> | undefined {
  const kind = typeof step.type === 'string' ? stepKind(step.type) : undefined;
  const { if: cond, ...rest } = step;
  let runIf: GroupDraft | undefined;
  if (cond !== undefined) {
    runIf = conditionFrom(cond);
    if (!runIf) return undefined;
  }
  if (kind?.condition === 'required' && !runIf) return undefined;
  let nested: Record<string, T[]> | undefined;
  for (const { key, optional } of kind?.nested ?? []) {
    const list = rest[key];
    delete rest[key];
    if (list === undefined && optional) {
      (nested ??= {})[key] = [];
      continue;
    }
    if (!Array.isArray(list) || list.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) return undefined;
    (nested ??= {})[key] = (list as Step[]).map(child);
  }
  const bare = !!runIf && !('all' in (cond as object)) && !('any' in (cond as object));
  return { rest, runIf, nested, ...(bare ? { runIfBare: true } : {}) };
}

interface FlowDraft<T> {
  type: string;
  runIf?: GroupDraft;
  runIfBare?: boolean;
  nested?: Record<string, T[]>;
}

/** Writes a draft's `if` and nested lists into its JSON (`out`), checking them; errors keyed under `p`. */
export function joinFlow<T>(out: Record<string, unknown>, s: FlowDraft<T>, p: string, add: Add, child: (c: T, path: string) => Step) {
  const kind = stepKind(s.type);
  if (s.runIf) {
    for (const [path, messages] of Object.entries(validateConditions(s.runIf, `${p}.if`))) messages.forEach((m) => add(path, m));
    const cond = toApi(s.runIf);
    const only = cond && 'all' in cond && cond.all.length === 1 ? cond.all[0] : undefined;
    if (cond) out.if = s.runIfBare && only && !('all' in only) && !('any' in only) ? only : cond;
    else add(`${p}.if`, kind?.condition === 'required' ? 'Add at least one condition.' : 'Add a condition, or turn “Only run if…” off.');
  }
  for (const { key, optional } of kind?.nested ?? []) {
    const list = s.nested?.[key] ?? [];
    if (!list.length && optional) continue;
    if (!list.length) add(`${p}.${key}`, 'Add at least one step here.');
    out[key] = list.map((c, j) => child(c, `${p}.${key}[${j}]`));
  }
}

/** Every draft of a step tree with its path (`steps[1].then[0]`), parents before their nested steps. */
export function walkDrafts<T extends { nested?: Record<string, T[]> }>(list: T[], prefix: string, fn: (s: T, path: string) => void) {
  list.forEach((s, i) => {
    const p = `${prefix}[${i}]`;
    fn(s, p);
    for (const [key, nested] of Object.entries(s.nested ?? {})) walkDrafts(nested, `${p}.${key}`, fn);
  });
}
