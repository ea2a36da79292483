// The backend names the part of a step a problem is in with a JSON path (docs/api.md "Errors"); the builder shows each
// message at the input that edits that part, not only in the summary at the top.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/react';
import type { Step } from '../api';
import { StepsEditor } from '../components/StepsEditor';
import { draftFromDefinition } from '../lib/ruleForm';

/** The messages shown at the input with this id (Field's `data-field-error`). */
function shownAt(inputId: string): string[] {
  return [...document.querySelectorAll(`[data-field-error="${inputId}"]`)].map((e) => e.textContent ?? '');
}

function renderStep(step: Step, errors: Record<string, string[]>) {
  const draft = draftFromDefinition({ name: 'x', trigger: { type: 'manual' }, steps: [step] });
  expect(draft.steps[0].mode).toBe('form');
  render(<StepsEditor steps={draft.steps} onChange={() => undefined} connections={[]} errors={errors} readOnly={false} />);
}

describe('backend errors inside a step are shown at their input', () => {
  it('jira.edit update: an operation of a list (update.labels[1].remove) at that row, one written alone (update.labels.add) at its row', () => {
    renderStep({ id: 'e', type: 'jira.edit', update: { labels: [{ add: 'a' }, { remove: '{{ x' }], components: { add: '{{ y' } } }, {
      'steps[0].update.labels[1].remove': ['is not a valid template: unclosed output'],
      'steps[0].update.components.add': ['is not a valid template: unclosed tag'],
    });
    expect(shownAt('step-0-update-value-0')).toEqual([]);
    expect(shownAt('step-0-update-value-1')).toEqual(['is not a valid template: unclosed output']);
    expect(shownAt('step-0-update-value-2')).toEqual(['is not a valid template: unclosed tag']);
  });
});

describe('backend errors inside a JSON or document value are shown at its input', () => {
  it('jira.edit: a leaf of a custom field’s JSON value (fields.customfield_10020.value) at that field’s value', () => {
    renderStep({ id: 'e', type: 'jira.edit', fields: { summary: 'x', customfield_10020: { value: '{{ x' } } }, {
      'steps[0].fields.customfield_10020.value': ['is not a valid template: unclosed output'],
    });
    expect(shownAt('step-0-value-0')).toEqual([]);
    expect(shownAt('step-0-value-1')).toEqual(['value: is not a valid template: unclosed output']);
  });

  it('jira.comment: a text leaf of a document body (body.content[1].content[0].text) at the comment, naming the paragraph', () => {
    const doc = { type: 'doc', version: 1, content: [
      { type: 'paragraph', content: [{ type: 'text', text: 'Hello' }] },
      { type: 'paragraph', content: [{ type: 'text', text: '{{ x' }] },
    ] };
    renderStep({ id: 'c', type: 'jira.comment', body: doc }, { 'steps[0].body.content[1].content[0].text': ['is not a valid template: unclosed output'] });
    expect(shownAt('step-0-body')).toEqual(['Paragraph 2: is not a valid template: unclosed output']);
  });
});

describe('backend errors on one item of a list are shown at the list', () => {
  it('jira.search: select[1] (a field id the backend refuses) at the fields input, naming the id', () => {
    renderStep({ id: 's', type: 'jira.search', jql: 'project = OPS', select: ['summary', 'story points'] }, {
      'steps[0].select[1]': ['must be a field id such as summary, status or customfield_10016'],
    });
    expect(shownAt('step-0-select')).toEqual(['“story points”: must be a field id such as summary, status or customfield_10016']);
  });
});
