// Nested steps in a dry run: where each previewed request sits (its block and item), and the branches and
// loops the sample data walked.
import React from 'react';
import Lozenge from '@atlaskit/lozenge';
import { token } from '@atlaskit/tokens';
import type { DryRunFlowStep, DryRunRequest, Step } from '../api';
import { humanPath } from '../lib/errors';
import { allSteps } from '../lib/ruleFiles';

/** Step id → its path in the definition (`steps[1].then[0]`), nested steps included. */
export function stepPathsOf(steps: Step[] | undefined): Record<string, string> {
  return Object.fromEntries(allSteps(steps).map(({ step, path }) => [step.id, path]));
}

/** "step 1: notify", or "Step 2 › Each 1 (note) · item 3" for a nested one. */
export function requestLabel(r: DryRunRequest, paths: Record<string, string>): string {
  const path = r.path ?? paths[r.stepId];
  const top = path?.match(/^steps\[(\d+)\]$/);
  const where = top ? `step ${Number(top[1]) + 1}: ${r.stepId}` : path ? `${humanPath(path)} (${r.stepId})` : `step ${r.stepId}`;
  return r.index !== undefined && r.index !== null ? `${where} · item ${r.index + 1}` : where;
}

const BRANCH: Record<string, string> = { then: 'took Then', else: 'took Otherwise', none: 'took no branch (the condition did not hold, no Otherwise)' };

/** What the walk did at one step, in words. */
export function flowText(f: DryRunFlowStep): string {
  if (f.branch) return BRANCH[f.branch] ?? f.branch;
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  // A loop over a list an unexecuted step would return: the backend previews placeholder items.
  if ((f.items === undefined || f.items === null) && f.iterations !== undefined && f.iterations !== null) return `${n(f.iterations, 'placeholder item')} previewed`;
  if (f.items !== undefined && f.items !== null) {
    const previewed = f.iterations !== undefined && f.iterations !== null && f.iterations !== f.items ? `, ${f.iterations} previewed` : '';
    const cut = f.cut ? `, ${f.cut} past its limit` : '';
    return `${n(f.items, 'item')}${previewed}${cut}`;
  }
  if (f.status === 'skipped') return f.skippedBy === 'if' ? 'its condition did not hold' : '';
  if (f.status === 'previewed') return 'request shown below';
  if (f.status === 'error') return 'problem (see below)';
  return f.status;
}

export function DryRunFlow({ flow }: { flow?: DryRunFlowStep[] }) {
  // Worth showing only when the rule has blocks or conditions on steps: a flat rule's requests say it all.
  if (!flow?.some((f) => f.branch || (f.items !== undefined && f.items !== null) || f.status === 'skipped')) return null;
  return (
    <div data-testid="dry-run-flow">
      <strong>Path with the sample event</strong>
      <ul style={{ margin: 0 }}>
        {flow.map((f, i) => (
          <li key={i} data-flow-step={f.id}>
            {humanPath(f.path)} ({f.id}){f.index !== undefined && f.index !== null ? ` · item ${f.index + 1}` : ''}:{' '}
            {f.status === 'skipped' ? <Lozenge>skipped</Lozenge> : null} {flowText(f)}
            {f.readsDryRunOutput ? (
              <span style={{ color: token('color.text.subtle') }}> — reads what an earlier step returns, which a dry run does not have: a real run may go another way.</span>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
