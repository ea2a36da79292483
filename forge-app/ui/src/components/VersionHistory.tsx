import React, { useEffect, useMemo, useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type Rule, type RuleVersion, type RuleVersionSummary } from '../api';
import { canonicalJson, changeText, lineDiff, structuralDiff } from '../lib/diff';
import { useDisplayNames } from '../lib/displayNames';
import { useHeadingFocus } from './focusMoves';
import { ConfirmDialog, EmptyState, ErrorBanner, formatTime, Loading, row, SelectField, stack, useLoad } from './common';

export function VersionDiff({ before, after }: { before: RuleVersion; after: RuleVersion }) {
  const [mode, setMode] = useState<'changes' | 'lines'>('changes');
  const changes = useMemo(() => structuralDiff(before.definition, after.definition), [before, after]);
  const lines = useMemo(() => lineDiff(canonicalJson(before.definition), canonicalJson(after.definition)), [before, after]);
  return (
    <section aria-label={`Differences between version ${before.version} and version ${after.version}`} style={stack('space.100')}>
      <div style={row('space.100')} role="group" aria-label="Diff view">
        <Button isSelected={mode === 'changes'} aria-pressed={mode === 'changes'} onClick={() => setMode('changes')}>
          Summary of changes
        </Button>
        <Button isSelected={mode === 'lines'} aria-pressed={mode === 'lines'} onClick={() => setMode('lines')}>
          Line by line
        </Button>
      </div>
      {mode === 'changes' ? (
        changes.length === 0 ? (
          <p style={{ margin: 0 }}>
            Versions {before.version} and {after.version} are identical.
          </p>
        ) : (
          <ul aria-label="Changes" style={{ margin: 0, paddingLeft: token('space.250') }}>
            {changes.map((c) => (
              <li key={`${c.kind}-${c.path}`} data-change={c.kind}>
                <span
                  style={{
                    color: c.kind === 'added' ? token('color.text.success') : c.kind === 'removed' ? token('color.text.danger') : token('color.text'),
                  }}
                >
                  {changeText(c)}
                </span>
              </li>
            ))}
          </ul>
        )
      ) : (
        <pre
          aria-label="Line diff"
          style={{ margin: 0, padding: token('space.100'), background: token('color.background.neutral'), overflowX: 'auto', font: token('font.code') }}
        >
          {lines.map((l, i) => (
            <div
              key={i}
              style={{
                background: l.kind === 'added' ? token('color.background.success') : l.kind === 'removed' ? token('color.background.danger') : undefined,
              }}
            >
              <span aria-hidden="true">{l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}</span>
              <span className="visually-hidden">{l.kind === 'added' ? 'added: ' : l.kind === 'removed' ? 'removed: ' : ''}</span>
              {l.text}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}

export function VersionHistory({
  ruleId,
  ruleName,
  currentVersion,
  readOnly,
  onRestored,
  onClose,
}: {
  ruleId: string;
  ruleName: string;
  currentVersion?: number;
  readOnly: boolean;
  onRestored: (rule: Rule) => void;
  onClose: () => void;
}) {
  const versions = useLoad(() => api.listVersions(ruleId), [ruleId]);
  // Older pages, asked for with 'Show older versions' (the history answers the newest 1,000 per page).
  const [older, setOlder] = useState<{ items: RuleVersionSummary[]; nextCursor: string | null; loading: boolean; error?: unknown }>();
  useEffect(() => setOlder(undefined), [versions.data]);
  const nextCursor = older ? older.nextCursor : (versions.data?.nextCursor ?? null);
  async function showOlder() {
    if (!nextCursor) return;
    const shown = older?.items ?? [];
    setOlder({ items: shown, nextCursor, loading: true });
    try {
      const page = await api.listVersions(ruleId, nextCursor);
      setOlder({ items: [...shown, ...page.items], nextCursor: page.nextCursor, loading: false });
    } catch (error) {
      setOlder({ items: shown, nextCursor, loading: false, error });
    }
  }
  const heading = useHeadingFocus();
  const sorted = useMemo(
    () => [...(versions.data?.items ?? []), ...(older?.items ?? [])].sort((a, b) => b.version - a.version),
    [versions.data, older?.items],
  );
  const names = useDisplayNames(sorted.map((v) => v.createdBy));
  const [left, setLeft] = useState<number>();
  const [right, setRight] = useState<number>();
  const [pair, setPair] = useState<{ before?: RuleVersion; after?: RuleVersion; error?: unknown; loading: boolean }>({ loading: false });
  const [restoring, setRestoring] = useState<number>();
  const [restoreWorking, setRestoreWorking] = useState(false);
  const [restoreError, setRestoreError] = useState<unknown>();
  // The current version a 409 rule_changed named (someone saved the rule while this history was open): it is then the one shown as current.
  const [savedSince, setSavedSince] = useState<number>();
  const current = savedSince ?? currentVersion;

  useEffect(() => {
    if (sorted.length >= 2 && left === undefined && right === undefined) {
      setLeft(sorted[1].version);
      setRight(sorted[0].version);
    }
  }, [sorted, left, right]);

  useEffect(() => {
    if (left === undefined || right === undefined) return;
    let live = true;
    setPair({ loading: true });
    Promise.all([api.getVersion(ruleId, left), api.getVersion(ruleId, right)]).then(
      ([before, after]) => live && setPair({ before, after, loading: false }),
      (error) => live && setPair({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [ruleId, left, right]);

  async function restore() {
    if (restoring === undefined) return;
    setRestoreWorking(true);
    setRestoreError(undefined);
    try {
      // The version shown as current: a rule someone saved since is refused (409 rule_changed), not replaced unseen.
      const rule = await api.restoreVersion(ruleId, restoring, current);
      setRestoring(undefined);
      onRestored(rule);
    } catch (e) {
      setRestoreError(e);
      setRestoring(undefined);
      if (e instanceof ApiError && e.status === 409 && e.problem.reason === 'rule_changed' && typeof e.problem.currentVersion === 'number') {
        setSavedSince(e.problem.currentVersion);
        versions.reload();
      }
    } finally {
      setRestoreWorking(false);
    }
  }

  const options = sorted.map((v) => ({ value: String(v.version), label: `Version ${v.version} (${formatTime(v.createdAt)})` }));
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <h3 ref={heading} tabIndex={-1} style={{ margin: 0, font: token('font.heading.small') }}>
          Version history of “{ruleName}”
        </h3>
        <Button onClick={onClose}>Back to rules</Button>
      </div>
      <ErrorBanner error={versions.error} onRetry={versions.reload} />
      <ErrorBanner
        error={restoreError}
        title={
          restoreError instanceof ApiError && restoreError.problem.reason === 'rule_changed'
            ? 'Someone else saved this rule meanwhile, so nothing was restored (their version is now shown as current)'
            : 'Could not restore the version'
        }
      />
      {versions.loading && !versions.data ? (
        <Loading label="Loading versions" />
      ) : sorted.length === 0 ? (
        <EmptyState title="No versions recorded" />
      ) : (
        <>
          <DynamicTable
            caption="Versions"
            head={{
              cells: [
                { key: 'version', content: 'Version' },
                { key: 'created', content: 'Saved' },
                { key: 'author', content: 'Saved by' },
                { key: 'actions', content: 'Actions' },
              ],
            }}
            rows={sorted.map((v) => ({
              key: String(v.version),
              cells: [
                { key: 'version', content: `${v.version}${v.version === current ? ' (current)' : ''}` },
                { key: 'created', content: formatTime(v.createdAt) },
                { key: 'author', content: authorLabel(v.createdBy, v.createdByName || names[v.createdBy ?? '']) },
                {
                  key: 'actions',
                  content:
                    !readOnly && v.version !== current ? (
                      <Button onClick={() => setRestoring(v.version)} aria-label={`Restore version ${v.version}`}>
                        Restore
                      </Button>
                    ) : (
                      ''
                    ),
                },
              ],
            }))}
          />
          <ErrorBanner error={older?.error} title="Could not load older versions" onRetry={showOlder} />
          {nextCursor && (
            <div>
              <Button onClick={showOlder} isLoading={older?.loading ?? false}>
                Show older versions
              </Button>
            </div>
          )}
          {sorted.length < 2 ? (
            <p style={{ margin: 0 }}>Only one version so far: save a change to compare versions.</p>
          ) : (
            <>
              <div style={row('space.150')}>
                <SelectField id="diff-left" label="Compare" options={options} value={left === undefined ? undefined : String(left)} onChange={(v) => setLeft(Number(v))} />
                <SelectField id="diff-right" label="With" options={options} value={right === undefined ? undefined : String(right)} onChange={(v) => setRight(Number(v))} />
              </div>
              <ErrorBanner error={pair.error} title="Could not load the versions" />
              {pair.loading && <Loading label="Loading the versions to compare" />}
              {pair.before && pair.after && <VersionDiff before={pair.before} after={pair.after} />}
            </>
          )}
        </>
      )}
      <ConfirmDialog
        isOpen={restoring !== undefined}
        title={`Restore version ${restoring}?`}
        confirmLabel="Restore"
        appearance="warning"
        isWorking={restoreWorking}
        onCancel={() => setRestoring(undefined)}
        onConfirm={restore}
      >
        <p>The rule's definition is replaced by version {restoring}. This is recorded as a new version, so it can be undone.</p>
      </ConfirmDialog>
    </div>
  );
}

/** A version's author: the display name Jira gives the signed-in user, else the account id (Jira unreachable, or outside Jira). */
export function authorLabel(accountId?: string | null, displayName?: string | null): string {
  return displayName || accountId || '—';
}
