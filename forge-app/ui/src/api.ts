// The one module that knows the backend's HTTP contract. Everything goes through
// @forge/bridge's invokeRemote (replaced by the dev stand-in outside Jira).
import { invokeRemote } from '@forge/bridge';
import type { components } from './generated/api-types';

/** The backend's own types, generated from docs/openapi.json (`node scripts/generate-api-types.mjs`). */
type Schemas = components['schemas'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RemoteResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}
export type Transport = (input: {
  path: string;
  method: HttpMethod;
  headers?: Record<string, string>;
  body?: unknown;
}) => Promise<RemoteResponse>;

let transport: Transport = (input) => invokeRemote(input) as Promise<RemoteResponse>;

/** Replace the transport (tests). Returns the previous one. */
export function setTransport(next: Transport): Transport {
  const previous = transport;
  transport = next;
  return previous;
}

// ---------- errors ----------

export interface UsedBy {
  id: string;
  name: string;
}
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
  usedBy?: UsedBy[];
  [extra: string]: unknown;
}

const DEFAULT_TITLES: Record<number, string> = {
  0: 'Could not reach BluBees',
  400: 'The request was not valid',
  401: 'Your session has expired: reload the page',
  403: 'Only Jira administrators can do this',
  404: 'Not found',
  409: 'This conflicts with the current state',
  413: 'The request is too large',
  422: 'The request was not valid',
  429: 'Too many requests: try again in a moment',
};

/**
 * Normalises an error key from the backend into the editor's JSON path form (`steps[0].path`). The backend names
 * fields as the rule writes them, and a segment after a property name can be data: a header (`headers.X-Trace`), a Jira
 * field (`fields.Story Points`), kept as written so the row with that name finds its error.
 */
export function normalizeErrorPath(key: string): string {
  let path = key.trim();
  path = path.replace(/^\$\.?/, '');
  path = path.replace(/^(rule|definition)\./i, '');
  if (!/^[A-Z]/.test(path)) return path;
  // A .NET-cased path (ASP.NET may report "Steps[0].Path"): camelCase each segment.
  return path
    .split('.')
    .map((segment) => (segment ? segment[0].toLowerCase() + segment.slice(1) : segment))
    .join('.');
}

/**
 * Seconds to wait from a `Retry-After` header (RFC 9110 §10.2.3: delay-seconds or an HTTP date), found ignoring the
 * header name's case (the real bridge and the dev stand-in name headers differently; a value may be a list).
 */
export function retryAfterSeconds(headers: RemoteResponse['headers'], now = Date.now()): number | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const value = (Array.isArray(entry) ? entry[0] : entry)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** "Try again in 30 seconds." for an answer that says when (or, for 429/503, that it is worth trying again). */
function retryHint(status: number, seconds: number | undefined, detail: string | undefined): string | undefined {
  if (seconds !== undefined) {
    if (seconds <= 1) return 'Try again in a moment.';
    if (seconds < 120) return `Try again in ${seconds} seconds.`;
    return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
  }
  // The backend's own detail may already say so ("…; try again shortly.").
  return (status === 429 || status === 503) && !/try again/i.test(detail ?? '') ? 'Try again in a moment.' : undefined;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;
  readonly fieldErrors: Record<string, string[]>;
  /** From the answer's `Retry-After` (429, 503): how long to wait before trying again. */
  readonly retryAfterSeconds?: number;
  /** What to do about a refusal that passes: "Try again in 30 seconds." (429 and 503, or any answer with Retry-After). */
  readonly retryHint?: string;

  constructor(status: number, problem: ProblemDetails, retryAfter?: number) {
    // A 401 is the user's Forge session (its invocation token) no longer being accepted: the backend's title is the
    // reason phrase ('Unauthorized'), which does not say what to do, so the UI's own title (reload) replaces it.
    const title =
      (status === 401 ? DEFAULT_TITLES[401] : problem.title) || DEFAULT_TITLES[status] || (status >= 500 ? 'BluBees had a problem' : `Request failed (${status})`);
    const hint = retryHint(status, retryAfter, problem.detail);
    const text = problem.detail ? `${title}: ${problem.detail}` : title;
    super(hint ? `${text}${/[.!?]$/.test(text) ? '' : '.'} ${hint}` : text);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfterSeconds = retryAfter;
    this.retryHint = hint;
    this.problem = { ...problem, title };
    const fieldErrors: Record<string, string[]> = {};
    for (const [key, messages] of Object.entries(problem.errors ?? {})) {
      const list = Array.isArray(messages) ? messages.map(String) : [String(messages)];
      const path = normalizeErrorPath(key);
      fieldErrors[path] = [...(fieldErrors[path] ?? []), ...list];
    }
    this.fieldErrors = fieldErrors;
  }

  get title(): string {
    return this.problem.title ?? this.message;
  }
  get detail(): string | undefined {
    return this.problem.detail;
  }
  get usedBy(): UsedBy[] {
    return Array.isArray(this.problem.usedBy) ? this.problem.usedBy : [];
  }
  get isForbidden(): boolean {
    return this.status === 403;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export function toApiError(status: number, body: unknown, headers?: RemoteResponse['headers']): ApiError {
  const retryAfter = retryAfterSeconds(headers);
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return new ApiError(status, body as ProblemDetails, retryAfter);
  }
  if (typeof body === 'string' && body.trim()) {
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed === 'object') return new ApiError(status, parsed as ProblemDetails, retryAfter);
    } catch {
      // not JSON: fall through
    }
  }
  return new ApiError(status, {}, retryAfter);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

