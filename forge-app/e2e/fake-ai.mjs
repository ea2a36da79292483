// A loopback AI provider for the e2e (e2e/run.mjs): it speaks OpenAI's chat-completions wire format, the one the
// backend's `openai` connections use (src/BluBees.Engine/Steps/Ai/ChatClientFactory.cs: the OpenAI SDK posts to
// {baseUrl}/chat/completions), so the AI rule built in the browser can run for real.
//   Request:  https://platform.openai.com/docs/api-reference/chat/create
//   Response: https://platform.openai.com/docs/api-reference/chat/object
//   Errors:   https://platform.openai.com/docs/guides/error-codes ({"error": {message, type, param, code}})
// Like the provider, it refuses a request without the connection's key (`Authorization: Bearer <key>`): a
// classification therefore proves the backend sent the credential. It keeps what it received, in memory, for the
// test's assertions; it never echoes the key.
import { createServer } from 'node:http';

/**
 * Starts the provider on 127.0.0.1 (a free port).
 * @param {{ key: string, answer: (request: Record<string, any>) => Record<string, unknown>, inputTokens?: number, outputTokens?: number }} options
 *   `answer` gives the structured JSON the model "returns" (as choices[0].message.content) for a parsed request body.
 */
export async function startFakeAi({ key, answer, inputTokens = 57, outputTokens = 6 }) {
  /** @type {{ method: string, path: string, authorized: boolean, contentType: string, body: any, raw: string, problem?: string }[]} */
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry = { method: req.method, path: req.url, authorized: req.headers.authorization === `Bearer ${key}`, contentType: String(req.headers['content-type'] ?? ''), body: undefined, raw };
      received.push(entry);
      const reply = (status, body) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const fail = (status, type, code, message) => {
        entry.problem = message;
        reply(status, { error: { message, type, param: null, code } });
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return fail(404, 'invalid_request_error', null, `Invalid URL (${req.method} ${req.url})`);
      if (!entry.authorized) return fail(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.');
      try {
        entry.body = JSON.parse(raw);
      } catch {
        return fail(400, 'invalid_request_error', null, 'We could not parse the JSON body of your request.');
      }
      if (!entry.contentType.startsWith('application/json')) return fail(400, 'invalid_request_error', null, 'Content-Type must be application/json.');
      if (typeof entry.body.model !== 'string' || !Array.isArray(entry.body.messages) || entry.body.messages.length === 0) {
        return fail(400, 'invalid_request_error', null, "'model' and 'messages' are required.");
      }
      if (entry.body.stream === true) return fail(400, 'invalid_request_error', null, 'This provider answers non-streaming requests only.');
      reply(200, {
        id: `chatcmpl-e2e${received.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: `${entry.body.model}-2024-07-18`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: JSON.stringify(answer(entry.body)), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
        service_tier: 'default',
        system_fingerprint: 'fp_e2e',
      });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    /** The connection's base URL, as OpenAI documents it (https://api.openai.com/v1). */
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The backend's HTTP client keeps its connection alive: close it too, or close() waits for its idle timeout.
        server.closeAllConnections();
      }),
  };
}

/** The text of a chat request's messages of one role (content as a string or as OpenAI's content parts). */
export function messageText(body, role) {
  return (body?.messages ?? [])
    .filter((m) => m.role === role)
    .map((m) => (typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join('')))
    .join('\n');
}

/** The enum the request's structured-output schema gives for `property` (response_format json_schema), or undefined. */
export function schemaChoices(body, property) {
  const format = body?.response_format;
  if (format?.type !== 'json_schema') return undefined;
  return format.json_schema?.schema?.properties?.[property]?.enum;
}
