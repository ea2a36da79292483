// Every example rule and step the docs show (docs/api.md, docs/examples/*.md), the repository's sample rule
// (samples/rule.json) and the builder's templates opens in the builder with every step in its form (no JSON editor)
// and, saved without a change, is the rule it was (the order of an object's names aside).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuleDefinition, Step } from '../api';
import { definitionFromDraft, draftFromDefinition, type StepDraft } from './ruleForm';
import { TEMPLATES } from './templates';
import { stepKind } from '../steps/registry';

const root = path.resolve(__dirname, '../../../..');
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The ```json blocks of a Markdown file that are a rule, or a step (a kind the builder knows, with an id). */
function examplesIn(file: string): { where: string; rule: RuleDefinition }[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: { where: string; rule: RuleDefinition }[] = [];
  for (const m of text.matchAll(/```json\n([\s\S]*?)```/g)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(m[1]);
    } catch {
      continue; // a request line, a fragment or an answer, not a rule
    }
    const line = text.slice(0, m.index).split('\n').length + 1;
    if (isObject(parsed) && isObject(parsed.trigger) && Array.isArray(parsed.steps)) out.push({ where: `${file}:${line}`, rule: parsed as unknown as RuleDefinition });
    // A step (not a run's step record, which has a duration).
    else if (isObject(parsed) && typeof parsed.id === 'string' && typeof parsed.type === 'string' && stepKind(parsed.type) && !('durationMs' in parsed))
      out.push({ where: `${file}:${line}`, rule: { name: 'example', trigger: { type: 'manual' }, steps: [parsed as unknown as Step] } });
  }
  return out;
}

const jsonSteps = (steps: StepDraft[]): string[] => steps.flatMap((s) => (s.mode === 'json' ? [s.id] : Object.values(s.nested ?? {}).flatMap(jsonSteps)));

const examples = [
  ...examplesIn('docs/api.md'),
  ...readdirSync(path.join(root, 'docs/examples'))
    .filter((f) => f.endsWith('.md'))
    .flatMap((f) => examplesIn(`docs/examples/${f}`)),
  { where: 'samples/rule.json', rule: JSON.parse(readFileSync(path.join(root, 'samples/rule.json'), 'utf8')) as RuleDefinition },
  ...TEMPLATES.map((t) => ({ where: `template ${t.id}`, rule: t.definition })),
];

describe('documented rules in the builder', () => {
  it('finds the examples (the rule format, control flow, Jira steps, the AI step, transfers, samples, templates)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(12);
  });

  it.each(examples.map((e) => [e.where, e.rule] as const))('%s opens with every step in its form and saves back unchanged', (_where, rule) => {
    const draft = draftFromDefinition(rule);
    expect(jsonSteps(draft.steps)).toEqual([]);
    const { definition } = definitionFromDraft(draft);
    // A rule saved without `enabled` is stored enabled (RuleService: Enabled ?? true), and the editor opens it so.
    expect(definition).toEqual({ enabled: true, ...rule });
  });
});
