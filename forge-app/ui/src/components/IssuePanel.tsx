import React, { useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { api, type RuleSummary, type Run } from '../api';
import { explainCategory } from '../lib/errors';
import { EmptyState, ErrorBanner, formatDuration, formatTime, Loading, row, SelectField, stack, StatusLozenge, useLoad } from './common';

/** Manual rules: uses the list's trigger type when the backend sends it, else reads each enabled rule. */
export async function loadManualRules(rules?: RuleSummary[]): Promise<RuleSummary[]> {
  rules ??= await api.listRules();
  const typed = rules.filter((r) => r.triggerType || r.trigger?.type);
  if (typed.length === rules.length) return rules.filter((r) => r.enabled && (r.triggerType ?? r.trigger?.type) === 'manual');
  const candidates = rules.filter((r) => r.enabled).slice(0, 25);
  const details = await Promise.all(candidates.map((r) => api.getRule(r.id).catch(() => undefined)));
  return candidates.filter((_, i) => details[i]?.definition?.trigger?.type === 'manual');
}

/** A new id for one run the user asks for (a UUID; the backend takes 1–64 letters, digits, '_' or '-'). */
function newRequestId(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function IssuePanel({ issueKey, issueId }: { issueKey: string; issueId: string }) {
  const runs = useLoad<Run[]>(() => api.issueRuns(issueKey, issueId), [issueKey, issueId]);
  const rules = useLoad(async () => {
    // Not /api/rules: configuration is for administrators; the panel gets the manual rules of this issue only.
    const all = await api.issueManualRules(issueKey);
    return { all, manual: await loadManualRules(all) };
  }, [issueKey]);
  const manual = { ...rules, data: rules.data?.manual };
  const [ruleId, setRuleId] = useState('');
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState<string>();
  const [failure, setFailure] = useState<unknown>();

  useEffect(() => {
    if (!ruleId && manual.data?.length) setRuleId(manual.data[0].id);
  }, [manual.data, ruleId]);

  const nameOf = (id: string) => rules.data?.all.find((r) => r.id === id)?.name;

  // The run the user asked for and has not seen accepted: its request id is sent again by every retry of it (a double
  // click, a second click after an error or a call that never answered), so the backend runs it once; a new id only
  // once an answer accepted it (a refusal kept nothing, so its retry runs). The button ignores clicks while a call waits.
  const pending = useRef<{ ruleId: string; issueKey: string; requestId: string }>();

  async function runNow() {
    if (!ruleId) return;
    if (pending.current?.ruleId !== ruleId || pending.current.issueKey !== issueKey) {
      pending.current = { ruleId, issueKey, requestId: newRequestId() };
    }
    const { requestId } = pending.current;
    setRunning(true);
    setMessage(undefined);
    setFailure(undefined);
    try {
      const result = await api.runNow(ruleId, issueKey, requestId);
      pending.current = undefined;
      setMessage(`Started “${nameOf(ruleId) ?? ruleId}” for ${issueKey}${result?.runId ? ` (run ${result.runId})` : ''}.`);
      // The run is asynchronous; refresh the list shortly after.
      setTimeout(() => runs.reload(), 1500);
    } catch (e) {
      setFailure(e);
    } finally {
      setRunning(false);
    }
  }

  return (
    <main style={{ padding: token('space.100'), ...stack('space.200') }}>
      <section aria-label="Run a manual rule" style={stack('space.100')}>
        {manual.loading && !manual.data ? (
          <Loading label="Loading manual rules" />
        ) : manual.error ? (
          <ErrorBanner error={manual.error} title="Could not load manual rules" onRetry={manual.reload} />
        ) : (manual.data ?? []).length === 0 ? (
          <p style={{ margin: 0, color: token('color.text.subtle') }}>No manual rules. An administrator can add one in the BluBees settings.</p>
        ) : (
          <div style={row('space.100')}>
            <SelectField
              id="panel-rule"
              label="Manual rule"
              options={(manual.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={ruleId}
              onChange={setRuleId}
            />
            <Button appearance="primary" onClick={runNow} isLoading={running} isDisabled={!ruleId}>
              Run now
            </Button>
          </div>
        )}
        {message && (
          <div role="status">
            <SectionMessage appearance="success">
              <p>{message}</p>
            </SectionMessage>
          </div>
        )}
        <ErrorBanner error={failure} title="The rule did not start" />
      </section>
      <section aria-label={`Recent runs for ${issueKey}`} style={stack('space.100')}>
        <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0, font: token('font.heading.xsmall') }}>Recent runs for {issueKey}</h2>
          <Button appearance="subtle" spacing="compact" onClick={runs.reload}>
            Refresh
          </Button>
        </div>
        <ErrorBanner error={runs.error} onRetry={runs.reload} />
        {runs.loading && !runs.data ? (
          <Loading label="Loading runs" />
        ) : (runs.data ?? []).length === 0 && !runs.error ? (
          <EmptyState title="No runs for this issue yet" />
        ) : (
          <ul style={{ listStyle: 'none', margin: 0, padding: 0, ...stack('space.075') }}>
            {(runs.data ?? []).map((r) => (
              <li key={r.id} style={row('space.100')}>
                <StatusLozenge status={r.status} />
                <span>{nameOf(r.ruleId) ?? r.ruleName ?? `Rule ${r.ruleId}`}</span>
                <span style={{ color: token('color.text.subtle') }}>
                  {formatTime(r.startedAt)} · {formatDuration(r.durationMs)}
                </span>
                {explainCategory(r.errorCategory) && (
                  <span data-testid={`run-problem-${r.id}`}>
                    <strong>{explainCategory(r.errorCategory)!.title}.</strong> <span style={{ color: token('color.text.subtle') }}>{explainCategory(r.errorCategory)!.fix}</span>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
