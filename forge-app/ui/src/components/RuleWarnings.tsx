// Save-time warnings (docs/api.md "Save-time warnings"): the rule is valid and was saved, but a part of it probably
// reads nothing. Shown beside the part of the form they belong to, as ADS warning messages; they never block a save.
import React from 'react';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import type { RuleWarning } from '../api';
import { humanPath } from '../lib/errors';

/** Which editor section a warning belongs to, from its JSON path. */
export type WarningSection = 'rule' | 'trigger' | 'conditions' | 'steps';
export function warningSection(path: string): WarningSection {
  if (path.startsWith('trigger')) return 'trigger';
  if (path.startsWith('conditions')) return 'conditions';
  if (path.startsWith('steps')) return 'steps';
  return 'rule';
}

/** A warning's field in words: "Step 2 › body.key", "trigger › fieldChanged.field". */
export function warningField(path: string): string {
  if (!path) return '';
  if (path.startsWith('steps')) return humanPath(path);
  const [head, ...rest] = path.split('.');
  return rest.length ? `${head} › ${rest.join('.')}` : head;
}

export function RuleWarnings({ warnings, section, title }: { warnings?: RuleWarning[]; section: WarningSection; title?: string }) {
  const mine = (warnings ?? []).filter((w) => warningSection(w.path ?? '') === section);
  if (mine.length === 0) return null;
  const heading = title ?? (mine.length === 1 ? '1 warning' : `${mine.length} warnings`);
  return (
    <div role="status" data-testid={`warnings-${section}`}>
      <SectionMessage appearance="warning" title={heading}>
        <ul style={{ margin: 0, paddingLeft: token('space.250') }}>
          {mine.map((w, i) => (
            <li key={`${w.path}-${w.code}-${i}`} data-warning-path={w.path} data-warning-code={w.code}>
              {w.path ? (
                <>
                  <strong>{warningField(w.path)}</strong>:{' '}
                </>
              ) : null}
              {w.message}
            </li>
          ))}
        </ul>
      </SectionMessage>
    </div>
  );
}
