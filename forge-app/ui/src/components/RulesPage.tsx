import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import Toggle from '@atlaskit/toggle';
import { api, type RuleSummary } from '../api';
import { RuleEditor } from './RuleEditor';
import { VersionHistory } from './VersionHistory';
import { ConfirmDialog, EmptyState, ErrorBanner, formatTime, Loading, row, StatusLozenge, stack, useLoad } from './common';

type View = { kind: 'list' } | { kind: 'edit'; id?: string } | { kind: 'history'; rule: RuleSummary };

export function RulesPage({ readOnly, onShowRuns }: { readOnly: boolean; onShowRuns?: (ruleId: string) => void }) {
  const list = useLoad(() => api.listRules(), []);
  const [view, setView] = useState<View>({ kind: 'list' });
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [deleting, setDeleting] = useState<RuleSummary>();

  if (view.kind === 'edit') {
    return (
      <RuleEditor
        ruleId={view.id}
        readOnly={readOnly}
        onCancel={() => setView({ kind: 'list' })}
        onSaved={(rule) => {
          setNotice(`Saved rule “${rule.name}” (version ${rule.version}).`);
          setView({ kind: 'list' });
          list.reload();
        }}
      />
    );
  }
  if (view.kind === 'history') {
    const current = list.data?.find((r) => r.id === view.rule.id);
    return (
      <VersionHistory
        ruleId={view.rule.id}
        ruleName={view.rule.name}
        currentVersion={current?.version ?? view.rule.version}
        readOnly={readOnly}
        onClose={() => setView({ kind: 'list' })}
        onRestored={(rule) => {
          setNotice(`Restored “${rule.name}”; it is now version ${rule.version}.`);
          setView({ kind: 'list' });
          list.reload();
        }}
      />
    );
  }

  async function toggle(rule: RuleSummary) {
    setBusy(rule.id);
    setActionError(undefined);
    try {
      await api.setRuleEnabled(rule.id, !rule.enabled);
      list.setData((list.data ?? []).map((r) => (r.id === rule.id ? { ...r, enabled: !rule.enabled } : r)));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(undefined);
    }
  }

  async function confirmDelete() {
    if (!deleting) return;
    const rule = deleting;
    setBusy(rule.id);
    setActionError(undefined);
    try {
      await api.deleteRule(rule.id);
      setNotice(`Deleted rule “${rule.name}”.`);
      list.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(undefined);
      setDeleting(undefined);
    }
  }

  const items = list.data ?? [];
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <p style={{ margin: 0 }}>Rules react to Jira events, a schedule, a webhook or a manual run, and call your connections.</p>
        {!readOnly && (
          <Button appearance="primary" onClick={() => setView({ kind: 'edit' })}>
            New rule
          </Button>
        )}
      </div>
      {notice && (
        <div role="status">
          <SectionMessage appearance="success">
            <p>{notice}</p>
          </SectionMessage>
        </div>
      )}
      <ErrorBanner error={actionError} />
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Loading label="Loading rules" />
      ) : items.length === 0 && !list.error ? (
        <EmptyState title="No rules yet">
          <span>{readOnly ? 'A Jira administrator can create rules here.' : 'Create a rule to call a service when something happens in Jira.'}</span>
        </EmptyState>
      ) : (
        <DynamicTable
          caption="Rules"
          head={{
            cells: [
              { key: 'name', content: 'Name' },
              { key: 'enabled', content: 'Enabled' },
              { key: 'version', content: 'Version' },
              { key: 'lastRun', content: 'Last run' },
              { key: 'updated', content: 'Updated' },
              { key: 'actions', content: 'Actions' },
            ],
          }}
          rows={items.map((r) => ({
            key: r.id,
            cells: [
              { key: 'name', content: <strong>{r.name}</strong> },
              {
                key: 'enabled',
                content: (
                  <Toggle
                    id={`rule-enabled-${r.id}`}
                    label={`Rule ${r.name} enabled`}
                    isChecked={r.enabled}
                    isDisabled={readOnly || busy === r.id}
                    onChange={() => toggle(r)}
                  />
                ),
              },
              { key: 'version', content: String(r.version) },
              {
                key: 'lastRun',
                content: (
                  <span style={row('space.050')}>
                    <StatusLozenge status={r.lastRun?.status} />
                    {r.lastRun ? <span>{formatTime(r.lastRun.startedAt)}</span> : null}
                  </span>
                ),
              },
              { key: 'updated', content: formatTime(r.updatedAt) },
              {
                key: 'actions',
                content: (
                  <div style={row('space.050')}>
                    <Button onClick={() => setView({ kind: 'edit', id: r.id })} aria-label={`${readOnly ? 'View' : 'Edit'} rule ${r.name}`}>
                      {readOnly ? 'View' : 'Edit'}
                    </Button>
                    <Button appearance="subtle" onClick={() => setView({ kind: 'history', rule: r })} aria-label={`Version history of rule ${r.name}`}>
                      History
                    </Button>
                    {onShowRuns && (
                      <Button appearance="subtle" onClick={() => onShowRuns(r.id)} aria-label={`Runs of rule ${r.name}`}>
                        Runs
                      </Button>
                    )}
                    {!readOnly && (
                      <Button appearance="subtle" onClick={() => setDeleting(r)} aria-label={`Delete rule ${r.name}`}>
                        Delete
                      </Button>
                    )}
                  </div>
                ),
              },
            ],
          }))}
        />
      )}
      <ConfirmDialog
        isOpen={!!deleting}
        title="Delete this rule?"
        confirmLabel="Delete"
        isWorking={!!deleting && busy === deleting.id}
        onCancel={() => setDeleting(undefined)}
        onConfirm={confirmDelete}
      >
        <p>“{deleting?.name}” and its version history will be deleted. Its past runs stay in the log until they expire.</p>
      </ConfirmDialog>
    </div>
  );
}
