import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import SectionMessage from '@atlaskit/section-message';
import Toggle from '@atlaskit/toggle';
import Textfield from '@atlaskit/textfield';
import Lozenge from '@atlaskit/lozenge';
import { api, ApiError, type RuleDefinition, type RuleSummary, type TriggerType } from '../api';
import { download, exportRule, importRule, ruleFileName } from '../lib/ruleFiles';
import { RuleEditor } from './RuleEditor';
import { TemplateGallery } from './TemplateGallery';
import { VersionHistory } from './VersionHistory';
import { useFocusReturn } from './focusMoves';
import { ConfirmDialog, EmptyState, ErrorBanner, formatTime, Loading, row, StatusLozenge, stack, useLoad } from './common';

type View =
  | { kind: 'list' }
  | { kind: 'edit'; id?: string; initial?: RuleDefinition; notes?: string[] }
  | { kind: 'history'; rule: RuleSummary }
  | { kind: 'templates' };

const TRIGGER_LABELS: Record<TriggerType, string> = { event: 'Jira event', schedule: 'Schedule', manual: 'Manual', webhook: 'Incoming webhook' };
export const triggerLabel = (r: RuleSummary) => {
  const t = r.triggerType ?? r.trigger?.type;
  return t ? TRIGGER_LABELS[t] ?? t : '—';
};

