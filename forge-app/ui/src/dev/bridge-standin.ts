// Local stand-in for @forge/bridge (aliased by vite.config.ts in development and e2e modes only;
// never part of the production bundle).
//
// invokeRemote: fetches a development Forge Invocation Token from the backend's POST /dev/token
// and calls the backend directly, answering {status, headers, body} like the real bridge.
// By default requests go to the page's own origin and Vite's proxy forwards /api and /dev to the
// backend (VITE_BLUBEES_BACKEND), so no CORS is involved. Set VITE_BLUBEES_API_BASE to call a
// backend URL directly instead.
//
// view.getContext: a context built from the page URL, e.g.
//   /?view=issue-panel&issueKey=DEV-1&issueId=10000&accountId=dev-user&cloudId=dev-cloud (issueId defaults to 10000)

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface InvokeRemoteInput {
  path: string;
  method: Method;
  headers?: Record<string, string>;
  body?: unknown;
}

const env = (import.meta as unknown as { env?: Record<string, string | undefined> }).env ?? {};
const base = (env.VITE_BLUBEES_API_BASE ?? '').replace(/\/$/, '');

function params(): URLSearchParams {
  return new URLSearchParams(typeof window !== 'undefined' ? window.location.search : '');
}

function identity() {
  const p = params();
  return {
    tenantId: p.get('tenantId') ?? env.VITE_BLUBEES_DEV_TENANT ?? undefined,
    accountId: p.get('accountId') ?? env.VITE_BLUBEES_DEV_ACCOUNT ?? 'dev-admin',
    cloudId: p.get('cloudId') ?? env.VITE_BLUBEES_DEV_CLOUD ?? undefined,
  };
}

let cached: { token: string; expiresAt: number } | undefined;
let pending: Promise<string> | undefined;

function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof payload.exp === 'number') return payload.exp * 1000;
  } catch {
    // opaque token: fall back to a short lifetime
  }
  return Date.now() + 20_000;
}

async function fetchToken(): Promise<string> {
  const id = identity();
  const body = Object.fromEntries(Object.entries(id).filter(([, v]) => v !== undefined));
  const res = await fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST /dev/token answered ${res.status}: is the backend running in Development?`);
  const json = (await res.json()) as { token?: string };
  if (!json.token) throw new Error('POST /dev/token returned no token');
  cached = { token: json.token, expiresAt: expiryOf(json.token) };
  return json.token;
}

async function token(force = false): Promise<string> {
  if (!force && cached && cached.expiresAt - Date.now() > 5_000) return cached.token;
  pending ??= fetchToken().finally(() => {
    pending = undefined;
  });
  return pending;
}

async function send(input: InvokeRemoteInput, bearer: string) {
  const headers: Record<string, string> = { Accept: 'application/json', ...(input.headers ?? {}), Authorization: `Bearer ${bearer}` };
  let body: string | undefined;
  if (input.body !== undefined && input.method !== 'GET') {
    body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return fetch(`${base}${input.path}`, { method: input.method, headers, body });
}

export async function invokeRemote(input: InvokeRemoteInput) {
  let res = await send(input, await token());
  if (res.status === 401) res = await send(input, await token(true));
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers, body };
}

export const view = {
  async getContext() {
    const p = params();
    const panel = p.get('view') === 'issue-panel';
    const issueKey = p.get('issueKey') ?? 'DEV-1';
    const id = identity();
    return {
      accountId: id.accountId,
      cloudId: id.cloudId ?? 'dev-cloud',
      localId: 'dev-local',
      locale: navigator.language || 'en-US',
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      siteUrl: window.location.origin,
      moduleKey: panel ? 'blubees-issue-panel' : 'blubees-admin',
      extension: panel
        ? { type: 'jira:issuePanel', issue: { key: issueKey, id: p.get('issueId') ?? '10000', type: 'Task' }, project: { key: issueKey.split('-')[0] } }
        : { type: 'jira:adminPage' },
    };
  },
  theme: {
    async enable() {
      // In Jira, the real bridge applies the user's theme; locally use the light theme.
      const { setGlobalTheme } = await import('@atlaskit/tokens/set-global-theme');
      await setGlobalTheme({ colorMode: 'light' });
    },
  },
};

// No Jira outside Jira: the editors' Jira pickers see requestJira missing and fall back to free text with a hint
// (lib/jira.ts). Declared so the bundler knows the absence is deliberate.
export const requestJira: undefined = undefined;
