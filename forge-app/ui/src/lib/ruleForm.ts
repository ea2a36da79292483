// Editor state for a rule, converted from and to the API's RuleDefinition.
import type { RuleDefinition, Step, TriggerType } from '../api';
import { formValuesFor, stepKind } from '../steps/registry';
import type { Values } from '../steps/types';
import { fromApi, isBareCondition, newId, toApi, validateConditions, type GroupDraft } from './conditions';
import { joinFlow, splitFlow, startCondition, walkDrafts } from './flow';
import { sampleEventFor } from './sampleEvents';
import { reportInexactNumbers } from './jsonNumbers';
import { emptySchedule, scheduleDraftFrom, scheduleFromDraft, type ScheduleDraft } from './scheduleForm';

export const EVENT_TYPES: { value: string; label: string }[] = [
  { value: 'avi:jira:created:issue', label: 'Issue created' },
  { value: 'avi:jira:updated:issue', label: 'Issue updated (includes transitions)' },
  { value: 'avi:jira:deleted:issue', label: 'Issue deleted' },
  { value: 'avi:jira:assigned:issue', label: 'Issue assigned' },
  { value: 'avi:jira:commented:issue', label: 'Comment added or edited' },
  { value: 'avi:jira:deleted:comment', label: 'Comment deleted' },
  { value: 'avi:jira:mentioned:issue', label: 'Someone mentioned in an issue' },
];

/**
 * The backend's limits on a rule (src/BluBees.Engine/Validation/RuleLimits.cs, Steps/Flow/FlowLimits.cs), checked
 * here too so that the builder says so before a save: a name of at most 200 characters, at most 20 steps in the
 * rule's list and in each block's list, 50 in all (nested ones included), blocks nested at most 3 deep.
 */
export const RULE_LIMITS = { name: 200, steps: 20, totalSteps: 50, blockDepth: 3 } as const;

/** How many blocks hold the list at `prefix` (`steps`: 0, `steps[1].then`: 1, `steps[1].then[0].steps`: 2). */
export function blockDepth(prefix: string): number {
  return (prefix.match(/\]\.(then|else|steps)\b/g) ?? []).length;
}

/** Step ids are referenced from templates (`steps.<id>.…`), hence identifier-like. */
export const STEP_ID = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

export { HTTP_METHODS } from '../steps/http';
export type { KeyValue } from '../steps/shared';

export interface StepDraft {
  uid: string;
  id: string;
  /** `form`: edited with its kind's form (steps/registry.ts); `json`: any step, edited as its JSON definition. */
  mode: 'form' | 'json';
  /** The step kind (`http`, `ai.chat`, …) in form mode. */
  type: string;
  /** The kind's form values (form mode). */
  values: Values;
  /** The step's definition without its id (json mode). */
  jsonText: string;
  /** Form mode: the step's `if` ("Only run if…", or an if block's own condition); undefined: always runs. */
  runIf?: GroupDraft;
  /** The `if` was written as one bare condition (not a group): kept so while it stays one. */
  runIfBare?: boolean;
  /** Form mode, blocks: the nested step lists by property (`then`, `else`, `steps`). */
  nested?: Record<string, StepDraft[]>;
}
export interface RuleDraft {
  name: string;
  enabled: boolean;
  triggerType: TriggerType;
  events: string[];
  /** Project keys and issue type names, each kept whole (a name may hold a comma). */
  projects: string[];
  issueTypes: string[];
  /** Lists saved empty (`"projects": []`, accepted as "all"): written back so while they stay empty. */
  emptyLists?: { projects?: boolean; issueTypes?: boolean };
  fieldChangedEnabled: boolean;
  /**
   * `emptyFrom`/`emptyTo`: the rule was saved with `""` there, which the backend matches against an empty value (not
   * "any value", which is leaving it out); kept as `""` until that input is edited.
   */
  fieldChanged: { field: string; from: string; to: string; emptyFrom?: boolean; emptyTo?: boolean };
  schedule: ScheduleDraft;
  webhookId: string;
  conditions: GroupDraft;
  /** The rule's `conditions` were one bare condition (not a group): written back so while they stay one. */
  conditionsBare?: boolean;
  steps: StepDraft[];
}


