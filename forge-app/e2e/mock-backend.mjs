#!/usr/bin/env node
// A small in-memory stand-in for the BluBees backend's HTTP contract, for UI development and for
// exercising e2e/run.mjs before the real backend runs. It is NOT the backend: no FIT validation,
// no encryption, no egress guard. Run: node e2e/mock-backend.mjs [--port 5080]
//   also serves a loopback "third party" on --third-party-port (default: port + 1) that answers 200
//   and remembers what it received at GET /__received.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const PORT = Number(arg('--port', process.env.PORT ?? 5080));
const THIRD_PARTY_PORT = Number(arg('--third-party-port', PORT + 1));

const tenants = new Map();
const tenant = (id) => {
  if (!tenants.has(id)) tenants.set(id, { connections: new Map(), secrets: new Map(), rules: new Map(), versions: new Map(), runs: [], grants: [], audit: [], webhooks: new Map() });
  return tenants.get(id);
};
const now = () => new Date().toISOString();
const problem = (status, title, extra = {}) => ({ status, body: { type: 'about:blank', title, status, ...extra } });

function identityOf(req) {
  const auth = req.headers.authorization ?? '';
  const m = auth.match(/^Bearer (.+)$/);
  if (!m) return undefined;
  try {
    return JSON.parse(Buffer.from(m[1].split('.')[1], 'base64url').toString());
  } catch {
    return undefined;
  }
}

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
const render = (value, scope) => {
  if (typeof value === 'string') return value.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, p) => String(get(scope, p) ?? ''));
  if (Array.isArray(value)) return value.map((v) => render(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, scope)]));
  return value;
};

function evalCond(node, scope, path, out) {
  if (node.all || node.any) {
    const mode = node.all ? 'all' : 'any';
    const results = node[mode].map((c, i) => evalCond(c, scope, `${path}.${mode}[${i}]`, out));
    return mode === 'all' ? results.every(Boolean) : results.some(Boolean);
  }
  const actual = get(scope, node.field);
  const ops = {
    equals: () => String(actual) === String(node.value),
    notEquals: () => String(actual) !== String(node.value),
    contains: () => String(actual ?? '').includes(String(node.value)),
    startsWith: () => String(actual ?? '').startsWith(String(node.value)),
    in: () => (node.value ?? []).map(String).includes(String(actual)),
    isEmpty: () => actual == null || actual === '' || (Array.isArray(actual) && actual.length === 0),
    isNotEmpty: () => !(actual == null || actual === '' || (Array.isArray(actual) && actual.length === 0)),
    greaterThan: () => Number(actual) > Number(node.value),
    lessThan: () => Number(actual) < Number(node.value),
    matches: () => new RegExp(node.value).test(String(actual ?? '')),
    changed: () => true,
  };
  ops.notContains = () => !ops.contains();
  ops.notIn = () => !ops.in();
  ops.notMatches = () => !ops.matches();
  const passed = (ops[node.op] ?? (() => false))();
  out.push({ path, description: `${node.field} ${node.op} ${node.value ?? ''}`.trim(), passed });
  return passed;
}

function validateRule(def, t) {
  const errors = {};
  if (!def?.name) errors.name = ['Name is required.'];
  (def?.steps ?? []).forEach((s, i) => {
    if (!t.connections.has(s.connection)) errors[`steps[${i}].connection`] = ['Unknown connection.'];
    if (!String(s.path ?? '').startsWith('/')) errors[`steps[${i}].path`] = ['The path must start with /.'];
  });
  return Object.keys(errors).length ? problem(400, 'The rule is not valid', { errors }) : undefined;
}