export function RulesPage({ readOnly, onShowRuns }: { readOnly: boolean; onShowRuns?: (ruleId: string) => void }) {
  const list = useLoad(() => api.listRules(), []);
  const [view, setView] = useState<View>({ kind: 'list' });
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const [deleting, setDeleting] = useState<RuleSummary>();
  const [search, setSearch] = useState('');
  const fileInput = React.useRef<HTMLInputElement>(null);
  // Back from the editor, the history or the templates, focus returns to the button that opened them.
  const returnTo = useFocusReturn(view.kind === 'list', list.data);

  if (view.kind === 'templates') {
    return (
      <TemplateGallery
        onUse={(definition) => setView({ kind: 'edit', initial: definition })}
        onCancel={() => {
          returnTo('rule-templates');
          setView({ kind: 'list' });
        }}
      />
    );
  }
  if (view.kind === 'edit') {
    return (
      <RuleEditor
        key={view.id ?? 'new'}
        ruleId={view.id}
        initial={view.initial}
        notes={view.notes}
        readOnly={readOnly}
        onCancel={() => {
          returnTo(view.id ? `rule-edit-${view.id}` : 'rule-new');
          setView({ kind: 'list' });
        }}
        onSaved={(rule) => {
          returnTo(`rule-edit-${rule.id}`);
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
        onClose={() => {
          returnTo(`rule-history-${view.rule.id}`);
          setView({ kind: 'list' });
        }}
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
      // 404: nothing of the rule is left (docs/api.md) — deleted by another admin, or by this delete whose answer was
      // lost (a timeout): the row goes, instead of an error on every further try.
      if (e instanceof ApiError && e.isNotFound) {
        setNotice(`Rule “${rule.name}” was already deleted.`);
        list.reload();
      } else setActionError(e);
    } finally {
      setBusy(undefined);
      setDeleting(undefined);
    }
  }

  async function duplicate(rule: RuleSummary) {
    setActionError(undefined);
    try {
      const full = await api.getRule(rule.id);
      setView({ kind: 'edit', initial: { ...full.definition, name: `Copy of ${full.definition.name ?? full.name}` } });
    } catch (e) {
      setActionError(e);
    }
  }

  async function exportOne(rule: RuleSummary) {
    setActionError(undefined);
    try {
      const [full, connections] = await Promise.all([api.getRule(rule.id), api.listConnections()]);
      download(ruleFileName(full.name), JSON.stringify(exportRule(full.definition, connections), null, 2));
      setNotice(`Exported “${full.name}”. Connections are referred to by name; secrets are never exported.`);
    } catch (e) {
      setActionError(e);
    }
  }

  async function importFile(file: File) {
    setActionError(undefined);
    setNotice(undefined);
    try {
      const [text, connections] = await Promise.all([file.text(), api.listConnections()]);
      const result = importRule(text, connections);
      if (result.error || !result.definition) {
        setActionError(new Error(`Could not import ${file.name}: ${result.error}`));
        return;
      }
      setView({ kind: 'edit', initial: result.definition, notes: [`Imported from ${file.name}: review it and create the rule.`, ...result.messages] });
    } catch (e) {
      setActionError(e);
    }
  }

  const all = list.data ?? [];
  const q = search.trim().toLowerCase();
  const items = q ? all.filter((r) => r.name.toLowerCase().includes(q) || triggerLabel(r).toLowerCase().includes(q)) : all;
  return (
    <div style={stack('space.200')}>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <p style={{ margin: 0 }}>Rules react to Jira events, a schedule, a webhook or a manual run, and call your connections.</p>
        {!readOnly && (
          <div style={row('space.100')}>
            <Button onClick={() => fileInput.current?.click()}>Import</Button>
            <Button onClick={() => setView({ kind: 'templates' })} testId="rule-templates">
              From a template
            </Button>
            <Button appearance="primary" onClick={() => setView({ kind: 'edit' })} testId="rule-new">
              New rule
            </Button>
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              aria-label="Rule file to import"
              style={{ display: 'none' }}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void importFile(file);
              }}
            />
          </div>
        )}
      </div>
      {all.length > 0 && (
        <div style={{ maxWidth: 360 }}>
          <Textfield aria-label="Search rules" placeholder="Search rules by name or trigger" value={search} onChange={(e) => setSearch((e.target as HTMLInputElement).value)} isCompact />
        </div>
      )}
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
      ) : all.length === 0 && !list.error ? (
        <EmptyState title="No rules yet">
          <span>{readOnly ? 'A Jira administrator can create rules here.' : 'Start from a template, import a rule file, or create a rule from scratch.'}</span>
          {!readOnly && <Button onClick={() => setView({ kind: 'templates' })}>Browse templates</Button>}
        </EmptyState>
      ) : items.length === 0 && !list.error ? (
        <EmptyState title="No rule matches">
          <span>No rule name or trigger contains “{search}”.</span>
        </EmptyState>
      ) : (
        <DynamicTable
          caption="Rules"
          head={{
            cells: [
              { key: 'name', content: 'Name' },
              { key: 'trigger', content: 'Trigger' },
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
              {
                key: 'name',
                content: r.savedByNewerVersion ? (
                  // A rollback: a newer BluBees saved it, and this version cannot read it (opening it answers 409).
                  <span style={row('space.050')} title="Saved by a newer version of BluBees; it does not run on this version until it is saved again.">
                    <strong>{r.name}</strong>
                    <Lozenge appearance="moved">Saved by a newer version: does not run until saved again</Lozenge>
                  </span>
                ) : (
                  <strong>{r.name}</strong>
                ),
              },
              { key: 'trigger', content: triggerLabel(r) },
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
                    <Button onClick={() => setView({ kind: 'edit', id: r.id })} aria-label={`${readOnly ? 'View' : 'Edit'} rule ${r.name}`} testId={`rule-edit-${r.id}`}>
                      {readOnly ? 'View' : 'Edit'}
                    </Button>
                    <Button
                      appearance="subtle"
                      onClick={() => setView({ kind: 'history', rule: r })}
                      aria-label={`Version history of rule ${r.name}`}
                      testId={`rule-history-${r.id}`}
                    >
                      History
                    </Button>
                    {onShowRuns && (
                      <Button appearance="subtle" onClick={() => onShowRuns(r.id)} aria-label={`Runs of rule ${r.name}`}>
                        Runs
                      </Button>
                    )}
                    {!readOnly && (
                      <Button appearance="subtle" onClick={() => duplicate(r)} aria-label={`Duplicate rule ${r.name}`}>
                        Duplicate
                      </Button>
                    )}
                    <Button appearance="subtle" onClick={() => exportOne(r)} aria-label={`Export rule ${r.name}`}>
                      Export
                    </Button>
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
