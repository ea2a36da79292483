// Nested steps in a dry run: where each previewed request sits (its block and item), and the branches and
// loops the sample data walked.
import React from 'react';
import Lozenge from '@atlaskit/lozenge';
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

const BRANCH: Record<string, string> = { then: 'took Then', else: 'took Otherwise', none: 'took no branch' };

export function DryRunFlow({ flow, paths }: { flow?: DryRunFlowStep[]; paths: Record<string, string> }) {
  if (!flow?.length) return null;
  return (
    <div data-testid="dry-run-flow">
      <strong>Path with the sample data</strong>
      <ul style={{ margin: 0 }}>
        {flow.map((f, i) => {
          const path = f.path ?? paths[f.stepId];
          return (
            <li key={i}>
              {path ? humanPath(path) : f.stepId} ({f.stepId}):{' '}
              {f.branch ? (
                BRANCH[f.branch] ?? f.branch
              ) : f.items !== undefined && f.items !== null ? (
                `${f.items} ${f.items === 1 ? 'item' : 'items'}${f.iterations !== undefined && f.iterations !== null && f.iterations !== f.items ? `, ${f.iterations} gone through (the limit)` : ''}`
              ) : f.status === 'skipped' ? (
                <Lozenge>skipped</Lozenge>
              ) : (
                f.status ?? ''
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
