// Web trigger forwarder: the only Forge function of the app.
// Third parties call the web trigger URL; we forward the raw request (never parsed, never logged)
// to the backend, which checks the HMAC signature and runs the matching rules.
// The backend's answer is mapped back to a web trigger response.

export const REMOTE_KEY = 'backend';
export const WEBHOOK_PATH = '/forge/webhook';
export const SIGNATURE_HEADER = 'x-blubees-signature';
export const TIMESTAMP_HEADER = 'x-blubees-timestamp';

// Statuses a third-party sender can act on; any other 4xx or 5xx becomes 502 (403 passes only as the signature
// refusal, SIGNATURE_REFUSAL), any other 2xx 202. Not 401: the backend
// answers it only when it refuses Forge's invocation token (a signature it refuses is a 403), which is the app's
// fault and passing it on would tell the sender its request was unauthorized (no retry) and name our internals.
const PASS_THROUGH = new Set([200, 201, 202, 204, 400, 403, 404, 409, 410, 413, 415, 422, 429]);
const MAX_ECHOED_BODY = 4096;
// The backend's refusal of a delivery (bad signature, stale timestamp; the identical delivery again is a 2xx duplicate): the only 403 that is the sender's. Its
// other 403s refuse Forge's invocation token (a token of another module, or one naming a user on this route): the
// app's fault, like a 401. The text is pinned by the backend's WebhookDeliveryTests (Refusal).
export const SIGNATURE_REFUSAL = 'The webhook signature or timestamp is invalid.';
// The backend's 404 for a hook id that does not exist (deleted, or never created): the only 404 that is the sender's.
// Any other 404 is a route the backend does not have (a backend of another version): the app's side, retried. The
// text is pinned by the backend's WebhookDeliveryTests (UnknownHook).
export const UNKNOWN_HOOK = /^Webhook '[^']*' does not exist\.$/;
// The backend reads at most this many bytes of the forwarded envelope (ForgeEndpoints.MaxInvokeBytes, docs/api.md 413:
// forwarded webhooks 512 KiB) and answers 413 past it. A web trigger takes up to 5 MB, so a larger delivery is refused
// here, without sending megabytes to the backend only to be refused there.
export const MAX_FORWARDED_BYTES = 512 * 1024;

/** First value of a header, looked up case-insensitively (web trigger headers are `{name: [values]}`). */
export function header(headers, name) {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) {
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}

/**
 * The hook id travels as `?hook=<id>` (or `?hookId=`), else as the last path segment the caller added after the web
 * trigger's URL. `path` is the whole request path, `/x1/<web trigger id>[/…]` (Atlassian's web trigger reference), so
 * its own segments are never a hook id: `userPath` (the segments after the trigger id) is read when the runtime sends
 * it, else what follows the first two segments of `path`.
 */
export function hookIdOf(request) {
  const q = request.queryParameters ?? {};
  const fromQuery = (q.hook ?? q.hookId ?? [])[0];
  if (fromQuery) return fromQuery;
  const segments =
    typeof request.userPath === 'string'
      ? request.userPath.split('/').filter(Boolean)
      : String(request.path ?? '').split('/').filter(Boolean).slice(2);
  const last = segments[segments.length - 1];
  return last && /^[A-Za-z0-9_-]{6,128}$/.test(last) ? last : undefined;
}

/**
 * @typedef {{ statusCode: number, headers: Record<string, string[]>, body: string }} WebTriggerResponse
 * @param {number} statusCode
 * @param {unknown} value
 * @param {Record<string, string[]>} [extraHeaders]
 * @returns {WebTriggerResponse}
 */
function json(statusCode, value, extraHeaders = {}) {
  return {
    statusCode,
    headers: { 'Content-Type': ['application/json'], ...extraHeaders },
    body: JSON.stringify(value),
  };
}

/**
 * Builds the handler around an injected `invokeRemote(remoteKey, options)` so it can be unit-tested
 * without the Forge runtime.
 */
export function createHandler(invokeRemote) {
  /** @returns {Promise<WebTriggerResponse>} */
  return async function handle(request) {
    if (String(request?.method ?? '').toUpperCase() !== 'POST') {
      return json(405, { error: 'method_not_allowed' }, { Allow: ['POST'] });
    }
    const hookId = hookIdOf(request);
    if (!hookId) {
      return json(400, { error: 'missing_hook_id' });
    }
    const forwarded = {
      hookId,
      signature: header(request.headers, SIGNATURE_HEADER) ?? null,
      timestamp: header(request.headers, TIMESTAMP_HEADER) ?? null,
      contentType: header(request.headers, 'content-type') ?? null,
      body: typeof request.body === 'string' ? request.body : '',
    };

    const envelope = JSON.stringify(forwarded);
    if (Buffer.byteLength(envelope, 'utf8') > MAX_FORWARDED_BYTES) {
      return json(413, { error: 'payload_too_large' });
    }

    let response;
    try {
      response = await invokeRemote(REMOTE_KEY, {
        path: WEBHOOK_PATH,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: envelope,
      });
    } catch {
      // The sender should retry later; say nothing about our internals.
      return json(502, { error: 'backend_unavailable' });
    }

    const status = Number(response?.status) || 502;
    const text = await readText(response);
    /** @type {Record<string, string[]>} */
    const extra = {};
    const retryAfter = response?.headers?.get?.('retry-after');
    if (retryAfter && (status === 429 || status === 503)) extra['Retry-After'] = [retryAfter];

    // Only a 2xx means the backend took the delivery: anything below 200 or a 3xx (a redirect not followed) did not
    // process it, so the sender must retry rather than be told "accepted".
    const echoed = echoable(text);
    // A 403 other than the signature refusal is the backend refusing our invocation token: passing it on would tell
    // the sender its delivery was refused (most stop retrying: it is lost) and show it our internals.
    const refusedToken = status === 403 && echoed?.detail !== SIGNATURE_REFUSAL;
    // Likewise a 404 that is not about the hook: told "not found" a sender stops delivering to a hook that exists.
    const missingRoute = status === 404 && !UNKNOWN_HOOK.test(typeof echoed?.detail === 'string' ? echoed.detail : '');
    // A 4xx outside PASS_THROUGH is none the sender can cause (it sets only the hook id, the signature headers and the
    // body, all answered by the statuses listed): a 405 or an unknown route (a backend of another version), a 408 (the
    // forwarded body arrived too slowly), a 431 (Forge's headers). Told 400 the sender drops the delivery; 502 retries.
    const ours = status >= 400 && status < 500 && !PASS_THROUGH.has(status);
    if (status >= 500 || status === 401 || refusedToken || missingRoute || ours || status < 200 || (status >= 300 && status < 400)) {
      return json(status === 503 ? 503 : 502, { error: 'backend_error' }, extra);
    }
    const mapped = PASS_THROUGH.has(status) ? status : 202;
    if (mapped === 204) return { statusCode: 204, headers: extra, body: '' };
    return json(mapped, echoed ?? { status: mapped }, extra);
  };
}

async function readText(response) {
  try {
    return typeof response?.text === 'function' ? await response.text() : '';
  } catch {
    return '';
  }
}

/** Echo the backend's JSON answer only when it is small and well-formed. */
function echoable(text) {
  if (!text || text.length > MAX_ECHOED_BODY) return undefined;
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

// @forge/api is loaded lazily so unit tests (and tooling) never need the Forge runtime.
export const handler = createHandler(async (remoteKey, options) => {
  const { invokeRemote } = await import('@forge/api');
  return invokeRemote(remoteKey, options);
});