function plan(def, event, t) {
  const scope = { ...event, issue: event.issue ?? event.payload?.issue };
  const eventType = event.eventType ?? event.payload?.eventType;
  const trig = def.trigger ?? {};
  const triggerMatched = trig.type !== 'event' || (trig.events ?? []).includes(eventType);
  const conditions = [];
  const condOk = def.conditions ? evalCond(def.conditions, scope, 'conditions', conditions) : true;
  const requests = (def.steps ?? []).map((s) => {
    const c = t.connections.get(s.connection);
    const headers = { ...(render(s.headers ?? {}, scope) ?? {}) };
    const url = new URL((c?.baseUrl ?? '').replace(/\/$/, '') + render(s.path, scope));
    for (const [k, v] of Object.entries(render(s.query ?? {}, scope))) url.searchParams.set(k, v);
    const secret = t.secrets.get(s.connection);
    const real = { ...headers };
    if (c?.auth?.type === 'bearer') {
      headers.Authorization = 'Bearer ••••••';
      real.Authorization = `Bearer ${secret}`;
    }
    if (c?.auth?.type === 'apiKey' && c.auth.in !== 'query') {
      headers[c.auth.name] = '••••••';
      real[c.auth.name] = secret;
    }
    if (c?.auth?.type === 'basic') {
      headers.Authorization = 'Basic ••••••';
      real.Authorization = `Basic ${Buffer.from(`${c.auth.username}:${secret}`).toString('base64')}`;
    }
    return { stepId: s.id, method: s.method, url: url.toString(), headers, body: render(s.body, scope), _real: real };
  });
  return { matched: triggerMatched && condOk, trigger: { matched: triggerMatched, reason: triggerMatched ? undefined : `event ${eventType} not selected` }, conditions, requests, errors: [] };
}

const publicRule = (r) => ({ id: r.id, name: r.definition.name, enabled: r.enabled, version: r.version, definition: r.definition, createdAt: r.createdAt, updatedAt: r.updatedAt });

async function execute(t, rule, event, source) {
  const p = plan(rule.definition, event, t);
  if (!p.matched) return;
  const started = Date.now();
  const steps = [];
  let status = 'succeeded';
  for (const r of p.requests) {
    const s0 = Date.now();
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    let statusCode = null;
    let bytesIn = 0;
    let errorCategory = null;
    try {
      const res = await fetch(r.url, { method: r.method, headers: { 'Content-Type': 'application/json', ...r._real }, body });
      statusCode = res.status;
      bytesIn = (await res.arrayBuffer()).byteLength;
      if (!res.ok) errorCategory = `http_${res.status}`;
    } catch {
      errorCategory = 'connect_failed';
    }
    if (errorCategory) status = 'failed';
    const step = rule.definition.steps.find((s) => s.id === r.stepId);
    steps.push({ id: r.stepId, type: 'http', connectionId: step.connection, method: r.method, host: new URL(r.url).host, statusCode, attempts: 1, bytesOut: body?.length ?? 0, bytesIn, durationMs: Date.now() - s0, errorCategory });
  }
  const issue = event.issue ?? event.payload?.issue ?? {};
  t.runs.unshift({ id: randomUUID(), ruleId: rule.id, ruleVersion: rule.version, source, eventType: event.eventType, issueId: issue.id, issueKey: issue.key, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, status, steps });
}

