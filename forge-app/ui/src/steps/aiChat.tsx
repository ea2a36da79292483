// `ai.chat`: one chat completion through an AI provider connection (docs/api.md "AI step — ai.chat").
import React from 'react';
import { SelectField, TextAreaField, TextField } from '../components/common';
import { TemplateField } from '../components/SmartValuePicker';
import { ConnectionSelect, grid2, numText, onErrorFrom, OnErrorSelect, onErrorTo, parseNumber, split, str } from './shared';
import type { StepKind, Values } from './types';
import { defaultOutFields, outFieldsFrom, OutFieldsEditor, outFieldsSchema, schemaLevelErrors, type OutField, type OutFields } from './aiOutput';

const KNOWN = ['connection', 'model', 'system', 'prompt', 'temperature', 'maxTokens', 'schema', 'timeoutSeconds', 'onError'];

/** The schema the "one of these values" answer format writes (no JSON typing needed). */
export function choiceSchema(property: string, choices: string[]) {
  return { type: 'object', properties: { [property]: { type: 'string', enum: choices } }, required: [property] };
}
function asChoice(schema: unknown): { property: string; choices: string[] } | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const s = schema as { type?: unknown; properties?: Record<string, { type?: unknown; enum?: unknown }>; required?: unknown };
  const names = Object.keys(s.properties ?? {});
  if (s.type !== 'object' || names.length !== 1) return undefined;
  const prop = s.properties![names[0]];
  if (prop.type !== 'string' || !Array.isArray(prop.enum) || !prop.enum.every((x) => typeof x === 'string')) return undefined;
  if (Object.keys(s).length !== 3 || Object.keys(prop).length !== 2 || JSON.stringify(s.required) !== JSON.stringify([names[0]])) return undefined;
  return { property: names[0], choices: prop.enum as string[] };
}

/**
 * The "one value from a list" format's errors by input: the allowed answers get those at the answer's `enum`, the
 * answer name the rest of `schema.properties…`, the format select the schema's own (`schema`, `schema.type`…).
 */
function choiceErrors(errors: Record<string, string[]>, p: string, property: string) {
  const out: { format: string[]; property: string[]; choices: string[] } = { format: [], property: [], choices: [] };
  const base = `${p}.schema`;
  const enumKey = `${base}.properties.${property}.enum`;
  for (const [k, messages] of Object.entries(errors)) {
    if (k !== base && !k.startsWith(`${base}.`) && !k.startsWith(`${base}[`)) continue;
    if (k === enumKey || k.startsWith(`${enumKey}[`)) out.choices.push(...messages);
    else if (k === `${base}.properties` || k.startsWith(`${base}.properties.`)) out.property.push(...messages);
    else out.format.push(...(k === base ? messages : messages.map((m) => `${k.slice(base.length + 1)}: ${m}`)));
  }
  return out;
}

/** The longest model id the backend takes (AiStepLimits.MaxModelLength). */
const MAX_MODEL_LENGTH = 200;

/** Why a saved schema is in the JSON box rather than the answer rows (empty when the rows could write it, or it is not JSON). */
function schemaNote(text: string): string {
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return '';
  }
  return parsed !== undefined && !outFieldsFrom(parsed)
    ? ' Kept as JSON: the answer rows cannot write this schema exactly (a keyword such as title or a type list, allowed values with a comma, or required names in another order).'
    : '';
}

