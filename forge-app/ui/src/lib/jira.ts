// Jira look-ups for the editors' pickers, made as the signed-in user through @forge/bridge's requestJira
// ("enables Forge apps to call the Jira Cloud platform REST API as the current user":
// https://developer.atlassian.com/platform/forge/apis-reference/ui-api-bridge/requestJira). So a picker only
// offers what the user may see. Outside Jira (local dev, e2e stand-in) requestJira does not exist: every
// call then rejects with JiraUnavailable and the pickers fall back to free text with a hint.
//
// Endpoints and shapes: Jira Cloud REST v3 (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/):
//   GET /rest/api/3/project/search?query=&maxResults=    → { values: [{ id, key, name }], isLast }
//   GET /rest/api/3/issuetype                             → [{ id, name, subtask }]
//   GET /rest/api/3/status                                → [{ id, name, statusCategory: { key, name } }]
//   GET /rest/api/3/issue/{key}/transitions               → { transitions: [{ id, name, to: { id, name } }] }
//   GET /rest/api/3/field                                 → [{ id, key, name, custom, schema: { type, items?, custom? } }]
//   GET /rest/api/3/user/search?query=                    → [{ accountId, displayName, accountType, active }]
//   GET /rest/api/3/user?accountId=                       → { accountId, displayName, accountType, active }
//     (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-users/#api-rest-api-3-user-get;
//     both user calls need the read:jira-user scope, see manifest.yml)
//   GET /rest/api/3/issueLinkType                         → { issueLinkTypes: [{ id, name, inward, outward, self }] }
//     (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-link-types/)
//   GET /rest/api/3/priority/search?maxResults=100        → { values: [{ id, name, description, statusColor }], isLast }
//     (Search priorities: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-priorities/#api-rest-api-3-priority-search-get)
//   GET /rest/api/3/resolution                            → [{ id, name, description, self }]
//     (Get resolutions: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-resolutions/#api-rest-api-3-resolution-get)
import * as bridge from '@forge/bridge';

export class JiraUnavailable extends Error {
  constructor() {
    super('Jira look-ups are not available here (requestJira is missing): type the value instead.');
    this.name = 'JiraUnavailable';
  }
}
export class JiraRequestFailed extends Error {
  readonly status: number;
  constructor(status: number, path: string) {
    super(
      status === 403 || status === 401
        ? 'Jira did not let you list these (no permission): type the value instead.'
        : status === 404
          ? 'Jira found nothing there: check the key, or type the value instead.'
          : `Jira answered ${status} for ${path.split('?')[0]}: type the value instead.`,
    );
    this.name = 'JiraRequestFailed';
    this.status = status;
  }
}

type Requester = (path: string, init?: { method?: string; headers?: Record<string, string> }) => Promise<{ ok?: boolean; status: number; json: () => Promise<unknown> }>;

/** The bridge's requestJira, looked up at call time (absent outside Jira). */
function requester(): Requester | undefined {
  const candidate = (bridge as unknown as { requestJira?: unknown }).requestJira;
  return typeof candidate === 'function' ? (candidate as Requester) : undefined;
}

export function jiraAvailable(): boolean {
  return !!requester();
}

async function get<T>(path: string): Promise<T> {
  const request = requester();
  if (!request) throw new JiraUnavailable();
  const res = await request(path, { headers: { Accept: 'application/json' } });
  if (!res || res.status < 200 || res.status >= 300) throw new JiraRequestFailed(res?.status ?? 0, path);
  return (await res.json()) as T;
}

export interface JiraOption {
  value: string;
  label: string;
  /** Extra detail (schema type, category…). */
  detail?: string;
}

const enc = encodeURIComponent;
const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