async function route(method, url, body, id) {
  const path = url.pathname;
  if (path === '/health') return { status: 200, body: { status: 'ok', mock: true } };
  if (method === 'POST' && path === '/dev/token') {
    const claims = { tenantId: body?.tenantId ?? 'dev-tenant', accountId: body?.accountId ?? 'dev-admin', cloudId: body?.cloudId ?? 'dev-cloud', exp: Math.floor(Date.now() / 1000) + 300 };
    return { status: 200, body: { token: `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.mock` } };
  }
  if (!id) return problem(401, 'Missing or invalid token');
  const t = tenant(id.tenantId);
  let m;
  if (method === 'POST' && path === '/forge/events') {
    for (const rule of t.rules.values()) if (rule.enabled) await execute(t, rule, body ?? {}, 'event');
    return { status: 202, body: {} };
  }
  if (path === '/api/me') return { status: 200, body: { accountId: id.accountId, isAdmin: !String(id.accountId).includes('viewer') } };

  if (path === '/api/connections' && method === 'GET') return { status: 200, body: { items: [...t.connections.values()] } };
  if (path === '/api/connections' && method === 'POST') {
    const c = { id: randomUUID(), name: body.name, baseUrl: body.baseUrl, auth: body.auth, secretSet: !!body.secret, createdAt: now(), updatedAt: now(), revision: 1 };
    if (body.secret) t.secrets.set(c.id, body.secret);
    t.connections.set(c.id, c);
    return { status: 201, body: c };
  }
  if ((m = path.match(/^\/api\/connections\/([^/]+)$/))) {
    const c = t.connections.get(m[1]);
    if (!c) return problem(404, 'Connection not found');
    if (method === 'GET') return { status: 200, body: c };
    if (method === 'PUT') {
      // As the backend: ?baseRevision=N (the revision the editor opened) refuses a connection saved since.
      const base = url.searchParams.get('baseRevision');
      if (base && Number(base) !== c.revision) {
        return problem(409, 'Conflict', {
          detail: `This connection was saved as revision ${c.revision} after revision ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`,
          reason: 'connection_changed',
          currentRevision: c.revision,
          errors: { baseRevision: [`is ${base}, but the connection is now at revision ${c.revision}: someone else saved it since`] },
        });
      }
      Object.assign(c, { name: body.name, baseUrl: body.baseUrl, auth: body.auth, updatedAt: now(), revision: c.revision + 1 });
      if (body.secret) {
        t.secrets.set(c.id, body.secret);
        c.secretSet = true;
      }
      return { status: 200, body: c };
    }
    if (method === 'DELETE') {
      const usedBy = [...t.rules.values()].filter((r) => r.definition.steps.some((s) => s.connection === c.id)).map((r) => ({ id: r.id, name: r.definition.name }));
      if (usedBy.length) return problem(409, 'The connection is used by rules', { detail: `Used by ${usedBy.length} rule(s).`, usedBy });
      t.connections.delete(c.id);
      t.secrets.delete(c.id);
      return { status: 204 };
    }
  }

  if (path === '/api/rules' && method === 'GET') {
    return {
      status: 200,
      body: {
        items: [...t.rules.values()].map((r) => {
          const last = t.runs.find((x) => x.ruleId === r.id);
          return { id: r.id, name: r.definition.name, enabled: r.enabled, version: r.version, updatedAt: r.updatedAt, lastRun: last ? { id: last.id, status: last.status, startedAt: last.startedAt } : null };
        }),
      },
    };
  }
  if (path === '/api/rules' && method === 'POST') {
    const invalid = validateRule(body, t);
    if (invalid) return invalid;
    const r = { id: randomUUID(), enabled: body.enabled ?? true, version: 1, definition: body, createdAt: now(), updatedAt: now() };
    t.rules.set(r.id, r);
    t.versions.set(r.id, [{ version: 1, definition: body, createdAt: now() }]);
    return { status: 201, body: publicRule(r) };
  }
  if (path === '/api/rules/dry-run' && method === 'POST') {
    const invalid = validateRule(body.rule, t);
    // As the backend names them: from the body's root (rule.steps[0].path).
    if (invalid) return problem(400, invalid.body.title, { errors: Object.fromEntries(Object.entries(invalid.body.errors).map(([k, v]) => [`rule.${k}`, v])) });
    const p = plan(body.rule, body.event ?? {}, t);
    p.requests = p.requests.map(({ _real, ...r }) => r);
    return { status: 200, body: p };
  }
  if ((m = path.match(/^\/api\/rules\/([^/]+)(\/.*)?$/))) {
    const r = t.rules.get(m[1]);
    if (!r) return problem(404, 'Rule not found');
    const rest = m[2] ?? '';
    const bump = (def) => {
      r.version += 1;
      r.definition = def;
      r.updatedAt = now();
      t.versions.get(r.id).push({ version: r.version, definition: def, createdAt: now() });
    };
    if (!rest && method === 'GET') return { status: 200, body: publicRule(r) };
    if (!rest && method === 'PUT') {
      // As the backend: ?baseVersion=N (the version the editor opened) refuses a rule saved since.
      const base = url.searchParams.get('baseVersion');
      if (base && Number(base) !== r.version) return problem(409, 'Conflict', { detail: `This rule was saved as version ${r.version} after version ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`, reason: 'rule_changed', currentVersion: r.version });
      const invalid = validateRule(body, t);
      if (invalid) return invalid;
      bump(body);
      r.enabled = body.enabled ?? r.enabled;
      return { status: 200, body: publicRule(r) };
    }
    if (!rest && method === 'DELETE') return t.rules.delete(r.id), { status: 204 };
    if (rest === '/enable' || rest === '/disable') return (r.enabled = rest === '/enable'), { status: 200, body: publicRule(r) };
    if (rest === '/versions') return { status: 200, body: { items: t.versions.get(r.id).map(({ version, createdAt }) => ({ version, createdAt })) } };
    let v;
    if ((v = rest.match(/^\/versions\/(\d+)(\/restore)?$/))) {
      const ver = t.versions.get(r.id).find((x) => x.version === Number(v[1]));
      if (!ver) return problem(404, 'Version not found');
      if (!v[2]) return { status: 200, body: ver };
      // As the backend: ?baseVersion=N (the version the history showed as current) refuses a rule saved since.
      const base = url.searchParams.get('baseVersion');
      if (base && Number(base) !== r.version) return problem(409, 'Conflict', { detail: `This rule was saved as version ${r.version} after version ${base} was opened here, so saving would replace that change unseen. Nothing was saved.`, reason: 'rule_changed', currentVersion: r.version });
      bump(ver.definition);
      return { status: 200, body: publicRule(r) };
    }
    if (rest === '/dry-run') {
      const p = plan(r.definition, body.event ?? {}, t);
      p.requests = p.requests.map(({ _real, ...x }) => x);
      return { status: 200, body: p };
    }
    if (rest === '/run') {
      await execute(t, r, { eventType: 'manual', issue: { key: body.issueKey } }, 'manual');
      return { status: 202, body: { runId: t.runs[0]?.id } };
    }
  }

  if (path === '/api/runs' && method === 'GET') {
    const q = url.searchParams;
    let items = t.runs.filter((r) => (!q.get('ruleId') || r.ruleId === q.get('ruleId')) && (!q.get('status') || r.status === q.get('status')));
    if (q.get('from')) items = items.filter((r) => r.startedAt >= q.get('from'));
    if (q.get('to')) items = items.filter((r) => r.startedAt <= q.get('to'));
    const start = Number(q.get('cursor') ?? 0);
    const limit = Number(q.get('limit') ?? 50);
    const page = items.slice(start, start + limit);
    return { status: 200, body: { items: page, nextCursor: start + limit < items.length ? String(start + limit) : null } };
  }
  if ((m = path.match(/^\/api\/runs\/([^/]+)$/))) {
    const run = t.runs.find((r) => r.id === m[1]);
    return run ? { status: 200, body: run } : problem(404, 'Run not found');
  }
  // By the issue's id, as the backend finds an issue's runs (the key in the path names it only).
  if ((m = path.match(/^\/api\/issues\/([^/]+)\/runs$/))) return { status: 200, body: { items: t.runs.filter((r) => r.issueId === url.searchParams.get('issueId')) } };

  if (path === '/api/support/grants' && method === 'GET') return { status: 200, body: { items: t.grants } };
  if (path === '/api/support/grants' && method === 'POST') {
    const g = { id: randomUUID(), hours: body.hours, reason: body.reason, createdAt: now(), expiresAt: new Date(Date.now() + body.hours * 3600_000).toISOString() };
    t.grants.unshift(g);
    return { status: 201, body: g };
  }
  if ((m = path.match(/^\/api\/support\/grants\/([^/]+)$/)) && method === 'DELETE') {
    const g = t.grants.find((x) => x.id === m[1]);
    if (g) g.revokedAt = now();
    return { status: 204 };
  }
  if (path === '/api/support/audit') return { status: 200, body: { items: t.audit } };

  if (path === '/api/webhooks' && method === 'GET') return { status: 200, body: { items: [...t.webhooks.values()] } };
  if (path === '/api/webhooks' && method === 'POST') {
    const w = { id: randomUUID(), name: body.name, createdAt: now() };
    t.webhooks.set(w.id, w);
    return { status: 201, body: { ...w, secret: `whsec_${randomUUID().replace(/-/g, '')}` } };
  }
  if ((m = path.match(/^\/api\/webhooks\/([^/]+)$/)) && method === 'DELETE') return t.webhooks.delete(m[1]), { status: 204 };

  return problem(404, 'Not found', { detail: `${method} ${path}` });
}

createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const url = new URL(req.url, `http://${req.headers.host}`);
  const out = await route(req.method, url, body, identityOf(req)).catch((e) => problem(500, 'Mock failure', { detail: String(e) }));
  res.writeHead(out.status, out.body === undefined ? {} : { 'Content-Type': 'application/json' });
  res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
}).listen(PORT, '127.0.0.1', () => console.log(`mock backend on http://127.0.0.1:${PORT}`));

const received = [];
createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  if (req.method === 'GET' && req.url === '/__received') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(received));
  }
  received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{"ok":true}');
}).listen(THIRD_PARTY_PORT, '127.0.0.1', () => console.log(`mock third party on http://127.0.0.1:${THIRD_PARTY_PORT}`));
