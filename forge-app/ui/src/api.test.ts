import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, normalizeErrorPath, query, setTransport, toApiError, type Transport } from './api';

let restore: Transport | undefined;
afterEach(() => {
  if (restore) setTransport(restore);
});
const use = (t: Transport) => (restore = setTransport(t));

describe('api error mapping', () => {
  it('normalises backend error keys to editor paths', () => {
    expect(normalizeErrorPath('steps[0].path')).toBe('steps[0].path');
    expect(normalizeErrorPath('$.steps[0].path')).toBe('steps[0].path');
    expect(normalizeErrorPath('Steps[0].Path')).toBe('steps[0].path');
    expect(normalizeErrorPath('rule.trigger.events')).toBe('trigger.events');
    expect(normalizeErrorPath('$')).toBe('');
    // Data after a property name (a header, a Jira field named by its name) is kept as written.
    expect(normalizeErrorPath('steps[0].headers.X-Summary')).toBe('steps[0].headers.X-Summary');
    expect(normalizeErrorPath('steps[1].fields.Story Points')).toBe('steps[1].fields.Story Points');
  });

  it('turns ProblemDetails into ApiError with field errors, usedBy and titles', () => {
    const e = toApiError(400, {
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'Validation failed',
      status: 400,
      errors: { 'steps[0].path': ['Path must start with /'], 'Steps[0].Path': ['second'] },
    });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.title).toBe('Validation failed');
    expect(e.fieldErrors).toEqual({ 'steps[0].path': ['Path must start with /', 'second'] });

    const conflict = toApiError(409, { title: 'In use', detail: 'Used by 2 rules', usedBy: [{ id: 'r1', name: 'A' }] });
    expect(conflict.usedBy).toEqual([{ id: 'r1', name: 'A' }]);
    expect(conflict.message).toBe('In use: Used by 2 rules');
  });

  it('gives sensible titles when the body is empty or not JSON', () => {
    expect(toApiError(403, undefined).title).toMatch(/administrators/);
    expect(toApiError(403, undefined).isForbidden).toBe(true);
    expect(toApiError(404, 'nope').isNotFound).toBe(true);
    expect(toApiError(503, '').title).toBe('BluBees had a problem');
    expect(toApiError(400, '{"title":"From text"}').title).toBe('From text');
  });
});

describe('api calls', () => {
  it('sends method, path and JSON body through the transport and unwraps items', async () => {
    const t = vi.fn<Transport>(async () => ({ status: 200, headers: {}, body: { items: [{ id: 'c1' }] } }));
    use(t);
    expect(await api.listConnections()).toEqual([{ id: 'c1' }]);
    expect(t).toHaveBeenCalledWith({ path: '/api/connections', method: 'GET' });

    t.mockResolvedValueOnce({ status: 201, headers: {}, body: { id: 'c2' } });
    await api.createConnection({ name: 'n', baseUrl: 'https://x', auth: { type: 'bearer' }, secret: 's' });
    expect(t).toHaveBeenLastCalledWith({
      path: '/api/connections',
      method: 'POST',
      body: { name: 'n', baseUrl: 'https://x', auth: { type: 'bearer' }, secret: 's' },
      headers: { 'Content-Type': 'application/json' },
    });
  });

  it('encodes ids and builds run filters', async () => {
    const t = vi.fn<Transport>(async () => ({ status: 200, headers: {}, body: { items: [], nextCursor: 'n2' } }));
    use(t);
    const page = await api.listRuns({ ruleId: 'r 1', status: '', from: '2024-01-01T00:00:00.000Z', limit: 25 });
    expect(page.nextCursor).toBe('n2');
    expect((t.mock.calls[0] as unknown[])[0]).toMatchObject({ path: '/api/runs?ruleId=r+1&from=2024-01-01T00%3A00%3A00.000Z&limit=25' });
    await api.getRule('a/b');
    expect((t.mock.calls[1] as unknown[])[0]).toMatchObject({ path: '/api/rules/a%2Fb' });
    expect(query({})).toBe('');
  });

  it('throws ApiError for non-2xx answers and for transport failures', async () => {
    use(async () => ({ status: 409, headers: {}, body: { title: 'Conflict', usedBy: [{ id: 'r', name: 'R' }] } }));
    await expect(api.deleteConnection('c')).rejects.toMatchObject({ status: 409, usedBy: [{ id: 'r', name: 'R' }] });
    use(async () => {
      throw new Error('network down');
    });
    await expect(api.me()).rejects.toMatchObject({ status: 0 });
  });

  it('parses JSON text bodies', async () => {
    use(async () => ({ status: 200, body: '{"accountId":"a","isAdmin":true}' }));
    expect(await api.me()).toEqual({ accountId: 'a', isAdmin: true });
  });
});
