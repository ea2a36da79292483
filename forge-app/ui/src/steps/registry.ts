// The step component library: one module per kind registers itself here; the editor, the smart-value
// picker and the templates only ask the registry. A kind added later is one more module + one import.
import type { StepKind, Values } from './types';
import { httpKind } from './http';
import { aiChatKind } from './aiChat';
import { jiraCommentKind, jiraEditKind, jiraFetchKind, jiraTransitionKind } from './jira';
import { jiraAssignKind, jiraCreateKind, jiraLinkKind, jiraSearchKind } from './jiraMore';
import { transferKind } from './transfer';
import { forEachKind, ifKind } from './blocks';

const kinds = new Map<string, StepKind>();

export function registerStepKind(kind: StepKind) {
  kinds.set(kind.type, kind);
}
export function stepKind(type: string): StepKind | undefined {
  return kinds.get(type);
}
export function stepKinds(): StepKind[] {
  return [...kinds.values()];
}

[httpKind, aiChatKind, jiraCommentKind, jiraEditKind, jiraTransitionKind, jiraFetchKind, jiraCreateKind, jiraAssignKind, jiraLinkKind, jiraSearchKind, transferKind, ifKind, forEachKind].forEach(registerStepKind);

const env = (import.meta as unknown as { env?: Record<string, string | undefined> }).env ?? {};
/** Where the rule format is documented (docs/api.md in the BluBees repository; set VITE_BLUBEES_DOCS_URL at build time). */
export const FORMAT_DOCS_URL = `${(env.VITE_BLUBEES_DOCS_URL ?? 'docs/api.md').replace(/#.*$/, '')}#the-rule-format`;

/** Deep equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Form values for a step, or undefined when only the JSON editor can keep it whole. */
export function formValuesFor(step: Record<string, unknown>): Values | undefined {
  const kind = typeof step.type === 'string' ? stepKind(step.type) : undefined;
  if (!kind) return undefined;
  let values: Values | undefined;
  try {
    values = kind.fromJson(step);
  } catch {
    return undefined;
  }
  if (!values) return undefined;
  const problems: string[] = [];
  const back = kind.toJson(values, (_p, m) => problems.push(m));
  return sameJson(back, step) ? values : undefined;
}

/**
 * Why a step of a known kind has no form: its top-level properties that, each set to what a new step's form writes
 * (or left out), would let the form open it. Empty when the form opens it, or when no one property is the reason.
 */
export function formBlockers(step: Record<string, unknown>): string[] {
  const kind = typeof step.type === 'string' ? stepKind(step.type) : undefined;
  if (!kind || formValuesFor(step)) return [];
  let defaults: Record<string, unknown>;
  try {
    defaults = kind.toJson(kind.defaults(), () => undefined);
  } catch {
    return [];
  }
  return Object.keys(step).filter((k) => {
    if (k === 'type') return false;
    const { [k]: _dropped, ...rest } = step;
    return formValuesFor(k in defaults ? { ...rest, [k]: defaults[k] } : rest) !== undefined;
  });
}
