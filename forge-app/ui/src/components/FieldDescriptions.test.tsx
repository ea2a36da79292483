// Screen-reader basics of the builder's inputs: a hint and an error are read with the input they belong to.
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { SelectField, TextField } from './common';
import { forEachKind } from '../steps/blocks';
import { httpKind } from '../steps/http';

const described = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`);

describe('inputs are described by their hint and their errors', () => {
  it('a text input reads its errors, then its hint', () => {
    render(<TextField id="limit" label="Stop after (items)" value="2000" onChange={() => undefined} helper="1 to 1000." errors={['must be from 1 to 1000']} />);
    expect(described(screen.getByLabelText(/^Stop after/))).toEqual(['must be from 1 to 1000', '1 to 1000.']);
  });

  it('a select reads its errors (a backend 400 on steps[0].connection) and its hint', () => {
    render(<SelectField id="conn" label="Connection" options={[{ value: 'a', label: 'A' }]} value="" onChange={() => undefined} helper="Only connections with an AI provider are listed." errors={['is not a connection of this site']} />);
    const texts = described(screen.getByLabelText(/^Connection/));
    expect(texts).toContain('is not a connection of this site');
    expect(texts).toContain('Only connections with an AI provider are listed.');
  });

  it('the step forms: a for-each limit hint and an http connection error are read with their input', () => {
    const errors = { 'steps[0].limit': ['must be a whole number from 1 to 1000'], 'steps[1].connection': ['is required'] };
    const Each = forEachKind.Form;
    const Http = httpKind.Form;
    render(
      <>
        <Each index={0} values={forEachKind.defaults()} onChange={() => undefined} errors={errors} path="steps[0]" readOnly={false} connections={[]} />
        <Http index={1} values={httpKind.defaults()} onChange={() => undefined} errors={errors} path="steps[1]" readOnly={false} connections={[]} />
      </>,
    );
    expect(described(document.getElementById('step-0-limit')!)).toEqual(['must be a whole number from 1 to 1000', '1 to 1000. Items beyond it are left out, and the run says so.']);
    expect(described(document.getElementById('step-1-connection')!)).toContain('is required');
  });
});