/** A new step of `type` (form) or, with mode `json`, an empty JSON step. */
export function newStep(index: number, mode: StepDraft['mode'] | string = 'form', type = 'http'): StepDraft {
  const kindType = mode !== 'form' && mode !== 'json' ? mode : type;
  const asJson = mode === 'json' || !stepKind(kindType);
  const kind = asJson ? undefined : stepKind(kindType);
  return {
    uid: newId('s'),
    id: `step_${index + 1}`,
    mode: asJson ? 'json' : 'form',
    type: asJson ? '' : kindType,
    values: kind ? kind.defaults() : {},
    jsonText: asJson ? '{\n  "type": ""\n}' : '',
    ...(kind?.condition === 'required' ? { runIf: startCondition() } : {}),
    ...(kind?.nested ? { nested: Object.fromEntries(kind.nested.map((n) => [n.key, []])) } : {}),
  };
}

export function emptyDraft(): RuleDraft {
  return {
    name: '',
    enabled: true,
    triggerType: 'event',
    events: ['avi:jira:created:issue'],
    projects: [],
    issueTypes: [],
    fieldChangedEnabled: false,
    fieldChanged: { field: '', from: '', to: '' },
    schedule: emptySchedule(),
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
    projects: [...(t.projects ?? [])],
    issueTypes: [...(t.issueTypes ?? [])],
    ...(t.projects?.length === 0 || t.issueTypes?.length === 0 ? { emptyLists: { ...(t.projects?.length === 0 ? { projects: true } : {}), ...(t.issueTypes?.length === 0 ? { issueTypes: true } : {}) } } : {}),
    fieldChangedEnabled: !!t.fieldChanged,
    fieldChanged: {
      field: t.fieldChanged?.field ?? '',
      from: t.fieldChanged?.from ?? '',
      to: t.fieldChanged?.to ?? '',
      ...(t.fieldChanged?.from === '' ? { emptyFrom: true } : {}),
      ...(t.fieldChanged?.to === '' ? { emptyTo: true } : {}),
    },
    schedule: scheduleDraftFrom(t.schedule),
    webhookId: t.webhookId ?? '',
    conditions: fromApi(def.conditions),
    ...(isBareCondition(def.conditions) ? { conditionsBare: true } : {}),
    steps: (def.steps ?? []).map((step) => stepDraftFrom(step)),
  };
}

/** A step as a draft: its kind's form when the form can show it exactly, else the JSON editor. */
export function stepDraftFrom(step: Step): StepDraft {
  const { id, ...rest } = step;
  const flow = splitFlow(rest, stepDraftFrom);
  const values = flow && formValuesFor(flow.rest);
  if (flow && values) {
    const draft: StepDraft = { uid: newId('s'), id: id ?? '', mode: 'form', type: String(step.type), values, jsonText: '' };
    if (flow.runIf) draft.runIf = flow.runIf;
    if (flow.runIfBare) draft.runIfBare = true;
    if (flow.nested) draft.nested = flow.nested;
    return draft;
  }
  return { uid: newId('s'), id: id ?? '', mode: 'json', type: '', values: {}, jsonText: JSON.stringify(rest, null, 2) };
}

function jsonStep(s: StepDraft, p: string, add: (path: string, message: string) => void): Step {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s.jsonText);
    reportInexactNumbers(s.jsonText, p, add);
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

