import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from './errors';

const root = path.resolve(__dirname, '../../../..');

describe('docs/api.md error categories', () => {
  it('list every category the UI explains, with the same words', () => {
    const doc = readFileSync(path.join(root, 'docs/api.md'), 'utf8');
    for (const [key, e] of Object.entries(ERROR_CATEGORIES)) {
      expect(doc, key).toContain(`| \`${key}\` | **${e.title}.** ${e.explanation} | ${e.fix} |`);
    }
    // The generator agrees that the table is current.
    expect(() => execFileSync('node', [path.join(root, 'scripts/error-categories-doc.mjs'), '--check'])).not.toThrow();
  });
});
