import type React from 'react';
import type { Connection } from '../api';

/** A kind's form state: strings for inputs, lists for repeated rows, `extra` for properties the form does not show. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Values = Record<string, any>;
export type AddError = (relativePath: string, message: string) => void;

export interface StepFormProps {
  /** The step's number at the top level; a nested step's position (`2-then-0`), used in element ids. */
  index: number | string;
  values: Values;
  onChange: (patch: Values) => void;
  /** Errors keyed by full path (`steps[0].path`); `path` is this step's prefix. */
  errors: Record<string, string[]>;
  path: string;
  readOnly: boolean;
  connections: Connection[];
}

/**
 * One step kind: a form, its help, its defaults and the conversions. `fromJson` gets the step without its
 * id and returns undefined when the form cannot show it; the editor also checks `toJson(fromJson(x))`
 * equals `x` before using the form, so a step is never altered by opening it.
 */
export interface StepKind {
  type: string;
  label: string;
  /** One sentence for the "Add step" menu. */
  summary: string;
  /** Help shown inside the form. */
  help: React.ReactNode;
  /** Anchor of the kind's section in docs/api.md. */
  docs: string;
  defaults: () => Values;
  fromJson: (step: Record<string, unknown>) => Values | undefined;
  toJson: (values: Values, add: AddError) => Record<string, unknown>;
  Form: React.ComponentType<StepFormProps>;
  /**
   * Blocks (`if`, `forEach`): the lists of nested steps the kind holds, by property, with their headings. The
   * editor converts and renders them (with the same forms as top-level steps); `fromJson`/`toJson` never see them.
   */
  nested?: { key: string; label: string; help?: string; optional?: boolean }[];
  /** `required`: the step's `if` is the block's own condition (if/else), not the optional "Only run if…". */
  condition?: 'required';
  /** Nested steps run once per item, with `item` and `index` in scope. */
  loop?: boolean;
}