// ---------- plumbing ----------

/**
 * How long a call may take before the UI stops waiting: Forge gives a UI module's remote call 25 s
 * (https://developer.atlassian.com/platform/forge/forge-remote-invocation-contract, "Timeout"), so an answer later than
 * this is not coming. Without it a transport that never settles (the dev stand-in's fetch to a backend that hangs; a
 * lost bridge message) left the button spinning and the form locked for good.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

class Timeout extends Error {}

async function call<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
  let response: RemoteResponse;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    response = await Promise.race([
      transport({
        path,
        method,
        ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Timeout()), REQUEST_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    if (e instanceof Timeout) {
      // A change sent may still have been made: say so, so it is checked before being sent again.
      const detail =
        method === 'GET'
          ? `BluBees did not answer within ${REQUEST_TIMEOUT_MS / 1000} seconds. Try again.`
          : `BluBees did not answer within ${REQUEST_TIMEOUT_MS / 1000} seconds, so the change may or may not have been made: check before trying again.`;
      throw new ApiError(0, { title: 'BluBees did not answer', detail });
    }
    throw new ApiError(0, { detail: e instanceof Error ? e.message : undefined });
  } finally {
    clearTimeout(timer);
  }
  if (!response || typeof response.status !== 'number') {
    throw new ApiError(0, { detail: 'empty response' });
  }
  if (response.status >= 200 && response.status < 300) {
    let result = response.body;
    if (typeof result === 'string' && result.trim()) {
      try {
        result = JSON.parse(result);
      } catch {
        // leave as text
      }
    }
    return result as T;
  }
  throw toApiError(response.status, response.body, response.headers);
}

const enc = encodeURIComponent;

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

interface Items<T> {
  items: T[];
}
const itemsOf = <T>(page: Items<T> | undefined | null): T[] => (Array.isArray(page?.items) ? page!.items : []);

// ---------- types ----------

export type Me = Schemas['MeResponse'];

export type AuthType = 'none' | 'apiKey' | 'bearer' | 'basic' | 'oauth2ClientCredentials' | 'oauth2RefreshToken';
export type AiProvider = 'openai' | 'anthropic';
export interface ConnectionAuth {
  type: AuthType;
  in?: 'header' | 'query';
  name?: string;
  username?: string;
  /** OAuth 2.0 types: the token endpoint, client id, optional scope and how the client authenticates. */
  tokenUrl?: string;
  clientId?: string;
  scope?: string;
  clientAuth?: 'body' | 'basic';
}
export interface Connection {
  id: string;
  name: string;
  baseUrl: string;
  auth: ConnectionAuth;
  secretSet: boolean;
  clientSecretSet?: boolean;
  /** Makes the connection usable by ai.chat steps. */
  provider?: AiProvider | null;
  /** Timeouts, retries, breaker and limits (see docs/api.md); the form keeps them as they are. */
  resilience?: Record<string, number> | null;
  createdAt?: string;
  updatedAt?: string;
  /** Bumped by every save: the editor sends it back as `baseRevision`, so a save over someone else's change is a 409. */
  revision?: number;
}
export interface ConnectionInput {
  name: string;
  baseUrl: string;
  auth: ConnectionAuth;
  /** Write-only. Omit on update to keep the stored secret. */
  secret?: string;
  /** oauth2RefreshToken only: the client secret of a confidential client (write-only; omit to keep the stored one). */
  clientSecret?: string;
  provider?: AiProvider;
  resilience?: Record<string, number>;
}

