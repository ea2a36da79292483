import React, { useCallback, useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type Connection, type Run, type RunFilter, type RuleSummary, type StepMetrics } from '../api';
import { explainCategory } from '../lib/errors';
import { flatSteps, RunPath } from './RunPath';
import { WhyNotRunPanel } from './WhyNotRunPanel';
import { EmptyState, ErrorBanner, formatBytes, formatDuration, formatTime, Loading, row, SelectField, stack, StatusLozenge, TextField, useLoad } from './common';

export const STATUSES = ['succeeded', 'failed', 'partial', 'skipped'];
const PAGE_SIZE = 25;

/** The zone the page shows times in and reads From/To in (the browser's; Jira may show another, the profile's). */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

/** `datetime-local` values are local wall-clock times; the API wants ISO 8601 instants. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function RunDetail({
  runId,
  ruleName,
  connectionName,
  onBack,
}: {
  runId: string;
  ruleName?: (id: string) => string | undefined;
  connectionName?: (id: string) => string | undefined;
  onBack: () => void;
}) {
  const run = useLoad(() => api.getRun(runId), [runId]);
  const r = run.data;
  // The Details button that opened this view is gone: focus the heading, so keyboard and screen-reader users start here.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [runId]);
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <h3 ref={heading} tabIndex={-1} style={{ margin: 0, font: token('font.heading.small') }}>
          Run {runId}
        </h3>
        <Button onClick={onBack}>Back to runs</Button>
      </div>
      <SectionMessage appearance="information" title="Payloads are never stored">
        <p>
          BluBees keeps only the metadata below: timings, HTTP status codes, sizes and error categories. Request and response bodies, header values, rendered
          templates and secrets exist only in memory while the run executes.
        </p>
      </SectionMessage>
      <ErrorBanner error={run.error} onRetry={run.reload} />
      {run.loading && !r ? (
        <Loading label="Loading the run" />
      ) : r ? (
        <>
          <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: `${token('space.050')} ${token('space.200')}`, margin: 0 }}>
            <dt>Status</dt>
            <dd style={{ margin: 0 }}>
              <StatusLozenge status={r.status} />
            </dd>
            <dt>Rule</dt>
            <dd style={{ margin: 0 }}>
              {ruleName?.(r.ruleId) ?? r.ruleId}
              {r.ruleVersion !== undefined ? ` (version ${r.ruleVersion})` : ''}
            </dd>
            <dt>Source</dt>
            <dd style={{ margin: 0 }}>{[r.source, r.eventType].filter(Boolean).join(' · ') || '—'}</dd>
            <dt>Issue</dt>
            <dd style={{ margin: 0 }}>{r.issueKey ?? r.issueId ?? '—'}</dd>
            <dt>Started</dt>
            <dd style={{ margin: 0 }}>{formatTime(r.startedAt)}</dd>
            <dt>Duration</dt>
            <dd style={{ margin: 0 }}>{formatDuration(r.durationMs)}</dd>
          </dl>
          <RunProblems run={r} />
          {(r.steps?.length ?? 0) === 0 ? (
            <EmptyState title="No steps ran" />
          ) : (
            <DynamicTable
              caption="Steps"
              head={{
                cells: ['Step', 'Connection', 'Request', 'HTTP status', 'Attempts', 'Sent', 'Received', 'Duration', 'Details', 'Error'].map((c) => ({ key: c, content: c })),
              }}
              rows={r.steps!.map((s, i) => ({
                key: s.id,
                cells: [
                  { key: 'Step', content: `Step ${i + 1}: ${s.id} (${s.type})` },
                  { key: 'Connection', content: (s.connectionId && connectionName?.(s.connectionId)) ?? s.connectionId ?? '—' },
                  { key: 'Request', content: <code>{[s.method, s.host].filter(Boolean).join(' ') || '—'}</code> },
                  { key: 'HTTP status', content: s.statusCode ? String(s.statusCode) : '—' },
                  { key: 'Attempts', content: String(s.attempts ?? '—') },
                  { key: 'Sent', content: formatBytes(s.bytesOut) },
                  { key: 'Received', content: formatBytes(s.bytesIn) },
                  { key: 'Duration', content: formatDuration(s.durationMs) },
                  { key: 'Details', content: metricsText(s.metrics) },
                  {
                    key: 'Error',
                    content: s.errorCategory ? (
                      <>
                        <code>{s.errorCategory}</code>
                        {s.failedField && (
                          <>
                            {' in '}
                            <code>{s.failedField}</code>
                          </>
                        )}
                      </>
                    ) : (
                      '—'
                    ),
                  },
                ],
              }))}
            />
          )}
          <RunPath steps={r.steps} />
        </>
      ) : null}
    </div>
  );
}

/** The first problem of a run, in words, for the runs table. */
function ProblemCell({ run }: { run: Run }) {
  const index = (run.steps ?? []).findIndex((s) => s.errorCategory);
  const category = index >= 0 ? run.steps![index].errorCategory : run.errorCategory;
  const e = explainCategory(category);
  if (!e) return <span style={{ color: token('color.text.subtlest') }}>—</span>;
  return (
    <span title={`${e.explanation} ${e.fix}`}>
      {index >= 0 ? `Step ${index + 1}: ` : ''}
      {e.title}
    </span>
  );
}

