import React, { useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import Lozenge from '@atlaskit/lozenge';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type DryRunResult, type RuleDefinition } from '../api';
import { sampleEventForTrigger } from '../lib/ruleForm';
import { stepReferences } from '../lib/smartValues';
import { humanPath } from '../lib/errors';
import { sampleEventKinds, sampleEventOf } from '../lib/sampleEvents';
import { ErrorBanner, row, stack, TextAreaField, TextField } from './common';
import { DryRunFlow, requestLabel, stepPathsOf } from './DryRunFlow';

export function parseEventText(text: string): { event?: unknown; error?: string } {
  if (!text.trim()) return { error: 'Paste a Jira event as JSON, or load one from an issue.' };
  try {
    const event = JSON.parse(text);
    if (!event || typeof event !== 'object' || Array.isArray(event)) return { error: 'The event must be a JSON object.' };
    return { event };
  } catch (e) {
    return { error: `The event is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function DryRunPanel({
  build,
  onFieldErrors,
  trigger,
}: {
  /** The trigger being edited: the sample event follows it (event type, project, issue type, changelog). */
  trigger?: RuleDefinition['trigger'];
  /** The definition being edited, or (no definition) the problems the editor found in it. */
  build: () => { definition?: RuleDefinition; errors: Record<string, string[]> };
  onFieldErrors: (errors: Record<string, string[]>) => void;
}) {
  const sampleText = (t: RuleDefinition['trigger'] | undefined) => JSON.stringify(sampleEventForTrigger(t), null, 2);
  const [eventText, setEventText] = useState(() => sampleText(trigger));
  // The text last generated from the trigger: while the user has not edited it, it follows the trigger.
  const generated = useRef(eventText);
  const triggerKey = JSON.stringify(trigger ?? null);
  useEffect(() => {
    const next = sampleText(trigger);
    const previous = generated.current;
    generated.current = next;
    setEventText((current) => (current === previous ? next : current));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [triggerKey]);
  const [references, setReferences] = useState<string[]>([]);
  const [stepPaths, setStepPaths] = useState<Record<string, string>>({});
  const [eventError, setEventError] = useState<string>();
  const [issueKey, setIssueKey] = useState('');
  const [sampleNote, setSampleNote] = useState<{ appearance: 'information' | 'warning'; text: string }>();
  const [loadingSample, setLoadingSample] = useState(false);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<DryRunResult>();
  const [failure, setFailure] = useState<unknown>();
  // The rule's problems that stopped the dry run: shown here too, where the admin pressed the button (the editor
  // shows them beside their fields and in the summary at the top, out of sight in a long rule).
  const [blocked, setBlocked] = useState<Record<string, string[]>>();

  async function loadSample() {
    const key = issueKey.trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9_]*-\d+$/.test(key)) {
      setSampleNote({ appearance: 'warning', text: 'Enter an issue key such as ABC-123.' });
      return;
    }
    setLoadingSample(true);
    setSampleNote(undefined);
    try {
      // The backend reads the issue as you (your browse permission applies) and builds the trigger's event from it.
      const change = trigger?.fieldChanged;
      const event = await api.issueSampleEvent(key, {
        eventType: trigger?.type === 'event' ? trigger.events?.[0] : undefined,
        field: change?.field || undefined,
        from: change?.from || undefined,
        to: change?.to || undefined,
      });
      setEventText(JSON.stringify(event, null, 2));
      setSampleNote({ appearance: 'information', text: `Loaded a sample event for ${key}.` });
    } catch (e) {
      const text =
        e instanceof ApiError && e.status === 404
          ? `No sample event is available for ${key}: the issue does not exist, or Jira does not let you see it. Paste the event JSON instead.`
          : `Could not load a sample event for ${key}: ${e instanceof Error ? e.message : String(e)}. Paste the event JSON instead.`;
      setSampleNote({ appearance: 'warning', text });
    } finally {
      setLoadingSample(false);
    }
  }

  async function run() {
    setResult(undefined);
    setFailure(undefined);
    setBlocked(undefined);
    const parsed = parseEventText(eventText);
    setEventError(parsed.error);
    const { definition, errors: problems } = build();
    if (Object.keys(problems).length) setBlocked(problems);
    if (parsed.error || !definition) return;
    setReferences(stepReferences(definition.steps));
    setStepPaths(stepPathsOf(definition.steps));
    setRunning(true);
    try {
      setResult(await api.dryRunDraft(definition, parsed.event));
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fieldErrors).length) {
        const ruleErrors: Record<string, string[]> = {};
        const eventErrors: string[] = [];
        for (const [k, v] of Object.entries(e.fieldErrors)) {
          if (k === 'event' || k.startsWith('event.')) eventErrors.push(...v);
          else ruleErrors[k] = v;
        }
        onFieldErrors(ruleErrors);
        if (Object.keys(ruleErrors).length) setBlocked(ruleErrors);
        if (eventErrors.length) setEventError(eventErrors.join(' '));
        if (!Object.keys(ruleErrors).length && !eventErrors.length) setFailure(e);
      } else {
        setFailure(e);
      }
    } finally {
      setRunning(false);
    }
  }

  return (
    <div style={stack('space.150')}>
      <p style={{ margin: 0, color: token('color.text.subtle') }}>
        Test the rule as it is in the editor, without calling anything: see whether it matches and the requests it would send.
      </p>
      {/* Enter in the issue key loads the sample instead of submitting the surrounding rule form. */}
      <div
        style={row('space.100')}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.target as HTMLElement).id === 'dryrun-issueKey') {
            e.preventDefault();
            void loadSample();
          }
        }}
      >
        <TextField id="dryrun-issueKey" label="Issue key (optional)" value={issueKey} onChange={setIssueKey} placeholder="ABC-123" width={160} />
        <Button onClick={loadSample} isLoading={loadingSample}>
          Load event from issue
        </Button>
      </div>
      {sampleNote && (
        <div role="status">
          <SectionMessage appearance={sampleNote.appearance}>
            <p>{sampleNote.text}</p>
          </SectionMessage>
        </div>
      )}
      <div style={row('space.100')} aria-label="Sample events">
        {sampleEventKinds.map((kind) => (
          <Button key={kind} appearance="subtle" onClick={() => setEventText(JSON.stringify(sampleEventOf(kind), null, 2))}>
            {`Sample: issue ${kind}`}
          </Button>
        ))}
      </div>
      <TextAreaField
        id="dryrun-event"
        label="Event JSON"
        value={eventText}
        onChange={setEventText}
        errors={eventError ? [eventError] : undefined}
        rows={10}
        helper="A sample built from the trigger (its event, project, issue type and field change). Edit it, or load a real issue above."
      />
      <div style={row('space.100')}>
        <Button appearance="primary" onClick={run} isLoading={running}>
          Dry run
        </Button>
        <Button appearance="subtle" onClick={() => setEventText((generated.current = sampleText(trigger)))}>
          Reset to the trigger's sample
        </Button>
      </div>
      <ErrorBanner error={failure} title="The dry run failed" />
      {blocked && <BlockedBy errors={blocked} />}
      {result && references.length > 0 && (
        <div role="note" data-testid="dry-run-step-note">
          <SectionMessage appearance="information" title="Values from earlier steps are empty here">
            <p>
              A dry run sends nothing, so steps are not executed: {references.map((r) => `steps.${r}`).join(', ')} {references.length === 1 ? 'has' : 'have'} no
              values below (an AI step's text and output are null). They are filled in real runs.
            </p>
          </SectionMessage>
        </div>
      )}
      <div role="status" data-testid="dry-run-status" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clipPath: 'inset(50%)', whiteSpace: 'nowrap' }}>
        {result ? dryRunSummary(result) : running ? 'Dry run running…' : ''}
      </div>
      {result && <DryRunResultView result={result} stepPaths={stepPaths} />}
    </div>
  );
}

/** One sentence for screen readers when a dry run is done: the outcome, the requests and the problems. */
export function dryRunSummary(result: DryRunResult): string {
  const n = result.requests?.length ?? 0;
  const problems = result.errors?.length ?? 0;
  return `Dry run done: ${result.matched ? 'the rule matched' : 'the rule did not match'}; ${n === 0 ? 'no request' : n === 1 ? '1 request' : `${n} requests`} would be sent${problems ? `; ${problems} ${problems === 1 ? 'problem' : 'problems'}` : ''}.`;
}

/** The rule's problems that kept the dry run from running, listed by where they are ("Step 2 › path"). */
function BlockedBy({ errors }: { errors: Record<string, string[]> }) {
  const entries = Object.entries(errors).flatMap(([path, messages]) => messages.map((m) => [path, m] as const));
  return (
    <div role="alert" data-testid="dry-run-blocked">
      <SectionMessage appearance="error" title={`The dry run did not run: the rule has ${entries.length} ${entries.length === 1 ? 'problem' : 'problems'} to fix`}>
        <ul style={{ margin: 0 }}>
          {entries.map(([path, m], i) => (
            <li key={i}>
              {path ? <strong>{humanPath(path)}</strong> : null}
              {path ? ': ' : ''}
              {m}
            </li>
          ))}
        </ul>
        <p style={{ margin: 0 }}>Each is also shown beside its field above.</p>
      </SectionMessage>
    </div>
  );
}

export function DryRunResultView({ result, stepPaths = {} }: { result: DryRunResult; stepPaths?: Record<string, string> }) {
  return (
    <section aria-label="Dry run result" style={stack('space.150')} data-testid="dry-run-result">
      <div style={row('space.100')}>
        <strong>Result:</strong>
        <Lozenge appearance={result.matched ? 'success' : 'default'}>{result.matched ? 'matched' : 'not matched'}</Lozenge>
        {result.trigger && (
          <span>
            Trigger {result.trigger.matched ? 'matched' : 'did not match'}
            {result.trigger.reason ? `: ${result.trigger.reason}` : ''}
          </span>
        )}
      </div>
      {(result.conditions?.length ?? 0) > 0 && (
        <div>
          <strong>Conditions</strong>
          <ul style={{ margin: 0 }}>
            {result.conditions!.map((c, i) => (
              <li key={i}>
                <Lozenge appearance={c.passed ? 'success' : 'removed'}>{c.passed ? 'passed' : 'failed'}</Lozenge> <code>{c.path}</code> {c.description}
              </li>
            ))}
          </ul>
        </div>
      )}
      <DryRunFlow flow={result.flow} />
      {(result.requests?.length ?? 0) > 0 ? (
        <div style={stack('space.100')}>
          <strong>Requests that would be sent</strong>
          {result.requests!.map((r, i) => (
            <div key={i} style={{ border: `1px solid ${token('color.border')}`, borderRadius: 4, padding: token('space.100') }}>
              <div>
                <code>
                  {r.method} {r.url}
                </code>{' '}
                <span style={{ color: token('color.text.subtle') }}>({requestLabel(r, stepPaths)})</span>
              </div>
              {r.headers && Object.keys(r.headers).length > 0 && (
                <ul aria-label={`Headers of step ${r.stepId}`} style={{ margin: 0 }}>
                  {Object.entries(r.headers).map(([k, v]) => (
                    <li key={k}>
                      <code>
                        {k}: {v}
                      </code>
                    </li>
                  ))}
                </ul>
              )}
              {r.body !== undefined && r.body !== null && (
                <pre style={{ margin: 0, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', font: token('font.code') }}>
                  {typeof r.body === 'string' ? r.body : JSON.stringify(r.body, null, 2)}
                </pre>
              )}
            </div>
          ))}
        </div>
      ) : (
        <p style={{ margin: 0 }}>No request would be sent.</p>
      )}
      {(result.errors?.length ?? 0) > 0 && (
        <SectionMessage appearance="error" title="Problems">
          <ul style={{ margin: 0 }}>
            {result.errors!.map((e, i) => (
              <li key={i}>
                {e.path ? <strong>{humanPath(e.path)}</strong> : null}
                {e.path ? ': ' : ''}
                {e.message}
              </li>
            ))}
          </ul>
        </SectionMessage>
      )}
    </section>
  );
}