/** The backend's operators (ConditionOperators), from the enum docs/openapi.json gives a condition's `op`. */
export type ConditionOp = NonNullable<Schemas['ConditionNode']['op']>;
export interface Condition {
  field: string;
  op: ConditionOp;
  value?: unknown;
  from?: unknown;
  to?: unknown;
}
export type ConditionGroup = { all: ConditionNode[] } | { any: ConditionNode[] };
export type ConditionNode = Condition | ConditionGroup;

export type TriggerType = 'event' | 'schedule' | 'manual' | 'webhook';
export interface Trigger {
  type: TriggerType;
  events?: string[];
  projects?: string[];
  issueTypes?: string[];
  fieldChanged?: { field: string; from?: string; to?: string };
  schedule?: Schedule;
  webhookId?: string;
}
/** A cron schedule (5 fields, IANA time zone, optional JQL "for each issue matching"), or the older everyHours. */
export interface Schedule {
  cron?: string;
  timeZone?: string;
  jql?: string;
  maxIssues?: number;
  everyHours?: number;
}
/** GET /api/schedules/next: the next run times, in UTC and as local time (with offset) in the schedule's zone. */
export type NextRuns = Schemas['NextRunsResponse'];
/**
 * An `http` step as the form edits it: the generated record (`HttpStepDefinition`, one of the kinds the backend's
 * registry describes), with the fields the form always sets made required and the body and onError typed as the form
 * uses them.
 */
export type HttpStep = Omit<Schemas['HttpStepDefinition'], 'id' | 'connection' | 'method' | 'path' | 'body' | 'onError' | 'if'> & {
  id: string;
  connection: string;
  method: string;
  path: string;
  body?: unknown;
  onError?: 'stop' | 'continue';
};
/**
 * Any step the form does not edit field by field (the other step kinds, or an HTTP step with an absolute
 * `url`): kept whole and validated by the backend.
 */
export interface OtherStep {
  id: string;
  type: string;
  [property: string]: unknown;
}
export type Step = HttpStep | OtherStep;
export interface RuleDefinition {
  name: string;
  enabled?: boolean;
  trigger: Trigger;
  /** A group, or one bare condition (the same as a group of one). */
  conditions?: ConditionNode;
  steps: Step[];
}
export type RunStatus = 'succeeded' | 'failed' | 'partial' | 'skipped';
/** `triggerType`/`trigger`: optional here so the issue panel's fallback list (older backends) types the same. */
export type RuleSummary = Omit<Schemas['RuleSummary'], 'triggerType' | 'lastRun' | 'updatedAt'> & {
  updatedAt?: string;
  lastRun?: { id: string; status: RunStatus; startedAt: string } | null;
  triggerType?: TriggerType;
  trigger?: { type?: TriggerType };
};
/**
 * A save-time warning (docs/api.md "Save-time warnings"): the rule is valid and saved, but this part probably reads
 * nothing. `path` is the field's JSON path (`steps[1].body.key`, `trigger.fieldChanged.field`; empty for the rule).
 */
