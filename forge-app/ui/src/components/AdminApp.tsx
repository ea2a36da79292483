import React, { useCallback, useRef, useState } from 'react';
import SectionMessage from '@atlaskit/section-message';
import Tabs, { Tab, TabList, TabPanel } from '@atlaskit/tabs';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type Me } from '../api';
import { ConnectionsPage } from './ConnectionsPage';
import { RulesPage } from './RulesPage';
import { RunsPage } from './RunsPage';
import { SupportPage } from './SupportPage';
import { WebhooksPage } from './WebhooksPage';
import { ConfirmDialog, ErrorBanner, Loading, useLoad } from './common';
import { LeaveGuard } from './leaveGuard';

/** GET /api/me; a backend without it (404) is treated as "not checked": the server still enforces writes. */
export async function loadMe(): Promise<Me & { unchecked?: boolean }> {
  try {
    return await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { accountId: '', isAdmin: true, unchecked: true };
    throw e;
  }
}

const TABS = ['Rules', 'Connections', 'Runs', 'Webhooks', 'Support access'] as const;

export function AdminApp() {
  const me = useLoad(loadMe, []);
  const [selected, setSelected] = useState(0);
  const [runsRule, setRunsRule] = useState<string>();
  // A tab change unmounts the rule editor: with unsaved changes, it asks first.
  const guard = useRef<() => boolean>(undefined);
  const registerGuard = useCallback((check: (() => boolean) | undefined) => (guard.current = check), []);
  const [pendingTab, setPendingTab] = useState<number>();

  if (me.loading && !me.data) return <Loading label="Loading BluBees" />;
  if (me.error) return <ErrorBanner error={me.error} title="BluBees could not load" onRetry={me.reload} />;
  const readOnly = !me.data?.isAdmin;
  const unchecked = me.data?.unchecked;
  if (readOnly) {
    // Configuration (rules, connections, webhooks, runs) is for Jira administrators only: the backend refuses every
    // read to anyone else (docs/security.md, "Who may read what"), so there is nothing to show but where to go.
    return (
      <main style={{ padding: token('space.200'), display: 'flex', flexDirection: 'column', gap: token('space.200') }}>
        <h1 style={{ margin: 0, font: token('font.heading.large') }}>BluBees automations</h1>
        <div role="status">
          <SectionMessage appearance="information" title="For Jira administrators">
            <p>
              Only Jira administrators can see and change BluBees automations, connections and runs. The runs of an issue you can
              see are shown in its BluBees panel; ask a Jira administrator to change a rule.
            </p>
          </SectionMessage>
        </div>
      </main>
    );
  }

  return (
    <main style={{ padding: token('space.200'), display: 'flex', flexDirection: 'column', gap: token('space.200') }}>
      <h1 style={{ margin: 0, font: token('font.heading.large') }}>BluBees automations</h1>
      {unchecked && (
        <div role="status">
          <SectionMessage appearance="warning" title="Permissions not checked">
            <p>This BluBees backend cannot report your permissions yet. Changes are still checked by BluBees and may be refused.</p>
          </SectionMessage>
        </div>
      )}
      <LeaveGuard.Provider value={registerGuard}>
        <Tabs id="blubees-admin-tabs" selected={selected} onChange={(i) => (guard.current?.() ? setPendingTab(i) : setSelected(i))} shouldUnmountTabPanelOnChange>
          <TabList>
            {TABS.map((t) => (
              <Tab key={t}>{t}</Tab>
            ))}
          </TabList>
          <TabPanel>
            <Panel>
              <RulesPage
                readOnly={readOnly}
                onShowRuns={(ruleId) => {
                  setRunsRule(ruleId);
                  setSelected(2);
                }}
              />
            </Panel>
          </TabPanel>
          <TabPanel>
            <Panel>
              <ConnectionsPage readOnly={readOnly} />
            </Panel>
          </TabPanel>
          <TabPanel>
            <Panel>
              <RunsPage key={runsRule ?? 'all'} initialRuleId={runsRule} />
            </Panel>
          </TabPanel>
          <TabPanel>
            <Panel>
              <WebhooksPage readOnly={readOnly} />
            </Panel>
          </TabPanel>
          <TabPanel>
            <Panel>
              <SupportPage readOnly={readOnly} />
            </Panel>
          </TabPanel>
        </Tabs>
      </LeaveGuard.Provider>
      <ConfirmDialog
        isOpen={pendingTab !== undefined}
        title="Discard your changes?"
        confirmLabel="Discard changes"
        appearance="warning"
        onCancel={() => setPendingTab(undefined)}
        onConfirm={() => {
          guard.current = undefined;
          setSelected(pendingTab!);
          setPendingTab(undefined);
        }}
      >
        <p>The rule you are editing has changes that are not saved. Leaving this tab discards them.</p>
      </ConfirmDialog>
    </main>
  );
}

function Panel({ children }: { children: React.ReactNode }) {
  return <div style={{ paddingTop: token('space.200'), width: '100%' }}>{children}</div>;
}
