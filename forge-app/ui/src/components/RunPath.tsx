// The path a run took through its blocks: the branch of each if block and each iteration of a for-each
// block with its steps' statuses, timings and error categories (metadata only: never an item's value).
import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import type { LoopRecord, RunStep } from '../api';
import { explainCategory } from '../lib/errors';
import { formatDuration, stack, StatusLozenge } from './common';

/** Iterations shown open; the rest start collapsed. */
export const OPEN_ITERATIONS = 3;

const BRANCH: Record<string, string> = { then: 'Then', else: 'Otherwise', none: 'none (the condition did not hold and there is no Otherwise)' };

export function hasFlow(steps: RunStep[] | null | undefined): boolean {
  return (steps ?? []).some((s) => !!s.branch || !!s.steps?.length || !!s.loop);
}

/** Every step record of a run with where it sits (`Step 2 › item 3 › note`), nested ones included. */
export function flatSteps(steps: RunStep[] | null | undefined, where = ''): { step: RunStep; where: string }[] {
  return (steps ?? []).flatMap((s, i) => {
    const here = where ? `${where} › ${s.id}` : `Step ${i + 1} (${s.id})`;
    return [
      { step: s, where: here },
      ...flatSteps(s.steps, here),
      ...(s.loop?.iterations ?? []).flatMap((it) => flatSteps(it.steps, `${here} › item ${it.index + 1}`)),
    ];
  });
}

export function RunPath({ steps }: { steps: RunStep[] | null | undefined }) {
  if (!hasFlow(steps)) return null;
  return (
    <section aria-label="Path taken" data-testid="run-path" style={stack('space.100')}>
      <h4 style={{ margin: 0, font: token('font.heading.xsmall') }}>Path taken</h4>
      <p style={{ margin: 0, color: token('color.text.subtle') }}>Which branch each If / else took and what each For each pass did. Item values are never stored, only their position.</p>
      <StepTree steps={steps ?? []} titleOf={(s, i) => `Step ${i + 1}: ${s.id}`} />
    </section>
  );
}

function StepTree({ steps, titleOf }: { steps: RunStep[]; titleOf: (s: RunStep, i: number) => string }) {
  return (
    <ol style={{ margin: 0, paddingLeft: token('space.250'), ...stack('space.075') }}>
      {steps.map((s, i) => (
        <StepNode key={`${s.id}-${i}`} step={s} title={titleOf(s, i)} />
      ))}
    </ol>
  );
}

function StepNode({ step: s, title }: { step: RunStep; title: string }) {
  const category = explainCategory(s.errorCategory);
  return (
    <li data-run-step={s.id} style={stack('space.050')}>
      <span style={{ display: 'flex', gap: token('space.100'), flexWrap: 'wrap', alignItems: 'center' }}>
        <span>
          {title} <span style={{ color: token('color.text.subtle') }}>({s.type})</span>
        </span>
        <StatusLozenge status={s.status ?? (s.errorCategory ? 'failed' : 'succeeded')} />
        {s.skippedBy === 'if' && !s.branch && <span style={{ color: token('color.text.subtle') }}>its “Only run if…” did not hold</span>}
        {s.statusCode ? <code>HTTP {s.statusCode}</code> : null}
        <span style={{ color: token('color.text.subtle') }}>{formatDuration(s.durationMs)}</span>
        {s.errorCategory && (
          <span title={category ? `${category.explanation} ${category.fix}` : undefined}>
            {category?.title ?? ''} <code>{s.errorCategory}</code>
            {s.failedField && (
              <>
                {' in '}
                <code>{s.failedField}</code>
              </>
            )}
          </span>
        )}
      </span>
      {s.branch && (
        <span data-testid={`branch-${s.id}`}>
          Branch taken: <strong>{BRANCH[s.branch] ?? s.branch}</strong>
        </span>
      )}
      {!!s.steps?.length && <StepTree steps={s.steps} titleOf={(c, j) => `${s.branch === 'else' ? 'Otherwise' : 'Then'} ${j + 1}: ${c.id}`} />}
      {s.loop && <Iterations step={s} loop={s.loop} />}
    </li>
  );
}

/** "7 items: 6 succeeded, 1 failed" and what the limit or a failure left out. */
export function summaryText(loop: LoopRecord): string {
  const parts = (
    [
      ['succeeded', loop.succeeded],
      ['partial', loop.partial],
      ['failed', loop.failed],
      ['not run', loop.notRun],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  const cut = loop.cut > 0 ? `; ${loop.cut} beyond the limit of ${loop.limit} left out` : '';
  const at = loop.parallelism > 1 ? `; up to ${loop.parallelism} at once` : '';
  return `${loop.items} ${loop.items === 1 ? 'item' : 'items'}${parts.length ? `: ${parts.join(', ')}` : ''}${cut}${at}`;
}

function Iterations({ step, loop }: { step: RunStep; loop: LoopRecord }) {
  const [all, setAll] = useState(false);
  const iterations = loop.iterations ?? [];
  const omitted = loop.omitted ?? 0;
  return (
    <div style={stack('space.050')} data-testid={`iterations-${step.id}`}>
      <span>{summaryText(loop)}</span>
      {iterations.map((it, k) =>
        k < OPEN_ITERATIONS || all ? (
          <details key={it.index} open={k < OPEN_ITERATIONS} aria-label={`Item ${it.index + 1} of ${step.id}`} style={{ borderLeft: `2px solid ${token('color.border')}`, paddingLeft: token('space.100') }}>
            <summary style={{ cursor: 'pointer' }}>
              Item {it.index + 1} <StatusLozenge status={it.status} /> <span style={{ color: token('color.text.subtle') }}>{formatDuration(it.durationMs)}</span>
            </summary>
            {!!it.steps?.length && <StepTree steps={it.steps} titleOf={(c, j) => `${j + 1}: ${c.id}`} />}
          </details>
        ) : null,
      )}
      {!all && iterations.length > OPEN_ITERATIONS && (
        <div>
          <Button spacing="compact" onClick={() => setAll(true)}>
            Show {iterations.length - OPEN_ITERATIONS} more {iterations.length - OPEN_ITERATIONS === 1 ? 'item' : 'items'}
          </Button>
        </div>
      )}
      {omitted > 0 && (
        <span style={{ color: token('color.text.subtle') }}>
          {omitted} more {omitted === 1 ? 'item was' : 'items were'} run and counted above, but not kept one by one
          {loop.errorCategories && Object.keys(loop.errorCategories).length
            ? ` (problems: ${Object.entries(loop.errorCategories)
                .map(([c, n]) => `${n} × ${explainCategory(c)?.title ?? c}`)
                .join(', ')})`
            : ''}
          .
        </span>
      )}
    </div>
  );
}