/** Each failed step record (nested ones too), leaving out a block's error when a step inside it explains it. */
function blockAware(all: ReturnType<typeof flatSteps>) {
  const failed = all.filter((x) => x.step.errorCategory).map((x) => ({ where: x.where, category: x.step.errorCategory! }));
  return failed.filter((p) => !failed.some((q) => q !== p && q.category === p.category && q.where.startsWith(`${p.where} › `)));
}

/** Each error of the run (the run's own and each step's) in plain language with a suggested fix. */
export function RunProblems({ run }: { run: Run }) {
  const problems = [
    ...(run.errorCategory && !(run.steps ?? []).some((s) => s.errorCategory === run.errorCategory) ? [{ where: 'The run', category: run.errorCategory }] : []),
    ...blockAware(flatSteps(run.steps)),
  ];
  if (!problems.length) return null;
  return (
    <div style={stack('space.100')} data-testid="run-problems">
      {problems.map((p, i) => {
        const e = explainCategory(p.category)!;
        return (
          <SectionMessage key={i} appearance={run.status === 'skipped' ? 'information' : 'error'} title={`${p.where}: ${e.title}`}>
            <p style={{ margin: 0 }}>{e.explanation}</p>
            <p style={{ margin: 0 }}>
              <strong>What to do:</strong> {e.fix} <span style={{ color: token('color.text.subtlest') }}>({p.category})</span>
            </p>
          </SectionMessage>
        );
      })}
    </div>
  );
}