export const aiChatKind: StepKind = {
  type: 'ai.chat',
  label: 'Ask an AI model',
  summary: 'Classify, summarise or draft text with an OpenAI or Anthropic connection.',
  docs: 'ai-step--aichat',
  help: (
    <>
      Sends the prompt to the model of an <strong>AI connection</strong> and waits for the whole answer. Nothing of the prompt or answer is stored.
      Later steps read <code>steps.&lt;id&gt;.text</code>; with an answer format they read <code>steps.&lt;id&gt;.output.&lt;name&gt;</code>, and an
      answer that does not match the format fails the step (<code>ai_invalid_output</code>) instead of passing on a guess. A dry run does not call the
      model, so these values are empty there.
    </>
  ),
  defaults: () => ({ connection: '', model: '', system: '', prompt: '', temperature: '', maxTokens: '', format: 'text', property: 'label', choices: '', schemaText: '', ...defaultOutFields(), timeoutSeconds: '', onError: 'stop', extra: {} }),
  fromJson(step) {
    const [connection, model, system, prompt] = [str(step.connection), str(step.model), str(step.system), str(step.prompt)];
    const [temperature, maxTokens, timeoutSeconds] = [numText(step.temperature), numText(step.maxTokens), numText(step.timeoutSeconds)];
    const onError = onErrorFrom(step.onError);
    if ([connection, model, system, prompt, temperature, maxTokens, timeoutSeconds, onError].some((x) => x === undefined)) return undefined;
    const choice = asChoice(step.schema);
    const fields = choice ? undefined : outFieldsFrom(step.schema);
    const values: Values = {
      connection,
      model,
      system,
      prompt,
      temperature,
      maxTokens,
      timeoutSeconds,
      onError,
      onErrorExplicit: step.onError !== undefined,
      format: step.schema === undefined ? 'text' : choice ? 'choice' : fields ? 'fields' : 'schema',
      property: choice?.property ?? 'label',
      choices: choice?.choices.join(', ') ?? '',
      schemaText: step.schema === undefined || choice || fields ? '' : JSON.stringify(step.schema, null, 2),
      ...(fields ?? defaultOutFields()),
      hadSystem: step.system !== undefined,
      ...split(step, KNOWN),
    };
    return values;
  },
  toJson(v, add) {
    if (!v.connection) add('connection', 'Choose an AI connection.');
    if (!String(v.model ?? '').trim()) add('model', 'Enter the model id, e.g. gpt-4o-mini.');
    else if (/\s/.test(String(v.model).trim())) add('model', 'A model id has no spaces.');
    else if (String(v.model).trim().length > MAX_MODEL_LENGTH) add('model', `A model id has at most ${MAX_MODEL_LENGTH} characters.`);
    if (!String(v.prompt ?? '').trim()) add('prompt', 'Write the prompt.');
    const out: Record<string, unknown> = { ...(v.extra ?? {}), type: 'ai.chat', connection: v.connection, model: String(v.model ?? '').trim() };
    if (v.system || v.hadSystem) out.system = v.system;
    out.prompt = v.prompt;
    const temperature = parseNumber(String(v.temperature ?? ''), 'temperature', add, { min: 0, max: 2, what: 'temperature' });
    if (temperature !== undefined) out.temperature = temperature;
    const maxTokens = parseNumber(String(v.maxTokens ?? ''), 'maxTokens', add, { min: 1, max: 64000, integer: true, what: 'tokens' });
    if (maxTokens !== undefined) out.maxTokens = maxTokens;
    if (v.format === 'choice') {
      const choices = String(v.choices ?? '').split(',').map((c) => c.trim()).filter(Boolean);
      const property = String(v.property ?? '').trim();
      // Keyed where they land in the schema the format writes, as the backend names a schema's parts.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(property)) add('schema.properties', 'Name the answer with letters, digits and _ (e.g. label).');
      if (choices.length === 0) add(`schema.properties.${property}.enum`, 'List at least one allowed answer.');
      out.schema = choiceSchema(property, choices);
    } else if (v.format === 'fields') {
      out.schema = outFieldsSchema(v as unknown as OutFields, add);
    } else if (v.format === 'schema') {
      try {
        const schema = JSON.parse(String(v.schemaText ?? ''));
        if (!schema || typeof schema !== 'object' || Array.isArray(schema)) add('schema', 'The schema must be a JSON object.');
        else out.schema = schema;
      } catch (e) {
        add('schema', `The schema is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const t = parseNumber(String(v.timeoutSeconds ?? ''), 'timeoutSeconds', add, { min: 1, max: 60, integer: true, what: 'seconds' });
    if (t !== undefined) out.timeoutSeconds = t;
    onErrorTo(out, v);
    return out;
  },
  Form({ index: i, values: s, onChange, errors, path: p, readOnly, connections }) {
    return (
      <>
        <div style={grid2}>
          <ConnectionSelect id={`step-${i}-connection`} ai value={s.connection} onChange={(v) => onChange({ connection: v })} connections={connections} errors={errors[`${p}.connection`]} readOnly={readOnly} />
          <TextField id={`step-${i}-model`} label="Model" required value={s.model} onChange={(v) => onChange({ model: v })} errors={errors[`${p}.model`]} isDisabled={readOnly} placeholder="gpt-4o-mini" helper="The provider's model id." />
        </div>
        <TemplateField id={`step-${i}-system`} label="Instructions (system prompt, optional)" multiline value={s.system} onChange={(v) => onChange({ system: v })} errors={errors[`${p}.system`]} isDisabled={readOnly} placeholder="You triage bug reports. Answer with one label." />
        <TemplateField id={`step-${i}-prompt`} label="Prompt" multiline rows={4} value={s.prompt} onChange={(v) => onChange({ prompt: v })} errors={errors[`${p}.prompt`]} isDisabled={readOnly} placeholder="Summary: {{ issue.fields.summary }}" />
        <SelectField
          id={`step-${i}-format`}
          label="Answer format"
          options={[
            { value: 'text', label: 'Free text (steps.<id>.text)' },
            { value: 'choice', label: 'One value from a list (steps.<id>.output.<name>)' },
            { value: 'fields', label: 'Several named values, e.g. a priority, labels and a reason (steps.<id>.output.<name>)' },
            { value: 'schema', label: 'Custom JSON schema' },
          ]}
          value={s.format}
          onChange={(v) => onChange({ format: v || 'text' })}
          isDisabled={readOnly}
          errors={
            s.format === 'schema'
              ? undefined
              : s.format === 'choice'
                ? choiceErrors(errors, p, String(s.property ?? '').trim()).format
                : s.format === 'fields'
                  ? schemaLevelErrors(errors, p, (s.outFields as OutField[]).map((f) => f.name.trim()))
                  : errors[`${p}.schema`]
          }
        />
        {s.format === 'choice' && (
          <div style={grid2}>
            <TextField id={`step-${i}-property`} label="Answer name" value={s.property} onChange={(v) => onChange({ property: v })} errors={choiceErrors(errors, p, String(s.property ?? '').trim()).property} isDisabled={readOnly} helper="Read later as steps.<id>.output.<name>." />
            <TextField id={`step-${i}-choices`} label="Allowed answers" value={s.choices} onChange={(v) => onChange({ choices: v })} errors={choiceErrors(errors, p, String(s.property ?? '').trim()).choices} isDisabled={readOnly} placeholder="bug, feature, question" helper="Comma separated; the model must answer one of them." />
          </div>
        )}
        {s.format === 'fields' && <OutFieldsEditor index={i} rows={s.outFields as OutField[]} onRows={(outFields) => onChange({ outFields })} errors={errors} path={p} readOnly={readOnly} />}
        {s.format === 'schema' && (
          <TextAreaField id={`step-${i}-schema`} label="JSON schema" value={s.schemaText} onChange={(v) => onChange({ schemaText: v })} errors={Object.entries(errors).filter(([k]) => k === `${p}.schema` || k.startsWith(`${p}.schema.`)).flatMap(([, m]) => m)} isDisabled={readOnly} helper={`An object schema: type, properties, required, items, enum, additionalProperties, description, title.${schemaNote(String(s.schemaText ?? ''))}`} />
        )}
        <div style={grid2}>
          <TextField id={`step-${i}-temperature`} label="Temperature (optional)" value={s.temperature} onChange={(v) => onChange({ temperature: v })} errors={errors[`${p}.temperature`]} isDisabled={readOnly} placeholder="0–2, OpenAI only" />
          <TextField id={`step-${i}-maxTokens`} label="Max answer tokens" value={s.maxTokens} onChange={(v) => onChange({ maxTokens: v })} errors={errors[`${p}.maxTokens`]} isDisabled={readOnly} placeholder="1024 (default)" />
          <TextField id={`step-${i}-timeout`} label="Timeout (seconds)" value={s.timeoutSeconds} onChange={(v) => onChange({ timeoutSeconds: v })} errors={errors[`${p}.timeoutSeconds`]} isDisabled={readOnly} placeholder="60 (default)" />
          <OnErrorSelect id={`step-${i}-onError`} value={s.onError} onChange={(v) => onChange({ onError: v })} errors={errors[`${p}.onError`]} readOnly={readOnly} />
        </div>
      </>
    );
  },
};