export const jira = {
  async projects(queryText = ''): Promise<JiraOption[]> {
    const page = await get<{ values?: unknown }>(`/rest/api/3/project/search?maxResults=50&query=${enc(queryText)}`);
    return arr<{ key: string; name: string }>(page?.values).map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }));
  },
  async issueTypes(): Promise<JiraOption[]> {
    const list = arr<{ id: string; name: string; subtask?: boolean }>(await get<unknown>('/rest/api/3/issuetype'));
    // Team-managed projects have their own types with the same names: list each name once.
    const names = [...new Set(list.map((t) => t.name))].sort((a, b) => a.localeCompare(b));
    return names.map((n) => ({ value: n, label: n }));
  },
  async statuses(): Promise<JiraOption[]> {
    const list = arr<{ id: string; name: string; statusCategory?: { name?: string } }>(await get<unknown>('/rest/api/3/status'));
    const seen = new Map<string, JiraOption>();
    for (const s of list) if (!seen.has(s.name)) seen.set(s.name, { value: s.name, label: s.name, detail: s.statusCategory?.name });
    return [...seen.values()].sort((a, b) => a.label.localeCompare(b.label));
  },
  async transitions(issueKey: string): Promise<JiraOption[]> {
    const body = await get<{ transitions?: unknown }>(`/rest/api/3/issue/${enc(issueKey)}/transitions`);
    return arr<{ id: string; name: string; to?: { name?: string } }>(body?.transitions).map((t) => ({
      value: t.name,
      label: t.to?.name && t.to.name !== t.name ? `${t.name} → ${t.to.name}` : t.name,
      detail: t.id,
    }));
  },
  async fields(): Promise<JiraField[]> {
    const list = arr<{ id: string; key?: string; name: string; custom?: boolean; schema?: { type?: string; items?: string } }>(await get<unknown>('/rest/api/3/field'));
    return list
      .map((f) => ({ id: f.id, name: f.name, custom: !!f.custom, type: f.schema?.type ?? '', items: f.schema?.items }))
      .sort((a, b) => Number(a.custom) - Number(b.custom) || a.name.localeCompare(b.name));
  },
  async linkTypes(): Promise<JiraOption[]> {
    const body = await get<{ issueLinkTypes?: unknown }>('/rest/api/3/issueLinkType');
    return arr<{ id: string; name: string; inward?: string; outward?: string }>(body?.issueLinkTypes)
      .filter((t) => typeof t?.name === 'string' && t.name !== '')
      .map((t) => ({ value: t.name, label: t.name, detail: t.outward || t.inward ? `outward “${t.outward ?? ''}”, inward “${t.inward ?? ''}”` : undefined }))
      .sort((a, b) => a.label.localeCompare(b.label));
  },
  /** The site's priorities by name (jira.edit and jira.create send a name as {"name": …}); the first page of 100. */
  async priorities(): Promise<JiraOption[]> {
    const page = await get<{ values?: unknown }>('/rest/api/3/priority/search?maxResults=100');
    return arr<{ id?: string; name?: string }>(page?.values)
      .filter((p) => typeof p?.name === 'string' && p.name !== '')
      .map((p) => ({ value: p.name!, label: p.name! }));
  },
  /** The site's resolutions by name (jira.edit sends a name as {"name": …}, the shape Jira takes it in). */
  async resolutions(): Promise<JiraOption[]> {
    return arr<{ id?: string; name?: string; description?: string }>(await get<unknown>('/rest/api/3/resolution'))
      .filter((r) => typeof r?.name === 'string' && r.name !== '')
      .map((r) => ({ value: r.name!, label: r.name!, detail: r.description || undefined }));
  },
  /** The user's display name as the signed-in user may see it; Jira hides what profile privacy settings hide. */
  async user(accountId: string): Promise<{ accountId: string; displayName?: string }> {
    const u = await get<{ accountId?: string; displayName?: string }>(`/rest/api/3/user?accountId=${enc(accountId)}`);
    return { accountId, displayName: typeof u?.displayName === 'string' && u.displayName ? u.displayName : undefined };
  },
  async users(queryText: string): Promise<JiraOption[]> {
    const list = arr<{ accountId: string; displayName?: string; accountType?: string; active?: boolean }>(
      await get<unknown>(`/rest/api/3/user/search?maxResults=20&query=${enc(queryText)}`),
    );
    return list.filter((u) => u.active !== false && u.accountType !== 'app').map((u) => ({ value: u.accountId, label: u.displayName ?? u.accountId }));
  },
};

export interface JiraField {
  id: string;
  name: string;
  custom: boolean;
  /** schema.type: string, number, array, option, user, priority, date… */
  type: string;
  items?: string;
}

export function fieldOptions(fields: JiraField[]): JiraOption[] {
  return fields.map((f) => ({ value: f.id, label: `${f.name} (${f.id})`, detail: f.items ? `${f.type} of ${f.items}` : f.type }));
}
