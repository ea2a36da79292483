import { describe, expect, it } from 'vitest';
import { inexactNumbers } from './jsonNumbers';
import { httpKind } from '../steps/http';
import { fieldRowsTo } from '../steps/jira';
import { definitionFromDraft, emptyDraft, newStep } from './ruleForm';

const errorsOf = (run: (add: (path: string, message: string) => void) => void) => {
  const errors: Record<string, string[]> = {};
  run((path, message) => (errors[path] = [...(errors[path] ?? []), message]));
  return errors;
};

describe('numbers typed in JSON that a JavaScript number cannot keep', () => {
  it('are found outside strings only; numbers kept as their value (1.10, 1e20, 2^53) are not', () => {
    expect(inexactNumbers('{"id": 12345678901234567890, "big": 1e400, "text": "12345678901234567890", "r": 1.10, "e": 1e20, "m": 9007199254740992, "n": -3}')).toEqual(['12345678901234567890', '1e400']);
  });

  it('are refused where the admin typed them (http body, a Jira field JSON value, a JSON step) instead of being saved rounded', () => {
    const body = errorsOf((add) => httpKind.toJson({ ...httpKind.defaults(), connection: 'c1', path: '/x', bodyText: '{"chatId": 12345678901234567890}' }, add));
    expect(body.body?.[0]).toContain('12345678901234567890');
    const field = errorsOf((add) => fieldRowsTo([{ id: 'f1', field: 'customfield_10100', value: '12345678901234567890', json: true }], add));
    expect(field['fields.customfield_10100']?.[0]).toContain('would be saved as 12345678901234567000');
    const draft = { ...emptyDraft(), name: 'R', steps: [{ ...newStep(0, 'json'), jsonText: '{"type": "http", "connection": "c1", "path": "/x", "body": {"n": 1e400}}' }] };
    expect(definitionFromDraft(draft).errors['steps[0]']?.[0]).toContain('1e400');
  });
});

describe('a rule file imported with such numbers', () => {
  it('says they were rounded, instead of letting the first save store other numbers than the file', async () => {
    const { importRule } = await import('./ruleFiles');
    const text = '{"name": "Imported", "trigger": {"type": "manual"}, "steps": [{"id": "post", "type": "http", "url": "https://chat.example.com/x", "body": {"chatId": 12345678901234567890}}]}';
    const { definition, messages } = importRule(text, []);
    expect(definition?.name).toBe('Imported');
    expect(messages.join(' ')).toContain('12345678901234567890');
    expect(importRule('{"name": "Fine", "trigger": {"type": "manual"}, "steps": [{"id": "a", "type": "jira.fetch", "n": 1.10}]}', []).messages).toEqual([]);
  });
});
