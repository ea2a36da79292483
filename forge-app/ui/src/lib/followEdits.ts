// Problems (the backend's field errors, the builder's own checks, save-time warnings) are keyed by where they were
// found: `steps[2].path`, `conditions.all[1].value`. Steps and conditions can then be moved, removed, or turned into
// JSON before the next save; the keys are followed through those edits by each step's and condition's stable id, so a
// problem stays with what it was found in and is never shown at the step or condition that took its place.
import { pathsOf } from './conditions';
import { walkDrafts } from './flow';
import type { RuleDraft } from './ruleForm';

interface Anchor {
  id: string;
  path: string;
  /** A step (not a condition): a step edited as JSON shows every problem inside it. */
  step: boolean;
}

/** Every step and condition node of the draft with its path, as the editors key their inputs. */
function anchorsOf(draft: RuleDraft): Anchor[] {
  const out: Anchor[] = [];
  const conditions = (root: RuleDraft['conditions'] | undefined, prefix: string) => {
    if (root) for (const [id, path] of pathsOf(root, prefix)) out.push({ id, path, step: false });
  };
  conditions(draft.conditions, 'conditions');
  walkDrafts(draft.steps, 'steps', (s, p) => {
    out.push({ id: s.uid, path: p, step: true });
    if (s.mode === 'form') conditions(s.runIf, `${p}.if`);
  });
  return out;
}

const inside = (key: string, path: string) => key === path || ((key[path.length] === '.' || key[path.length] === '[') && key.startsWith(path));

/**
 * `problems`, keyed against `before`, re-keyed against `after`. A key inside a step or condition follows it to its new
 * place; one whose step or condition was removed is dropped; one inside a part that is now edited as JSON (nested steps
 * of a block turned into JSON) goes with the nearest step still there. Keys outside every step and condition (the name,
 * the trigger, `steps` itself) are kept.
 */
export function followEdits(before: RuleDraft, after: RuleDraft, problems: Record<string, string[]>): Record<string, string[]> {
  const keys = Object.keys(problems);
  if (before === after || keys.length === 0) return problems;
  const was = anchorsOf(before).sort((a, b) => b.path.length - a.path.length);
  const now = new Map(anchorsOf(after).map((a) => [a.id, a]));
  const out: Record<string, string[]> = {};
  let changed = false;
  for (const key of keys) {
    const holders = was.filter((a) => inside(key, a.path));
    let target: string | undefined = key;
    if (holders.length) {
      const kept = holders.find((a) => now.has(a.id));
      // The innermost holder is gone: removed (dropped with its problems), unless the nearest holder still there is a
      // step now edited as JSON, which shows what is inside it.
      if (!kept || (kept !== holders[0] && !(kept.step && !isForm(after, now.get(kept.id)!.path)))) target = undefined;
      else target = now.get(kept.id)!.path + key.slice(kept.path.length);
    }
    if (target !== key) changed = true;
    if (target !== undefined) out[target] = [...(out[target] ?? []), ...problems[key]];
  }
  return changed ? out : problems;
}

function isForm(draft: RuleDraft, path: string): boolean {
  let form = true;
  walkDrafts(draft.steps, 'steps', (s, p) => {
    if (p === path) form = s.mode === 'form';
  });
  return form;
}