export interface RuleWarning {
  path: string;
  code:
    | 'unknown_scope_root'
    | 'unknown_field'
    | 'step_not_yet_run'
    | 'unknown_step'
    | 'no_issue'
    | 'host_from_data'
    | 'literal_credential'
    | 'fields_not_checked'
    | 'jql_unknown_value'
    | 'jql_not_checked'
    | string;
  message: string;
}
export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  definition: RuleDefinition;
  createdAt?: string;
  updatedAt?: string;
  /** Only in the answer to a create or update. */
  warnings?: RuleWarning[];
}
/** POST /api/rules/validate for a valid rule (the warnings keep the UI's wider `code` type). */
export type RuleValidation = Omit<Schemas['RuleValidation'], 'warnings'> & { warnings: RuleWarning[] };
/** What the sample event of "Load event from issue" follows: the trigger's event type and changed field. */
export interface SampleEventOptions {
  eventType?: string;
  field?: string;
  from?: string;
  to?: string;
}
/** `createdByName`: a display name when the backend adds one (not in the contract yet). */
export type RuleVersionSummary = Schemas['RuleVersionSummary'] & { createdByName?: string | null };
export interface RuleVersion {
  version: number;
  definition: RuleDefinition;
  createdAt?: string;
  createdBy?: string | null;
  createdByName?: string | null;
}
export interface DryRunResult {
  matched: boolean;
  trigger?: { matched: boolean; reason?: string };
  conditions?: { path: string; description: string; passed: boolean }[];
  requests?: DryRunRequest[];
  errors?: { path?: string; message: string }[];
  /** Blocks walked with the sample data: the branch each if block took, how many items each loop had. */
  flow?: DryRunFlowStep[];
}
export interface DryRunRequest {
  stepId: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** A nested step's path (`steps[1].steps[0]`). */
  path?: string;
  /** Inside a for-each block: the item's position (from 0). */
  index?: number;
}
/** How the dry run walked one step (docs/api.md "Dry run"): metadata of the walk, no values. */
export interface DryRunFlowStep {
  /** `steps[1].steps[0]`. */
  path: string;
  id: string;
  type: string;
  /** previewed (a request was built), error, skipped (its condition was false) or evaluated (a block). */
  status: string;
  /** Inside a loop: the iteration (from 0). */
  index?: number | null;
  skippedBy?: string | null;
  /** If blocks: then, else or none. */
  branch?: string | null;
  conditions?: { path: string; description: string; passed: boolean }[] | null;
  /** The condition or the list reads the output of a step a dry run does not execute: a real run may differ. */
  readsDryRunOutput?: boolean | null;
  /** Loops: elements of the list, iterations previewed, elements past the limit. */
  items?: number | null;
  iterations?: number | null;
  cut?: number | null;
}
export interface RunStep {
  id: string;
  type: string;
  connectionId?: string;
  method?: string;
  host?: string;
  statusCode?: number | null;
  attempts?: number;
  bytesOut?: number;
  bytesIn?: number;
  durationMs?: number;
  errorCategory?: string | null;
  /** The step's property whose value could not be built (`headers.X-Trace`, `body.ticket.points`, `fields.priority`): a name, never a value. */
  failedField?: string | null;
  metrics?: StepMetrics | null;
  /** succeeded, failed, partial or skipped. */
  status?: string;
  /** Why a skipped step did not run although the run went on: `if` (its condition was false). */
  skippedBy?: string | null;
  /** If blocks: the branch that ran, `then`, `else` or `none`. */
  branch?: 'then' | 'else' | 'none' | string | null;
  /** If blocks: the records of the steps of the branch that ran. */
  steps?: RunStep[] | null;
  /** For-each blocks: counts, and the first iterations in full. */
  loop?: LoopRecord | null;
}
/** A for-each block's metadata (docs/api.md "Runs"): counts and positions, never an item's value. */
export interface LoopRecord {
  /** Elements of the list. */
  items: number;
  limit: number;
  /** Elements beyond the limit, never run. */
  cut: number;
  parallelism: number;
  succeeded: number;
  partial: number;
  failed: number;
  /** Iterations within the limit that never started (an earlier one failed, or the run was cancelled). */
  notRun: number;
  /** Failed and partial iterations by their first error category. */
  errorCategories?: Record<string, number> | null;
  /** The iterations kept in full. */
  iterations: RunIteration[];
  /** Iterations that ran but are only counted. */
  omitted: number;
}
export interface RunIteration {
  index: number;
  status: string;
  durationMs?: number;
  errorCategory?: string | null;
  steps?: RunStep[] | null;
}
/** Counters and policy decisions of a step: numbers and flags only. */
export interface StepMetrics {
  retries?: number;
  circuitOpen?: boolean;
  rateLimited?: boolean;
  inputTokens?: number;
  outputTokens?: number;
  bytesTransferred?: number;
}
export interface Run {
  id: string;
  ruleId: string;
  /** Only on the issue panel: the rule's name, from the route's `ruleNames`. */
  ruleName?: string;
  ruleVersion?: number;
  source?: string;
  eventType?: string;
  issueId?: string;
  issueKey?: string;
  startedAt: string;
  durationMs?: number;
  status: RunStatus;
  /** The run's own failure (e.g. loop_stopped). */
  errorCategory?: string | null;
  steps?: RunStep[];
}
/** One event that reached a rule without running it: where it stopped and which part failed (never a value). */
export interface RuleTraceEntry {
  ruleId: string;
  ruleVersion: number;
  at: string;
  source: string;
  eventType?: string | null;
  issueId?: string | null;
  issueKey?: string | null;
  stage: 'trigger' | 'conditions' | 'disabled' | string;
  path?: string | null;
  operator?: string | null;
}
export interface RunFilter {
  ruleId?: string;
  status?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}
