import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { api, type RuleTraceEntry } from '../api';
import { describeTrace } from '../lib/ruleTrace';
import { EmptyState, ErrorBanner, Loading, Section, stack, useLoad } from './common';

/**
 * When an entry happened ("3 Dec 2026, 12:01"), in the viewer's time zone. With the date: entries go back as far as
 * the run log keeps them, and "12:01" alone does not say which day.
 */
function timeOfDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * "Why didn't it run?" for one rule: the recent events that reached it (its trigger listens to their type) and the
 * trigger filter or condition that stopped each, by path and operator. Metadata only, like the run log; entries
 * expire with it and the rule keeps at most 50.
 */
export function WhyNotRunPanel({ ruleId }: { ruleId: string }) {
  const trace = useLoad<RuleTraceEntry[]>(() => api.ruleTrace(ruleId), [ruleId]);
  return (
    <Section title="Why didn't it run?" actions={<Button onClick={trace.reload}>Refresh</Button>}>
      <div style={stack('space.100')}>
        <ErrorBanner error={trace.error} onRetry={trace.reload} />
        {trace.loading && !trace.data ? (
          <Loading label="Loading recent non-runs" />
        ) : (trace.data ?? []).length === 0 && !trace.error ? (
          <EmptyState title="No recent event stopped before running this rule">
            <span>Events whose type the trigger does not list never reach the rule, so they are not shown.</span>
          </EmptyState>
        ) : (
          <ul aria-label="Recent events that did not run the rule" style={{ margin: 0, paddingLeft: token('space.250') }}>
            {(trace.data ?? []).map((e, i) => (
              <li key={`${e.at}-${i}`}>{describeTrace(e, timeOfDay)}</li>
            ))}
          </ul>
        )}
      </div>
    </Section>
  );
}
