// An in-memory transport for component tests: routes requests to handlers and records them.
import { setTransport, type HttpMethod, type RemoteResponse, type Transport } from '../api';

export interface Recorded {
  method: HttpMethod;
  path: string;
  body?: unknown;
}
type Handler = (req: Recorded, match: RegExpMatchArray) => RemoteResponse | Promise<RemoteResponse> | unknown;

export function fakeBackend() {
  const routes: { method: HttpMethod; pattern: RegExp; handler: Handler }[] = [];
  const calls: Recorded[] = [];
  const transport: Transport = async ({ path, method, body }) => {
    const req = { method, path, body };
    calls.push(req);
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = path.match(r.pattern);
      if (m) {
        const out = await r.handler(req, m);
        if (out && typeof out === 'object' && 'status' in (out as object) && typeof (out as RemoteResponse).status === 'number') return out as RemoteResponse;
        return { status: 200, headers: {}, body: out };
      }
    }
    return { status: 404, headers: {}, body: { title: 'Not found', status: 404, detail: `${method} ${path}` } };
  };
  setTransport(transport);
  const on = (method: HttpMethod, pattern: RegExp | string, handler: Handler) => {
    routes.unshift({ method, pattern: typeof pattern === 'string' ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\?.*)?$`) : pattern, handler });
    return api;
  };
  const api = { on, calls, callsTo: (method: HttpMethod, path: string) => calls.filter((c) => c.method === method && c.path.startsWith(path)) };
  return api;
}