export type RunPage = Omit<Schemas['RunPage'], 'items'> & { items: Run[] };
/** Every field but the id may be missing from an older backend's answer. */
export type SupportGrant = Pick<Schemas['GrantView'], 'id'> & Partial<Schemas['GrantView']>;
export type AuditEntry = Schemas['SupportAuditEntry'];
/** One page of a rule's version history (`GET /api/rules/{id}/versions`). */
export interface VersionPage {
  items: RuleVersionSummary[];
  nextCursor: string | null;
}

/** One page of the support audit, newest first; `nextCursor` pages on to older entries (null on the last page). */
export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}
/** `url`: not in the backend's contract (the web trigger's address is Forge's); shown when present. */
export type Webhook = Schemas['WebhookView'] & { url?: string };
/** `secret` is returned once, at creation (and on rotation) only. */
export type CreatedWebhook = Schemas['WebhookWithSecret'] & { url?: string };

// ---------- endpoints ----------

export const api = {
  me: () => call<Me>('GET', '/api/me'),

  listConnections: async () => itemsOf(await call<Items<Connection>>('GET', '/api/connections')),
  getConnection: (id: string) => call<Connection>('GET', `/api/connections/${enc(id)}`),
  createConnection: (input: ConnectionInput) => call<Connection>('POST', '/api/connections', input),
  /**
   * Saves an edit. `baseRevision` (the `revision` the editor opened) makes the backend refuse, with 409
   * `reason: connection_changed` and `currentRevision`, a connection someone else saved since, instead of overwriting it unseen.
   */
  updateConnection: (id: string, input: ConnectionInput, baseRevision?: number) =>
    call<Connection>('PUT', `/api/connections/${enc(id)}${query({ baseRevision })}`, input),
  deleteConnection: (id: string) => call<void>('DELETE', `/api/connections/${enc(id)}`),

  listRules: async () => itemsOf(await call<Items<RuleSummary>>('GET', '/api/rules')),
  getRule: (id: string) => call<Rule>('GET', `/api/rules/${enc(id)}`),
  createRule: (definition: RuleDefinition) => call<Rule>('POST', '/api/rules', definition),
  /**
   * Saves a new version. `baseVersion` (the version the editor opened) makes the backend refuse, with 409
   * `reason: rule_changed` and `currentVersion`, a rule someone else saved since, instead of overwriting it unseen.
   */
  updateRule: (id: string, definition: RuleDefinition, baseVersion?: number) =>
    call<Rule>('PUT', `/api/rules/${enc(id)}${query({ baseVersion })}`, definition),
  /** Checks a definition without saving it: 200 with warnings, or a 400 ProblemDetails with field errors. */
  validateRule: (definition: RuleDefinition) => call<RuleValidation>('POST', '/api/rules/validate', definition),
  deleteRule: (id: string) => call<void>('DELETE', `/api/rules/${enc(id)}`),
  setRuleEnabled: (id: string, enabled: boolean) =>
    call<Rule | undefined>('POST', `/api/rules/${enc(id)}/${enabled ? 'enable' : 'disable'}`),
  /** One page of a rule's version history, newest first; `nextCursor` pages on to older versions (null on the last page). */
  listVersions: async (id: string, cursor?: string | null): Promise<VersionPage> => {
    const page = await call<Items<RuleVersionSummary> & { nextCursor?: string | null }>('GET', `/api/rules/${enc(id)}/versions${query({ cursor })}`);
    return { items: itemsOf(page), nextCursor: page?.nextCursor ?? null };
  },
  getVersion: (id: string, version: number) => call<RuleVersion>('GET', `/api/rules/${enc(id)}/versions/${version}`),
  /** `baseVersion` (the version shown as current) makes a restore over a version someone saved since a 409 `rule_changed`, as a save is. */
  restoreVersion: (id: string, version: number, baseVersion?: number) =>
    call<Rule>('POST', `/api/rules/${enc(id)}/versions/${version}/restore${query({ baseVersion })}`),
  dryRunDraft: (rule: RuleDefinition, event: unknown) => call<DryRunResult>('POST', '/api/rules/dry-run', { rule, event }),
  dryRunSaved: (id: string, event: unknown) => call<DryRunResult>('POST', `/api/rules/${enc(id)}/dry-run`, { event }),
  nextRuns: (cron: string, timeZone: string, count = 5) => call<NextRuns>('GET', `/api/schedules/next${query({ cron, timeZone, count })}`),
  /** "Why didn't it run?": recent events that reached the rule without running it (metadata only). */
  ruleTrace: async (id: string) => itemsOf(await call<Items<RuleTraceEntry>>('GET', `/api/rules/${enc(id)}/trace`)),
  /** `requestId` names the run asked for: the same id again (a double click, a retry) is that run, never a second one. */
  runNow: (id: string, issueKey: string, requestId: string) =>
    call<{ runId?: string } | undefined>('POST', `/api/rules/${enc(id)}/run`, { issueKey, requestId }),

  listRuns: async (filter: RunFilter = {}): Promise<RunPage> => {
    const page = await call<RunPage>('GET', `/api/runs${query({ ...filter })}`);
    return { items: itemsOf(page), nextCursor: page?.nextCursor ?? null };
  },
  getRun: (id: string) => call<Run>('GET', `/api/runs/${enc(id)}`),
  /**
   * The issue's runs, each with its rule's name (the route answers `ruleNames`: the rule list itself is for administrators).
   * By the issue's id, which runs are indexed by (a moved issue keeps it, a re-created project's issues never reuse it).
   */
  issueRuns: async (issueKey: string, issueId: string): Promise<Run[]> => {
    const page = await call<Items<Run> & { ruleNames?: Record<string, string> }>('GET', `/api/issues/${enc(issueKey)}/runs${query({ issueId })}`);
    return itemsOf(page).map((r) => (page?.ruleNames?.[r.ruleId] ? { ...r, ruleName: page.ruleNames[r.ruleId] } : r));
  },
  /**
   * The manual rules the issue panel may offer (id and name; open to users who may browse the issue, unlike /api/rules
   * which is for administrators). Falls back to /api/rules on a backend without the route (404).
   */
  issueManualRules: async (issueKey: string): Promise<RuleSummary[]> => {
    try {
      return itemsOf(await call<Items<RuleSummary>>('GET', `/api/issues/${enc(issueKey)}/manual-rules`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return api.listRules();
      throw e;
    }
  },
  /**
   * A sample event built from the issue (read as the signed-in user: a 404 when they may not see it), for the trigger's
   * event type, with the trigger's field change in the changelog. For the dry run only.
   */
  issueSampleEvent: (issueKey: string, options: SampleEventOptions = {}) =>
    call<unknown>('GET', `/api/issues/${enc(issueKey)}/sample-event${query({ ...options })}`),

  listGrants: async () => itemsOf(await call<Items<SupportGrant>>('GET', '/api/support/grants')),
  createGrant: (hours: number, reason?: string) =>
    call<SupportGrant>('POST', '/api/support/grants', reason ? { hours, reason } : { hours }),
  revokeGrant: (id: string) => call<void>('DELETE', `/api/support/grants/${enc(id)}`),
  listAudit: async (cursor?: string): Promise<AuditPage> => {
    const page = await call<Items<AuditEntry> & { nextCursor?: string | null }>('GET', `/api/support/audit${query({ cursor })}`);
    return { items: itemsOf(page), nextCursor: page?.nextCursor ?? null };
  },

  listWebhooks: async () => itemsOf(await call<Items<Webhook>>('GET', '/api/webhooks')),
  createWebhook: (name: string) => call<CreatedWebhook>('POST', '/api/webhooks', { name }),
  /** A new secret, returned here only; the old one stops verifying at once (docs/api.md, Incoming webhooks). */
  rotateWebhookSecret: (id: string) => call<CreatedWebhook>('POST', `/api/webhooks/${enc(id)}/rotate-secret`),
  deleteWebhook: (id: string) => call<void>('DELETE', `/api/webhooks/${enc(id)}`),
};

export type Api = typeof api;