export function RunsPage({ initialRuleId }: { initialRuleId?: string }) {
  const rules = useLoad<RuleSummary[]>(() => api.listRules().catch(() => []), []);
  const connections = useLoad<Connection[]>(() => api.listConnections().catch(() => []), []);
  const [form, setForm] = useState({ ruleId: initialRuleId ?? '', status: '', from: '', to: '' });
  const [filter, setFilter] = useState<RunFilter>({ ruleId: initialRuleId || undefined, limit: PAGE_SIZE });
  const [runs, setRuns] = useState<Run[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // The request that failed, so 'Try again' repeats it: a failed 'Load more' retries that page, keeping the ones shown.
  const [error, setError] = useState<{ error: unknown; append: boolean; after?: string | null }>();
  const [selected, setSelected] = useState<string>();
  // The run whose details were open: back on the list, focus returns to its Details button (the place the user left).
  const [returnTo, setReturnTo] = useState<string>();

  // Only the newest request may change the list: a page asked for under an earlier filter (Load more, then Apply
  // filters) that answers late would otherwise add runs the filter excludes and its cursor.
  const latest = useRef(0);
  const load = useCallback(async (f: RunFilter, append: boolean, after?: string | null) => {
    const request = ++latest.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.listRuns({ ...f, cursor: after ?? undefined });
      if (request !== latest.current) return;
      setRuns((prev) => (append ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor ?? null);
    } catch (e) {
      if (request === latest.current) setError({ error: e, append, after });
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    load(filter, false);
  }, [filter, load]);

  useEffect(() => {
    if (selected || !returnTo) return;
    document.querySelector<HTMLElement>(`[data-testid="run-details-${CSS.escape(returnTo)}"]`)?.focus();
    setReturnTo(undefined);
  }, [selected, returnTo]);

  const nameOf = (id: string) => rules.data?.find((r) => r.id === id)?.name;

  const connectionNameOf = (id: string) => connections.data?.find((c) => c.id === id)?.name;
  if (selected)
    return (
      <RunDetail
        runId={selected}
        ruleName={nameOf}
        connectionName={connectionNameOf}
        onBack={() => {
          setReturnTo(selected);
          setSelected(undefined);
        }}
      />
    );

  // A filter the backend refused (400 naming from, to, ruleId or status: 'from' after 'to') is shown at its field.
  const FILTER_FIELDS = ['ruleId', 'status', 'from', 'to'];
  const fieldErrors = error?.error instanceof ApiError ? error.error.fieldErrors : {};
  const placed = Object.keys(fieldErrors).length > 0 && Object.keys(fieldErrors).every((k) => FILTER_FIELDS.includes(k));

  function apply(e: React.FormEvent) {
    e.preventDefault();
    setFilter({
      ruleId: form.ruleId || undefined,
      status: form.status || undefined,
      from: localToIso(form.from),
      to: localToIso(form.to),
      limit: PAGE_SIZE,
    });
  }

  return (
    <div style={stack('space.200')}>
      <form onSubmit={apply} aria-label="Filter runs" style={row('space.150')}>
        <SelectField
          id="runs-rule"
          label="Rule"
          isClearable
          placeholder="All rules"
          options={(rules.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={form.ruleId}
          onChange={(v) => setForm((f) => ({ ...f, ruleId: v }))}
          errors={fieldErrors.ruleId}
        />
        <SelectField
          id="runs-status"
          label="Status"
          isClearable
          placeholder="Any status"
          options={STATUSES.map((s) => ({ value: s, label: s }))}
          value={form.status}
          onChange={(v) => setForm((f) => ({ ...f, status: v }))}
          errors={fieldErrors.status}
        />
        <TextField id="runs-from" label="From" type="datetime-local" value={form.from} onChange={(v) => setForm((f) => ({ ...f, from: v }))} errors={fieldErrors.from} />
        <TextField id="runs-to" label="To" type="datetime-local" value={form.to} onChange={(v) => setForm((f) => ({ ...f, to: v }))} errors={fieldErrors.to} />
        <Button appearance="primary" type="submit">
          Apply filters
        </Button>
        <Button onClick={() => load(filter, false)}>Refresh</Button>
      </form>
      <p style={{ margin: 0, color: token('color.text.subtle') }}>
        The log keeps metadata only; payloads are never stored. Times, the From and To filters included, are in your browser&apos;s time zone ({viewerTimeZone()}).
      </p>
      {!placed && <ErrorBanner error={error?.error} onRetry={() => load(filter, error?.append ?? false, error?.after)} />}
      {loading && runs.length === 0 ? (
        <Loading label="Loading runs" />
      ) : runs.length === 0 && !error ? (
        <EmptyState title="No runs match">
          <span>Runs appear here when a rule fires. Adjust the filters or wait for the next event.</span>
        </EmptyState>
      ) : (
        <DynamicTable
          caption="Runs"
          head={{
            cells: ['Started', 'Rule', 'Status', 'Problem', 'Source', 'Issue', 'Duration', 'Actions'].map((c, i) => ({ key: `h${i}`, content: c })),
          }}
          rows={runs.map((r) => ({
            key: r.id,
            cells: [
              { key: 'started', content: formatTime(r.startedAt) },
              { key: 'rule', content: nameOf(r.ruleId) ?? r.ruleId },
              { key: 'status', content: <StatusLozenge status={r.status} /> },
              { key: 'problem', content: <ProblemCell run={r} /> },
              { key: 'source', content: [r.source, r.eventType].filter(Boolean).join(' · ') || '—' },
              { key: 'issue', content: r.issueKey ?? '—' },
              { key: 'duration', content: formatDuration(r.durationMs) },
              {
                key: 'open',
                content: (
                  <Button appearance="subtle" onClick={() => setSelected(r.id)} aria-label={`Details of run ${r.id}`} testId={`run-details-${r.id}`}>
                    Details
                  </Button>
                ),
              },
            ],
          }))}
        />
      )}
      {cursor && (
        <div>
          <Button onClick={() => load(filter, true, cursor)} isLoading={loading}>
            Load more
          </Button>
        </div>
      )}
      {filter.ruleId && <WhyNotRunPanel ruleId={filter.ruleId} />}
    </div>
  );
}

/** The policy decisions and counters of a step, in words ("2 retries, rate limited, 120 + 40 tokens"). */
export function metricsText(m: StepMetrics | null | undefined): string {
  if (!m) return '—';
  const parts: string[] = [];
  if (m.retries) parts.push(`${m.retries} ${m.retries === 1 ? 'retry' : 'retries'}`);
  if (m.circuitOpen) parts.push('circuit open');
  if (m.rateLimited) parts.push('rate limited');
  if (m.inputTokens !== undefined || m.outputTokens !== undefined) parts.push(`${m.inputTokens ?? 0} + ${m.outputTokens ?? 0} tokens`);
  if (m.bytesTransferred !== undefined) parts.push(`${formatBytes(m.bytesTransferred)} transferred`);
  return parts.length ? parts.join(', ') : '—';
}
