// Editor state for a rule, converted from and to the API's RuleDefinition.
import type { HttpStep, RuleDefinition, Step, TriggerType } from '../api';
import { fromApi, newId, toApi, validateConditions, type GroupDraft } from './conditions';
import { sampleEventFor } from './sampleEvents';

export const EVENT_TYPES: { value: string; label: string }[] = [
  { value: 'avi:jira:created:issue', label: 'Issue created' },
  { value: 'avi:jira:updated:issue', label: 'Issue updated (includes transitions)' },
  { value: 'avi:jira:deleted:issue', label: 'Issue deleted' },
  { value: 'avi:jira:assigned:issue', label: 'Issue assigned' },
  { value: 'avi:jira:commented:issue', label: 'Comment added or edited' },
];

/** Step ids are referenced from templates (`steps.<id>.…`), hence identifier-like. */
export const STEP_ID = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface KeyValue {
  id: string;
  key: string;
  value: string;
}
export interface StepDraft {
  uid: string;
  /** `form`: an HTTP step edited field by field; `json`: any step kind, edited as its JSON definition. */
  mode: 'form' | 'json';
  /** The step's definition without its id, in `json` mode. */
  jsonText: string;
  id: string;
  connection: string;
  method: string;
  path: string;
  headers: KeyValue[];
  query: KeyValue[];
  bodyText: string;
  timeoutSeconds: string;
  onError: 'stop' | 'continue';
}
export interface RuleDraft {
  name: string;
  enabled: boolean;
  triggerType: TriggerType;
  events: string[];
  projectsText: string;
  issueTypesText: string;
  fieldChangedEnabled: boolean;
  fieldChanged: { field: string; from: string; to: string };
  everyHours: string;
  webhookId: string;
  conditions: GroupDraft;
  steps: StepDraft[];
}

const kvFrom = (record: Record<string, string> | undefined): KeyValue[] =>
  Object.entries(record ?? {}).map(([key, value]) => ({ id: newId('kv'), key, value: String(value) }));