/** One step's JSON (with its id), errors keyed relative to `p`. */
export function stepJson(s: StepDraft, p: string, add: (path: string, message: string) => void): Step {
  if (s.mode === 'json' || !stepKind(s.type)) return jsonStep(s, p, add);
  const body = stepKind(s.type)!.toJson(s.values, (rel, m) => add(rel ? `${p}.${rel}` : p, m));
  const out: Record<string, unknown> = { id: s.id.trim(), ...body, type: s.type };
  joinFlow(out, s, p, add, (c, path) => stepJson(c, path, add));
  return out as Step;
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
  else if (draft.name.trim().length > RULE_LIMITS.name) add('name', `Use at most ${RULE_LIMITS.name} characters (this name has ${draft.name.trim().length}).`);

  const trigger: RuleDefinition['trigger'] = { type: draft.triggerType };
  switch (draft.triggerType) {
    case 'event': {
      if (draft.events.length === 0) add('trigger.events', 'Choose at least one event.');
      trigger.events = [...draft.events];
      if (draft.projects.length || draft.emptyLists?.projects) trigger.projects = [...draft.projects];
      if (draft.issueTypes.length || draft.emptyLists?.issueTypes) trigger.issueTypes = [...draft.issueTypes];
      if (draft.fieldChangedEnabled) {
        const fc = draft.fieldChanged;
        if (!fc.field.trim()) add('trigger.fieldChanged.field', 'Enter the field to watch.');
        trigger.fieldChanged = { field: fc.field.trim() };
        if (fc.from.trim() || fc.emptyFrom) trigger.fieldChanged.from = fc.from.trim();
        if (fc.to.trim() || fc.emptyTo) trigger.fieldChanged.to = fc.to.trim();
      }
      break;
    }
    case 'schedule': {
      trigger.schedule = scheduleFromDraft(draft.schedule, add);
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
  else if (draft.steps.length > RULE_LIMITS.steps) add('steps', `A rule may have at most ${RULE_LIMITS.steps} steps (this one has ${draft.steps.length}); put related steps in an if or for-each block.`);
  let total = 0;
  // Ids are unique across the whole rule, nested steps included: templates read every step as steps.<id>.
  const seen = new Set<string>();
  walkDrafts(draft.steps, 'steps', (s, p) => {
    if (!s.id.trim()) add(`${p}.id`, 'Give the step an id.');
    else if (!STEP_ID.test(s.id.trim())) add(`${p}.id`, "Use letters, digits and '_', not starting with a digit (at most 40).");
    else if (seen.has(s.id.trim())) add(`${p}.id`, 'Step ids must be unique.');
    seen.add(s.id.trim());
    if (++total === RULE_LIMITS.totalSteps + 1) add(p, `A rule may have at most ${RULE_LIMITS.totalSteps} steps in all, nested ones included; this is step ${total}.`);
    const kind = s.mode === 'form' ? stepKind(s.type) : undefined;
    if (kind?.nested) {
      if (blockDepth(p) >= RULE_LIMITS.blockDepth) add(`${p}.type`, `Blocks (if/else, for each) nest at most ${RULE_LIMITS.blockDepth} deep; move this one out a level.`);
      for (const { key } of kind.nested) {
        const count = s.nested?.[key]?.length ?? 0;
        if (count > RULE_LIMITS.steps) add(`${p}.${key}`, `A block may hold at most ${RULE_LIMITS.steps} steps here (this one has ${count}).`);
      }
    }
  });
  const steps: Step[] = draft.steps.map((s, i) => stepJson(s, `steps[${i}]`, add));

  const definition: RuleDefinition = { name: draft.name.trim(), enabled: draft.enabled, trigger, steps };
  const conditions = toApi(draft.conditions);
  const only = conditions && 'all' in conditions && conditions.all.length === 1 ? conditions.all[0] : undefined;
  if (conditions) definition.conditions = draft.conditionsBare && only && isBareCondition(only) ? only : conditions;
  return { definition, errors };
}

/**
 * The backend's field errors re-keyed to where the builder shows them: a condition written bare (the rule's
 * `conditions` or a step's `if`) is shown as the first of a group, so `conditions.value` goes to
 * `conditions.all[0].value`; an item of the trigger's event, project or issue-type list (`trigger.projects[1]`) goes to
 * the list's field. Other keys are kept as they are.
 */
/** A property name the backend writes as is in an error key: at most 64 letters, digits, `_ - $ @ :` (ValidationErrors.SafeName). */
const PLAIN_NAME = /^[A-Za-z0-9_\-$@:]{1,64}$/;

/**
 * The backend writes a property name that is not short and plain as `(property)` in its error keys (docs/api.md,
 * Errors): `steps[0].headers.(property)` for a header "Bad Header". Read against the definition that was sent, such a
 * segment is the one name there the backend would have masked; the key names it then (`steps[0].headers.Bad Header`,
 * as the rows look errors up), and stays as it is when none or several names there are masked.
 */
export function unmaskPropertyNames(definition: unknown, key: string): string {
  if (!key.includes('(property)')) return key;
  let node: unknown = definition;
  let out = '';
  for (const m of key.matchAll(/\[(\d+)\]|\.?([^.[]+)/g)) {
    if (m[1] !== undefined) {
      out += `[${m[1]}]`;
      node = Array.isArray(node) ? node[Number(m[1])] : undefined;
      continue;
    }
    let name = m[2];
    if (name === '(property)') {
      const masked = node && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node).filter((k) => !PLAIN_NAME.test(k)) : [];
      if (masked.length !== 1) return key;
      name = masked[0];
    }
    out += out ? `.${name}` : name;
    node = node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[name] : undefined;
  }
  return out;
}

export function placeErrors(draft: RuleDraft, errors: Record<string, string[]>): Record<string, string[]> {
  const sent = definitionFromDraft(draft).definition;
  errors = Object.entries(errors).reduce<Record<string, string[]>>((all, [key, messages]) => {
    const named = unmaskPropertyNames(sent, key);
    all[named] = [...(all[named] ?? []), ...messages];
    return all;
  }, {});
  const bare: string[] = [];
  if (draft.conditionsBare) bare.push('conditions');
  walkDrafts(draft.steps, 'steps', (s, p) => {
    if (s.mode === 'form' && s.runIf && s.runIfBare) bare.push(`${p}.if`);
  });
  const out: Record<string, string[]> = {};
  const put = (key: string, messages: string[]) => (out[key] = [...(out[key] ?? []), ...messages]);
  for (const [key, messages] of Object.entries(errors)) {
    const list = key.match(/^trigger\.(projects|issueTypes|events)\[(\d+)\]$/);
    if (list) {
      put(`trigger.${list[1]}`, messages.map((m) => `Value ${Number(list[2]) + 1}: ${m}`));
      continue;
    }
    const prefix = bare.find((b) => key.startsWith(`${b}.`) && /^\.(field|op|value|from|to)$/.test(key.slice(b.length)));
    put(prefix ? `${prefix}.all[0]${key.slice(prefix.length)}` : key, messages);
  }
  return out;
}

/** A sample Jira event used to pre-fill the dry-run box: the documented payload (samples/events). */
export function sampleEvent(eventType = 'avi:jira:created:issue'): unknown {
  return sampleEventFor(eventType);
}

/**
 * The event a schedule, webhook or manual run really gets (the backend's ScheduleRunner/CronTicks, WebhookReceiver and
 * ManualRunEndpoint build them): a Jira issue event in their place matched no webhook, and showed issue data that a
 * schedule without a JQL never has. A manual run queues the issue's key only; the backend reads the issue from Jira
 * when the run starts (RunProcessor), so its event carries the issue as Jira's "Get issue" returns it (id, key, fields).
 */
function syntheticSample(trigger: RuleDefinition['trigger'] | undefined): Record<string, unknown> | undefined {
  const now = new Date();
  const timestamp = String(now.getTime());
  switch (trigger?.type) {
    case 'webhook':
      return { eventType: 'blubees:webhook', webhook: { id: trigger.webhookId ?? '', body: { example: 'value' } } };
    case 'schedule': {
      const event: Record<string, unknown> = { eventType: 'blubees:schedule', timestamp, scheduledAt: `${now.toISOString().slice(0, 19)}Z` };
      // With a JQL, each matching issue runs with the issue as an issue event carries it.
      if (trigger.schedule?.jql) event.issue = (sampleEvent('avi:jira:created:issue') as { issue: unknown }).issue;
      return event;
    }
    case 'manual': {
      const { id, key, fields } = (sampleEvent('avi:jira:created:issue') as { issue: { id: string; key: string; fields: Record<string, unknown> } }).issue;
      return { eventType: 'blubees:manual', timestamp, atlassianId: 'sample-account', issue: { id, key, fields } };
    }
    default:
      return undefined;
  }
}

/**
 * The dry run's starting event, built from the trigger: its first event type, its first project and issue
 * type, and for `fieldChanged` a changelog item from → to (the Forge issue-updated payload's
 * `changelog.items[]`: field, fieldId, fromString, toString). Builds on `sampleEvent`.
 */
export function sampleEventForTrigger(trigger: RuleDefinition['trigger'] | undefined): Record<string, unknown> {
  const synthetic = syntheticSample(trigger);
  if (synthetic) return synthetic;
  const eventType = trigger?.type === 'event' && trigger.events?.length ? trigger.events[0] : 'avi:jira:created:issue';
  const event = sampleEvent(eventType) as Record<string, unknown> & { issue: { key: string; fields: Record<string, unknown> } };
  const project = trigger?.projects?.[0];
  if (project) {
    event.issue.key = `${project}-1`;
    event.issue.fields.project = { ...(event.issue.fields.project as object), key: project };
  }
  const issueType = trigger?.issueTypes?.[0];
  if (issueType) event.issue.fields.issuetype = { ...(event.issue.fields.issuetype as object), name: issueType };
  const fc = trigger?.fieldChanged;
  if (fc?.field) {
    const field = fc.field;
    const from = fc.from ?? (field === 'status' ? 'In Progress' : 'old value');
    const to = fc.to ?? (field === 'status' ? 'Done' : 'new value');
    event.changelog = { id: '10100', items: [{ field, fieldtype: 'jira', fieldId: field, from: null, fromString: from, to: null, toString: to }] };
    // The issue as it is after the change.
    if (field === 'status' || field === 'priority') event.issue.fields[field] = { ...(event.issue.fields[field] as object), name: to };
    else if (!(field in event.issue.fields)) event.issue.fields[field] = to;
  }
  if (eventType === 'avi:jira:commented:issue' || eventType === 'avi:jira:deleted:comment') event.comment = { id: '10200', body: 'Sample comment', author: { accountId: 'sample-account', displayName: 'Sample User' } };
  return event;
}
