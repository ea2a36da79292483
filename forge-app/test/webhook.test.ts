// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { createHandler, handler, header, hookIdOf, MAX_FORWARDED_BYTES, REMOTE_KEY, WEBHOOK_PATH } from '../src/webhook.js';

function response(status: number, body: unknown = '', headers: Record<string, string> = {}) {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

const request = (overrides: Record<string, unknown> = {}) => ({
  method: 'POST',
  path: '/',
  body: '{"hello":"world","n":1}',
  headers: {
    'content-type': ['application/json'],
    'x-blubees-signature': ['sha256=abc123'],
    'x-blubees-timestamp': ['1700000000'],
  },
  queryParameters: { hook: ['hook_123456'] },
  ...overrides,
});

describe('web trigger forwarder', () => {
  it('forwards hook id, signature, timestamp and the raw body to /forge/webhook on the backend remote', async () => {
    const invoke = vi.fn().mockResolvedValue(response(202, { accepted: true }));
    const out = await createHandler(invoke)(request());
    expect(invoke).toHaveBeenCalledTimes(1);
    const [remote, options] = invoke.mock.calls[0];
    expect(remote).toBe(REMOTE_KEY);
    expect(options.path).toBe(WEBHOOK_PATH);
    expect(options.method).toBe('POST');
    expect(options.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(options.body)).toEqual({
      hookId: 'hook_123456',
      signature: 'sha256=abc123',
      timestamp: '1700000000',
      contentType: 'application/json',
      body: '{"hello":"world","n":1}',
    });
    expect(out.statusCode).toBe(202);
    expect(out.headers['Content-Type']).toEqual(['application/json']);
    expect(JSON.parse(out.body)).toEqual({ accepted: true });
  });

  it('keeps the body byte-for-byte (the signature covers the raw text)', async () => {
    const invoke = vi.fn().mockResolvedValue(response(200, {}));
    const raw = '{ "spaced" :  true,\n"unicode":"é✓" }';
    await createHandler(invoke)(request({ body: raw }));
    expect(JSON.parse(invoke.mock.calls[0][1].body).body).toBe(raw);
  });

  it('reads headers case-insensitively and takes the hook id from the path when no query is given', async () => {
    const invoke = vi.fn().mockResolvedValue(response(202));
    await createHandler(invoke)(
      request({
        headers: { 'X-BluBees-Signature': ['s'], 'X-BLUBEES-TIMESTAMP': ['t'] },
        queryParameters: {},
        path: '/x1/XUBR5WnG2Hk2V52APDdGaRSDm/hook_abcdef',
        userPath: '/hook_abcdef',
      }),
    );
    const sent = JSON.parse(invoke.mock.calls[0][1].body);
    expect(sent).toMatchObject({ hookId: 'hook_abcdef', signature: 's', timestamp: 't' });
  });

  it('sends null for missing signature headers and lets the backend reject', async () => {
    const refusal = { title: 'Forbidden', detail: 'The webhook signature or timestamp is invalid.' };
    const invoke = vi.fn().mockResolvedValue(response(403, refusal));
    const out = await createHandler(invoke)(request({ headers: {} }));
    expect(JSON.parse(invoke.mock.calls[0][1].body)).toMatchObject({ signature: null, timestamp: null });
    expect(out.statusCode).toBe(403);
    expect(JSON.parse(out.body)).toEqual(refusal);
  });

  it("answers the backend's 401 (Forge's invocation token refused: the app's fault, not the sender's) as a retryable 502 without its detail", async () => {
    // The backend's 401 is only ever a refused Forge Invocation Token (docs/api.md); a signature it refuses is a 403.
    const detail = 'A Forge Invocation Token is required in the Authorization header (Bearer).';
    const out = await createHandler(vi.fn().mockResolvedValue(response(401, { title: 'Unauthorized', detail })))(request());
    expect(out.statusCode).toBe(502);
    expect(out.body).not.toContain('Forge Invocation Token');
    expect(JSON.parse(out.body)).toEqual({ error: 'backend_error' });
  });

  it.each([
    ['a token of another module', 'This route accepts only Forge Invocation Tokens of its own manifest module (app.module.key).'],
    ['a token naming a user', 'This route is called by Forge for the app, never on behalf of a user; tokens naming a user are refused.'],
    ['a 403 without a body', undefined],
  ])(
    "answers the backend's 403 refusing Forge's invocation token (%s: the app's fault) as a retryable 502 without its detail",
    async (_what, detail) => {
      // The backend's 403s on /forge/webhook other than its signature refusal come from its token check (ForgeAuthenticationHandler).
      const out = await createHandler(vi.fn().mockResolvedValue(response(403, detail ? { title: 'Forbidden', detail } : '')))(request());
      expect(out.statusCode).toBe(502);
      expect(out.body).not.toContain('Forge');
      expect(JSON.parse(out.body)).toEqual({ error: 'backend_error' });
    },
  );

  it("never takes the web trigger's own id (path /x1/<trigger id>) for a hook id", async () => {
    // Atlassian's web trigger reference: `path` is the whole request path, `/x1/<web trigger id>` in its example;
    // `userPath` holds what the caller added after the trigger id. A bare trigger URL names no hook.
    const invoke = vi.fn();
    const h = createHandler(invoke);
    const bare = await h(request({ queryParameters: {}, path: '/x1/XUBR5WnG2Hk2V52APDdGaRSDm', userPath: '' }));
    const oldRuntime = await h(request({ queryParameters: {}, path: '/x1/XUBR5WnG2Hk2V52APDdGaRSDm' }));
    expect(bare.statusCode).toBe(400);
    expect(oldRuntime.statusCode).toBe(400);
    expect(invoke).not.toHaveBeenCalled();
    expect(hookIdOf({ path: '/x1/XUBR5WnG2Hk2V52APDdGaRSDm/hook_abcdef' })).toBe('hook_abcdef');
    expect(hookIdOf({ path: '/x1/XUBR5WnG2Hk2V52APDdGaRSDm', userPath: 'hook_abcdef' })).toBe('hook_abcdef');
  });

  it('refuses a delivery larger than the backend reads (512 KiB forwarded) with 413, without calling the backend', async () => {
    const invoke = vi.fn().mockResolvedValue(response(202, { status: 'accepted' }));
    const h = createHandler(invoke);
    // Escaped in the forwarded JSON: 300 000 quotes are 600 000 bytes there, more than the backend's 524 288.
    const tooBig = await h(request({ body: '"'.repeat(300_000) }));
    expect(tooBig.statusCode).toBe(413);
    expect(JSON.parse(tooBig.body)).toEqual({ error: 'payload_too_large' });
    const huge = await h(request({ body: 'x'.repeat(4 * 1024 * 1024) }));
    expect(huge.statusCode).toBe(413);
    expect(invoke).not.toHaveBeenCalled();
    // Just under the limit is forwarded.
    const fits = await h(request({ body: 'x'.repeat(MAX_FORWARDED_BYTES - 200) }));
    expect(fits.statusCode).toBe(202);
    expect(Buffer.byteLength(invoke.mock.calls[0][1].body, 'utf8')).toBeLessThanOrEqual(MAX_FORWARDED_BYTES);
  });

  it('rejects non-POST and requests without a hook id without calling the backend', async () => {
    const invoke = vi.fn();
    const h = createHandler(invoke);
    expect((await h(request({ method: 'GET' }))).statusCode).toBe(405);
    expect((await h(request({ queryParameters: {}, path: '/' }))).statusCode).toBe(400);
    expect(invoke).not.toHaveBeenCalled();
  });

  it("passes the backend's 404 for a hook that does not exist to the sender, and answers any other 404 as a retryable 502", async () => {
    const missing = { title: 'Not found', status: 404, detail: "Webhook 'whk_gone' does not exist." };
    const gone = await createHandler(vi.fn().mockResolvedValue(response(404, missing)))(request());
    expect(gone.statusCode).toBe(404);
    expect(JSON.parse(gone.body)).toEqual(missing);
    // A route the backend does not have (a backend of another version): not the sender's fault, and not to be dropped.
    const route = { title: 'Not found', status: 404, detail: 'There is no such route.' };
    const noRoute = await createHandler(vi.fn().mockResolvedValue(response(404, route)))(request());
    expect(noRoute.statusCode).toBe(502);
    expect(JSON.parse(noRoute.body)).toEqual({ error: 'backend_error' });
    const bare = await createHandler(vi.fn().mockResolvedValue(response(404, '')))(request());
    expect(bare.statusCode).toBe(502);
  });

  it.each([
    [409, 409],
    [413, 413],
    [400, 400],
    [422, 422],
    [429, 429],
    [500, 502],
    [502, 502],
    [503, 503],
  ])('maps backend status %i to web trigger status %i', async (backend, expected) => {
    const invoke = vi.fn().mockResolvedValue(response(backend, { title: 'x' }));
    const out = await createHandler(invoke)(request());
    expect(out.statusCode).toBe(expected);
  });

  it.each([
    [405, { title: 'Method not allowed', detail: 'The route does not accept this method; see the Allow header for those it does.' }],
    [408, { title: 'Error', detail: 'The request could not be served.' }],
    [418, { title: 'x' }],
    [431, { title: 'Error', detail: 'The request could not be served.' }],
  ])(
    "answers a backend %i (no status the sender's request can cause: the app's side) as a retryable 502 without its body, not a 400 the sender drops",
    async (backend, body) => {
      const out = await createHandler(vi.fn().mockResolvedValue(response(backend, body)))(request());
      expect(out.statusCode).toBe(502);
      expect(JSON.parse(out.body)).toEqual({ error: 'backend_error' });
    },
  );

  it.each([301, 302, 307, 308, 304])(
    'answers a backend %i (the delivery was not processed) as a retryable 502, never as 202 accepted',
    async (backend) => {
      const out = await createHandler(vi.fn().mockResolvedValue(response(backend, '', { location: 'http://10.0.0.1/x' })))(request());
      expect(out.statusCode).toBe(502);
      expect(out.body).not.toContain('10.0.0.1');
    },
  );

  it('never echoes backend error details on 5xx, and passes Retry-After on 429', async () => {
    const h = createHandler(vi.fn().mockResolvedValue(response(500, { title: 'Internal', detail: 'stack trace here' })));
    const out = await h(request());
    expect(out.body).not.toContain('stack trace');
    const limited = await createHandler(vi.fn().mockResolvedValue(response(429, { title: 'slow down' }, { 'retry-after': '30' })))(request());
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['Retry-After']).toEqual(['30']);
  });

  it('answers 502 when the backend cannot be reached', async () => {
    const out = await createHandler(vi.fn().mockRejectedValue(new Error('ECONNREFUSED 10.0.0.1')))(request());
    expect(out.statusCode).toBe(502);
    expect(out.body).not.toContain('ECONNREFUSED');
  });

  it('replaces oversized or non-JSON backend answers with a small status body', async () => {
    const big = await createHandler(vi.fn().mockResolvedValue(response(202, 'x'.repeat(10_000))))(request());
    expect(JSON.parse(big.body)).toEqual({ status: 202 });
    const empty = await createHandler(vi.fn().mockResolvedValue(response(204)))(request());
    expect(empty.statusCode).toBe(204);
    expect(empty.body).toBe('');
  });

  it('helpers: header() and hookIdOf()', () => {
    expect(header({ A: ['1', '2'] }, 'a')).toBe('1');
    expect(header(undefined, 'a')).toBeUndefined();
    expect(hookIdOf({ queryParameters: { hookId: ['h1'] } })).toBe('h1');
    expect(hookIdOf({ path: '/../' })).toBeUndefined();
  });

  it('exports a Forge handler bound to the real invokeRemote', () => {
    expect(typeof handler).toBe('function');
  });
});