function kvTo(list: KeyValue[]): Record<string, string> | undefined {
  const entries = list.filter((kv) => kv.key.trim() !== '').map((kv) => [kv.key.trim(), kv.value] as const);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

const listText = (list?: string[]) => (list ?? []).join(', ');
const textList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function newStep(index: number, mode: StepDraft['mode'] = 'form'): StepDraft {
  return {
    uid: newId('s'),
    mode,
    jsonText: mode === 'json' ? '{\n  "type": ""\n}' : '',
    id: `step_${index + 1}`,
    connection: '',
    method: 'POST',
    path: '/',
    headers: [],
    query: [],
    bodyText: '',
    timeoutSeconds: '',
    onError: 'stop',
  };
}

export function emptyDraft(): RuleDraft {
  return {
    name: '',
    enabled: true,
    triggerType: 'event',
    events: ['avi:jira:created:issue'],
    projectsText: '',
    issueTypesText: '',
    fieldChangedEnabled: false,
    fieldChanged: { field: '', from: '', to: '' },
    everyHours: '1',
    webhookId: '',
    conditions: fromApi(undefined),
    steps: [newStep(0)],
  };
}

export function draftFromDefinition(def: RuleDefinition): RuleDraft {
  const t = def.trigger ?? { type: 'event' };
  return {
    name: def.name ?? '',
    enabled: def.enabled ?? true,
    triggerType: t.type ?? 'event',
    events: t.events ?? [],
    projectsText: listText(t.projects),
    issueTypesText: listText(t.issueTypes),
    fieldChangedEnabled: !!t.fieldChanged,
    fieldChanged: { field: t.fieldChanged?.field ?? '', from: t.fieldChanged?.from ?? '', to: t.fieldChanged?.to ?? '' },
    everyHours: String(t.schedule?.everyHours ?? 1),
    webhookId: t.webhookId ?? '',
    conditions: fromApi(def.conditions),
    steps: (def.steps ?? []).map((step): StepDraft => {
      if (!isFormStep(step)) {
        const { id, ...rest } = step;
        return { ...newStep(0, 'json'), id: id ?? '', jsonText: JSON.stringify(rest, null, 2) };
      }
      const s = step;
      return {
        uid: newId('s'),
        mode: 'form',
        jsonText: '',
        id: s.id ?? '',
        connection: s.connection ?? '',
        method: s.method ?? 'POST',
        path: s.path ?? '',
        headers: kvFrom(s.headers),
        query: kvFrom(s.query),
        bodyText: s.body === undefined ? '' : JSON.stringify(s.body, null, 2),
        timeoutSeconds: s.timeoutSeconds === undefined ? '' : String(s.timeoutSeconds),
        onError: s.onError ?? 'stop',
      };
    }),
  };
}

/** The form edits HTTP steps that call a connection; everything else is edited as JSON so nothing is lost. */
function isFormStep(step: Step): step is HttpStep {
  return step.type === 'http' && !('url' in step) && typeof step.connection === 'string';
}

function jsonStep(s: StepDraft, p: string, add: (path: string, message: string) => void): Step {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s.jsonText);
  } catch (e) {
    add(p, `The step definition is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    return { id: s.id.trim(), type: '' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    add(p, 'The step definition must be a JSON object.');
    return { id: s.id.trim(), type: '' };
  }
  const { id: _ignored, ...rest } = parsed as Record<string, unknown>;
  if (typeof rest.type !== 'string' || !rest.type.trim()) add(`${p}.type`, 'Give the step a "type", for example "http".');
  return { id: s.id.trim(), ...rest, type: String(rest.type ?? '') };
}

export interface DraftResult {
  definition: RuleDefinition;
  /** Problems found before asking the backend, keyed by JSON path. */
  errors: Record<string, string[]>;
}

export function definitionFromDraft(draft: RuleDraft): DraftResult {
  const errors: Record<string, string[]> = {};
  const add = (path: string, message: string) => (errors[path] = [...(errors[path] ?? []), message]);

  if (!draft.name.trim()) add('name', 'Give the rule a name.');

  const trigger: RuleDefinition['trigger'] = { type: draft.triggerType };
  switch (draft.triggerType) {
    case 'event': {
      if (draft.events.length === 0) add('trigger.events', 'Choose at least one event.');
      trigger.events = [...draft.events];
      const projects = textList(draft.projectsText);
      if (projects.length) trigger.projects = projects;
      const issueTypes = textList(draft.issueTypesText);
      if (issueTypes.length) trigger.issueTypes = issueTypes;
      if (draft.fieldChangedEnabled) {
        const fc = draft.fieldChanged;
        if (!fc.field.trim()) add('trigger.fieldChanged.field', 'Enter the field to watch.');
        trigger.fieldChanged = { field: fc.field.trim() };
        if (fc.from.trim()) trigger.fieldChanged.from = fc.from.trim();
        if (fc.to.trim()) trigger.fieldChanged.to = fc.to.trim();
      }
      break;
    }
    case 'schedule': {
      const hours = Number(draft.everyHours);
      if (!Number.isInteger(hours) || hours < 1) add('trigger.schedule.everyHours', 'Enter a whole number of hours (1 or more).');
      trigger.schedule = { everyHours: Number.isFinite(hours) ? hours : 1 };
      break;
    }
    case 'webhook':
      if (!draft.webhookId) add('trigger.webhookId', 'Choose the incoming webhook.');
      trigger.webhookId = draft.webhookId;
      break;
    case 'manual':
      break;
  }

  for (const [path, messages] of Object.entries(validateConditions(draft.conditions))) {
    messages.forEach((m) => add(path, m));
  }

  if (draft.steps.length === 0) add('steps', 'Add at least one step.');
  const seen = new Set<string>();
  const steps: Step[] = draft.steps.map((s, i) => {
    const p = `steps[${i}]`;
    if (!s.id.trim()) add(`${p}.id`, 'Give the step an id.');
    else if (!STEP_ID.test(s.id.trim())) add(`${p}.id`, "Use letters, digits and '_', not starting with a digit (at most 40).");
    else if (seen.has(s.id.trim())) add(`${p}.id`, 'Step ids must be unique.');
    seen.add(s.id.trim());
    if (s.mode === 'json') return jsonStep(s, p, add);
    if (!s.connection) add(`${p}.connection`, 'Choose a connection.');
    if (!s.path.trim()) add(`${p}.path`, 'Enter a path (for example /issues).');
    const step: HttpStep = { id: s.id.trim(), type: 'http', connection: s.connection, method: s.method, path: s.path.trim() };
    const headers = kvTo(s.headers);
    if (headers) step.headers = headers;
    const query = kvTo(s.query);
    if (query) step.query = query;
    if (s.bodyText.trim()) {
      try {
        step.body = JSON.parse(s.bodyText);
      } catch (e) {
        add(`${p}.body`, `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (s.timeoutSeconds.trim()) {
      const t = Number(s.timeoutSeconds);
      if (!Number.isFinite(t) || t <= 0) add(`${p}.timeoutSeconds`, 'Enter a positive number of seconds.');
      else step.timeoutSeconds = t;
    }
    if (s.onError !== 'stop') step.onError = s.onError;
    return step;
  });

  const definition: RuleDefinition = { name: draft.name.trim(), enabled: draft.enabled, trigger, steps };
  const conditions = toApi(draft.conditions);
  if (conditions) definition.conditions = conditions;
  return { definition, errors };
}

/** A sample Jira event used to pre-fill the dry-run box: the documented payload (samples/events). */
export function sampleEvent(eventType = 'avi:jira:created:issue'): unknown {
  return sampleEventFor(eventType);
}
