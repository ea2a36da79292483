// Export and import of rules as JSON files. A file carries the rule and, for each connection it uses, the
// connection's name (ids are tenant-specific); on import, connections are matched by name.
import type { Connection, RuleDefinition, Step } from '../api';
import { stepKind } from '../steps/registry';
import { humanPath } from './errors';
import { inexactNumbers } from './jsonNumbers';

export const RULE_FILE_FORMAT = 'blubees.rule/v1';

export interface RuleFile {
  format: typeof RULE_FILE_FORMAT;
  exportedAt?: string;
  rule: RuleDefinition;
  /** id → name (and kind) of every connection the rule names. */
  connections: Record<string, { name: string; provider?: string | null }>;
}

/** Where a step names a connection: `connection`, and a transfer's `source`/`destination.connection`. */
function connectionSlots(step: Step): { get: () => unknown; set: (v: string) => void; where: string }[] {
  const slots: { get: () => unknown; set: (v: string) => void; where: string }[] = [];
  const s = step as Record<string, unknown>;
  if ('connection' in s) slots.push({ get: () => s.connection, set: (v) => (s.connection = v), where: 'connection' });
  for (const side of ['source', 'destination']) {
    const o = s[side] as Record<string, unknown> | undefined;
    if (o && typeof o === 'object' && 'connection' in o) slots.push({ get: () => o.connection, set: (v) => (o.connection = v), where: `${side}.connection` });
  }
  return slots;
}

/** Every step of a rule with its path, blocks' nested steps (`then`, `else`, a loop's `steps`) included. */
export function allSteps(steps: Step[] | undefined, prefix = 'steps'): { step: Step; path: string }[] {
  return (steps ?? []).flatMap((step, i) => {
    const path = `${prefix}[${i}]`;
    const s = step as Record<string, unknown>;
    const nested = (typeof s.type === 'string' ? stepKind(s.type)?.nested : undefined) ?? [];
    return [{ step, path }, ...nested.flatMap(({ key }) => (Array.isArray(s[key]) ? allSteps(s[key] as Step[], `${path}.${key}`) : []))];
  });
}

export function exportRule(definition: RuleDefinition, connections: Connection[], now = new Date()): RuleFile {
  const used: RuleFile['connections'] = {};
  for (const { step } of allSteps(definition.steps)) {
    for (const slot of connectionSlots(structuredClone(step))) {
      const id = slot.get();
      const c = typeof id === 'string' ? connections.find((x) => x.id === id) : undefined;
      if (c) used[c.id] = c.provider ? { name: c.name, provider: c.provider } : { name: c.name };
    }
  }
  return { format: RULE_FILE_FORMAT, exportedAt: now.toISOString(), rule: structuredClone(definition), connections: used };
}

export function ruleFileName(name: string): string {
  return `${(name || 'rule').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'rule'}.blubees.json`;
}

export interface ImportResult {
  definition?: RuleDefinition;
  /** Problems the user must resolve (unmatched or ambiguous connections); the rule still opens. */
  messages: string[];
  /** Why the file could not be read at all. */
  error?: string;
}

/** Reads a rule file (or a bare rule definition) and re-points its connections by name. */
export function importRule(text: string, connections: Connection[]): ImportResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { messages: [], error: `The file is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { messages: [], error: 'The file does not hold a BluBees rule.' };
  const file = parsed as Partial<RuleFile> & Partial<RuleDefinition>;
  const isFile = file.format === RULE_FILE_FORMAT;
  if (file.format !== undefined && !isFile) return { messages: [], error: `Unknown file format “${String(file.format)}”.` };
  const definition = structuredClone((isFile ? file.rule : file) as RuleDefinition);
  if (!definition || typeof definition !== 'object' || !Array.isArray(definition.steps) || !definition.trigger) {
    return { messages: [], error: 'The file does not hold a BluBees rule (no trigger or steps).' };
  }
  const names = (isFile && file.connections) || {};
  const messages: string[] = [];
  allSteps(definition.steps).forEach(({ step, path }) => {
    for (const slot of connectionSlots(step)) {
      const id = slot.get();
      if (typeof id !== 'string' || !id) continue;
      const where = `${humanPath(path)} (${step.id}${slot.where === 'connection' ? '' : `, ${slot.where.split('.')[0]}`})`;
      const exported = names[id]?.name;
      if (!exported) {
        if (connections.some((c) => c.id === id)) continue; // a bare definition from this site
        messages.push(`${where}: the file does not name its connection; pick one.`);
        slot.set('');
        continue;
      }
      const matches = connections.filter((c) => c.name.trim().toLowerCase() === exported.trim().toLowerCase());
      if (matches.length === 1) slot.set(matches[0].id);
      else {
        slot.set('');
        messages.push(
          matches.length === 0
            ? `${where}: no connection here is named “${exported}”. Create it in Connections, or pick another one.`
            : `${where}: ${matches.length} connections are named “${exported}”; pick the right one.`,
        );
      }
    }
  });
  // JSON.parse rounded them already: say so, rather than let the first save store other numbers than the file's.
  const rounded = inexactNumbers(text);
  if (rounded.length) {
    const shown = rounded.slice(0, 3).map((n) => (n.length > 40 ? `${n.slice(0, 40)}…` : n));
    messages.push(
      `The file holds ${rounded.length === 1 ? 'a number' : `${rounded.length} numbers`} with more digits than the rule builder can keep (${shown.join(', ')}${rounded.length > 3 ? ', …' : ''}): ${rounded.length === 1 ? 'it is' : 'they are'} rounded here. Check ${rounded.length === 1 ? 'it' : 'them'} before saving, or create the rule through the API (docs/api.md).`,
    );
  }
  return { definition, messages };
}

/** Opens the browser's download of `content` as `fileName`. */
export function download(fileName: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
