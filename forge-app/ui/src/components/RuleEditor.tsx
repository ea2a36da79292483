import React, { useContext, useEffect, useMemo, useRef, useState } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage, { SectionMessageAction } from '@atlaskit/section-message';
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import { api, ApiError, type Connection, type Rule, type RuleDefinition, type RuleWarning, type Webhook } from '../api';
import { smartGroups } from '../lib/smartValues';
import { useJiraFields } from './JiraPicker';
import { SmartScope } from './SmartValuePicker';
import { followEdits } from '../lib/followEdits';
import { definitionFromDraft, draftFromDefinition, emptyDraft, placeErrors, type RuleDraft } from '../lib/ruleForm';
import { ConditionBuilder } from './ConditionBuilder';
import { DryRunPanel } from './DryRunPanel';
import { StepsEditor } from './StepsEditor';
import { TriggerEditor } from './TriggerEditor';
import { RuleWarnings } from './RuleWarnings';
import { useHeadingFocus } from './focusMoves';
import { ConfirmDialog, ErrorBanner, ErrorSummary, Loading, row, Section, stack, TextField, WARNING_MARK } from './common';
import { sameJson } from '../steps/registry';
import { LeaveGuard } from './leaveGuard';

/** Warnings that only say Jira could not be asked (docs/api.md, Save-time warnings). */
const NOT_CHECKED = new Set(['fields_not_checked', 'jql_not_checked']);

/** A 409 whose reason is rule_changed: the rule was saved by someone else since this editor opened it (docs/api.md, Rules). */
function isRuleChanged(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 409 && err.problem.reason === 'rule_changed';
}

export function RuleEditor({
  ruleId,
  initial,
  notes,
  readOnly,
  onSaved,
  onCancel,
}: {
  ruleId?: string;
  /** A new rule's starting definition (a template, an imported or duplicated rule). */
  initial?: RuleDefinition;
  /** Messages to show above the form (e.g. connections an import could not match). */
  notes?: string[];
  readOnly: boolean;
  onSaved: (rule: Rule) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<RuleDraft>();
  // The starting definition of a new rule (a template) is read once, when the editor opens: a parent that passes a
  // new object on a re-render must not reset the admin's edits.
  const initialRef = useRef(initial);
  const [rule, setRule] = useState<Rule>();
  const [connections, setConnections] = useState<Connection[]>([]);
  const [webhooks, setWebhooks] = useState<Webhook[]>([]);
  const [loadError, setLoadError] = useState<unknown>();
  // Problems are keyed against the draft they were found in; shown, they follow the steps and conditions through the
  // moves and removals made since (lib/followEdits.ts), so none is shown at a step that took another's place.
  const [found, setFound] = useState<{ problems: Record<string, string[]>; at?: RuleDraft }>({ problems: {} });
  const [failure, setFailure] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [checking, setChecking] = useState(false);
  // Warnings of the last save or check; a save with warnings keeps the editor open on the saved rule.
  // `at`: the draft that was saved or checked; each warning is also shown at its field, following later moves.
  const [warnings, setWarningState] = useState<{ list: RuleWarning[]; after: 'save' | 'check'; at?: RuleDraft }>();
  const [savedWithWarnings, setSavedWithWarnings] = useState<Rule>();
  // The definition as opened (or last saved): leaving with another one asks first.
  const [baseline, setBaseline] = useState<RuleDefinition>();
  const [confirmLeave, setConfirmLeave] = useState(false);
  // Counts saves and checks refused with problems: the summary at the top then takes focus (the buttons that were
  // pressed may be at the bottom of a long rule, where nothing else would show).
  const [refused, setRefused] = useState(0);
  const setErrors = (problems: Record<string, string[]>) => setFound({ problems, at: draft });
  const errors = useMemo(() => (found.at && draft ? followEdits(found.at, draft, found.problems) : found.problems), [found, draft]);
  const setWarnings = (w: { list: RuleWarning[]; after: 'save' | 'check' }) => setWarningState({ ...w, at: draft });
  // What the trigger, condition and step editors show at their fields: the errors, and each warning at its path.
  const placedWarnings = useMemo(() => {
    if (!warnings?.at || !warnings.list.some((w) => w.path)) return undefined;
    const byPath: Record<string, string[]> = {};
    for (const w of warnings.list) if (w.path) byPath[w.path] = [...(byPath[w.path] ?? []), `${w.message}${WARNING_MARK}`];
    return { at: warnings.at, map: placeErrors(warnings.at, byPath) };
  }, [warnings]);
  const shown = useMemo(() => {
    if (!placedWarnings || !draft) return errors;
    const out = { ...errors };
    for (const [path, messages] of Object.entries(followEdits(placedWarnings.at, draft, placedWarnings.map))) out[path] = [...(out[path] ?? []), ...messages];
    return out;
  }, [errors, placedWarnings, draft]);
  const refuse = (problems: Record<string, string[]>) => {
    setErrors(problems);
    setRefused((n) => n + 1);
  };
  // The page around the editor (the admin tabs) asks this before unmounting it.
  const registerGuard = useContext(LeaveGuard);
  const hasChanges = useRef<() => boolean>(() => false);
  useEffect(() => {
    registerGuard(() => hasChanges.current());
    return () => registerGuard(undefined);
  }, [registerGuard]);
  // Reloading or closing the page (what a 401 tells the admin to do) with changes not saved asks the browser to confirm
  // first (https://html.spec.whatwg.org/multipage/nav-history-apis.html#the-beforeunloadevent-interface).
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (!hasChanges.current()) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, []);
  const fields = useJiraFields();

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [loaded, conns] = await Promise.all([ruleId ? api.getRule(ruleId) : Promise.resolve(undefined), api.listConnections()]);
        if (!live) return;
        setRule(loaded);
        setConnections(conns);
        const opened = loaded ? draftFromDefinition({ ...loaded.definition, enabled: loaded.definition?.enabled ?? loaded.enabled }) : initialRef.current ? draftFromDefinition(initialRef.current) : emptyDraft();
        setDraft(opened);
        setBaseline(definitionFromDraft(opened).definition);
      } catch (e) {
        if (live) setLoadError(e);
      }
      // Webhooks are optional for the editor: a backend without them still lets people edit rules.
      api.listWebhooks().then(
        (w) => live && setWebhooks(w),
        () => undefined,
      );
    })();
    return () => {
      live = false;
    };
  }, [ruleId]);

  const heading = useHeadingFocus(!!draft);
  if (loadError) return <ErrorBanner error={loadError} title="Could not open the rule" />;
  if (!draft) return <Loading label="Loading the rule" />;

  const patch = (p: Partial<RuleDraft>) => setDraft((d) => ({ ...d!, ...p }));
  // After a first save with warnings the editor stays open: later saves update the rule just created.
  // The rule last saved here comes first: one saved anew after its deletion elsewhere has a new id.
  const currentId = savedWithWarnings?.id ?? ruleId;
  const creating = !currentId;

  function buildForDryRun() {
    const { definition, errors: local } = definitionFromDraft(draft!);
    setErrors(local);
    return Object.keys(local).length ? { errors: local } : { definition, errors: local };
  }

  /**
   * `over`: the version an admin chose to save over after a 409 rule_changed (else the version the editor opened).
   * `anew`: the rule was deleted elsewhere (404) and the admin chose to save the edits as a new rule.
   */
  async function save(e?: React.FormEvent, over?: number, anew = false) {
    e?.preventDefault();
    if (readOnly) return;
    const { definition, errors: local } = definitionFromDraft(draft!);
    setErrors(local);
    setFailure(undefined);
    if (Object.keys(local).length) return refuse(local);
    setSaving(true);
    try {
      // The version opened (or last saved here): a rule someone else saved since is refused (409 rule_changed), not overwritten.
      // Enabling or disabling from the rules list is not a new version, so baseVersion cannot see it: an `enabled` the
      // admin did not change here is left out, and the backend keeps the rule's current state (docs/api.md).
      const { enabled, ...rest } = definition;
      const sent = !creating && baseline && enabled === baseline.enabled ? rest : definition;
      const saved = creating || anew ? await api.createRule(definition) : await api.updateRule(currentId!, sent, over ?? rule?.version);
      // "Field names / the JQL were not checked" (Jira not reachable, or local development) says nothing about this
      // rule's content: it does not hold the editor open.
      if (saved?.warnings?.some((w) => !NOT_CHECKED.has(w.code))) {
        setBaseline(definition);
        setSavedWithWarnings(saved);
        setRule(saved);
        setWarnings({ list: saved.warnings, after: 'save' });
      } else {
        onSaved(saved);
      }
    } catch (err) {
      // A 409 rule_changed names baseVersion in its errors: it is shown as what it is, not as a field to fix.
      if (isRuleChanged(err)) setFailure(err);
      else if (err instanceof ApiError && Object.keys(err.fieldErrors).length) refuse(placeErrors(draft!, err.fieldErrors));
      else setFailure(err);
    } finally {
      setSaving(false);
    }
  }

  async function check() {
    const { definition, errors: local } = definitionFromDraft(draft!);
    setErrors(local);
    setFailure(undefined);
    if (Object.keys(local).length) return refuse(local);
    setChecking(true);
    try {
      const result = await api.validateRule(definition);
      setWarnings({ list: result?.warnings ?? [], after: 'check' });
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fieldErrors).length) refuse(placeErrors(draft!, err.fieldErrors));
      else setFailure(err);
    } finally {
      setChecking(false);
    }
  }

  const back = () => (savedWithWarnings ? onSaved(savedWithWarnings) : onCancel());
  // A 409 rule_changed: someone saved the rule after this editor opened it (docs/api.md, Rules).
  const changedElsewhere = isRuleChanged(failure)
      ? { detail: failure.detail ?? failure.title, currentVersion: typeof failure.problem.currentVersion === 'number' ? failure.problem.currentVersion : undefined }
      : undefined;
  // A 404 on saving: the rule was deleted elsewhere while this editor was open.
  const deletedElsewhere = !creating && failure instanceof ApiError && failure.status === 404;
  hasChanges.current = () => !readOnly && !!baseline && !sameJson(definitionFromDraft(draft).definition, baseline);
  const leave = () => (hasChanges.current() ? setConfirmLeave(true) : back());
  const count = Object.values(errors).reduce((n, m) => n + m.length, 0);
  const warningList = warnings?.list;
  return (
    <form onSubmit={save} aria-label={creating ? 'New rule' : `Rule ${draft.name}`} style={stack('space.300')} noValidate>
      <div style={{ ...row('space.100'), justifyContent: 'space-between' }}>
        <h3 ref={heading} tabIndex={-1} style={{ margin: 0, font: token('font.heading.medium') }}>
          {creating ? 'New rule' : `${readOnly ? '' : 'Edit '}${rule?.name ?? draft.name}`}
          {rule ? <span style={{ font: token('font.body'), color: token('color.text.subtle') }}> — version {rule.version}</span> : null}
        </h3>
        <div style={row('space.100')}>
          {!readOnly && (
            <Button appearance="primary" type="submit" isLoading={saving}>
              {creating ? 'Create rule' : 'Save rule'}
            </Button>
          )}
          <Button appearance="subtle" onClick={leave}>
            {readOnly ? 'Back' : 'Cancel'}
          </Button>
        </div>
      </div>
      {readOnly && (
        <SectionMessage appearance="information">
          <p>You are viewing this rule read-only.</p>
        </SectionMessage>
      )}
      {notes && notes.length > 0 && (
        <div role="status" data-testid="rule-notes">
          <SectionMessage appearance={notes.length > 1 ? 'warning' : 'information'} title={notes[0]}>
            {notes.length > 1 && (
              <ul style={{ margin: 0 }}>
                {notes.slice(1).map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            )}
          </SectionMessage>
        </div>
      )}
      {changedElsewhere ? (
        <div role="alert" data-testid="rule-changed">
          <SectionMessage
            appearance="warning"
            title="Someone else saved this rule while you were editing it"
            actions={
              changedElsewhere.currentVersion ? (
                <SectionMessageAction onClick={() => save(undefined, changedElsewhere.currentVersion)}>
                  {`Save my changes over version ${changedElsewhere.currentVersion}`}
                </SectionMessageAction>
              ) : undefined
            }
          >
            <p style={{ margin: 0 }}>{changedElsewhere.detail}</p>
            <p style={{ margin: 0 }}>
              Your changes are still here, not saved. To see the other change, open the rule&apos;s version history in another browser tab; then save
              yours over it, or cancel to keep theirs.
            </p>
          </SectionMessage>
        </div>
      ) : deletedElsewhere ? (
        <div role="alert" data-testid="rule-deleted">
          <SectionMessage
            appearance="warning"
            title="This rule was deleted while you were editing it"
            actions={<SectionMessageAction onClick={() => save(undefined, undefined, true)}>Save my changes as a new rule</SectionMessageAction>}
          >
            <p style={{ margin: 0 }}>{failure.detail ?? failure.title}</p>
            <p style={{ margin: 0 }}>Your changes are still here, not saved: save them as a new rule, or cancel to let the rule go.</p>
          </SectionMessage>
        </div>
      ) : (
        <ErrorBanner error={failure} title="The rule was not saved" />
      )}
      <ErrorSummary errors={errors} title={`${count} ${count === 1 ? 'problem' : 'problems'} to fix`} linked focusOn={refused} />
      {warnings && (
        <div role="status" data-testid="warnings-summary">
          <SectionMessage
            appearance={warnings.list.length ? 'warning' : 'success'}
            title={
              warnings.list.length === 0
                ? 'No problems found'
                : `${warnings.after === 'save' ? `Saved version ${savedWithWarnings?.version ?? ''}, with` : 'The rule is valid, with'} ${warnings.list.length} ${warnings.list.length === 1 ? 'warning' : 'warnings'}`
            }
            /* Changes made after the save (fixing what a warning says) are not saved: leaving asks first, as Cancel does. */
            actions={
              savedWithWarnings && warnings.after === 'save' ? <SectionMessageAction onClick={leave}>Done: back to the rules</SectionMessageAction> : undefined
            }
          >
            <p style={{ margin: 0 }}>
              {warnings.list.length === 0
                ? 'Every field, step and value the rule reads exists.'
                : 'Warnings do not stop the rule from being saved or running; each is shown at its field below.'}
            </p>
          </SectionMessage>
        </div>
      )}
      <RuleWarnings warnings={warningList} section="rule" />

      <Section title="Basics">
        <div style={{ display: 'grid', gridTemplateColumns: '1fr auto', gap: token('space.200'), alignItems: 'end' }}>
          <TextField id="rule-name" label="Name" required value={draft.name} onChange={(v) => patch({ name: v })} errors={errors.name} isDisabled={readOnly} placeholder="e.g. Notify the webhook when an OPS issue is done" />
          <div style={{ ...row('space.100'), paddingBottom: token('space.050') }}>
            <Toggle id="rule-enabled" isChecked={draft.enabled} isDisabled={readOnly} onChange={() => patch({ enabled: !draft.enabled })} />
            <label htmlFor="rule-enabled">Enabled</label>
          </div>
        </div>
      </Section>

      <Section title="Trigger">
        <TriggerEditor draft={draft} onChange={patch} webhooks={webhooks} errors={shown} readOnly={readOnly} />
        <RuleWarnings warnings={warningList} section="trigger" />
      </Section>

      <Section title="Conditions">
        {errors.conditions?.map((m, i) => (
          <span key={i} role="alert" style={{ color: token('color.text.danger') }}>
            {m}
          </span>
        ))}
        <SmartScope.Provider value={smartGroups([], fields)}>
          <ConditionBuilder value={draft.conditions} onChange={(conditions) => patch({ conditions })} errors={shown} readOnly={readOnly} />
        </SmartScope.Provider>
        <RuleWarnings warnings={warningList} section="conditions" />
      </Section>

      <Section title="Steps">
        {errors.steps?.map((m, i) => (
          <span key={i} role="alert" style={{ color: token('color.text.danger') }}>
            {m}
          </span>
        ))}
        <RuleWarnings warnings={warningList} section="steps" />
        <StepsEditor steps={draft.steps} onChange={(steps) => patch({ steps })} connections={connections} errors={shown} readOnly={readOnly} fields={fields} />
      </Section>

      <Section title="Dry run">
        <DryRunPanel build={buildForDryRun} onFieldErrors={(e) => setErrors(placeErrors(draft, e))} trigger={definitionFromDraft(draft).definition.trigger} />
      </Section>

      {!readOnly && (
        <div style={row('space.100')}>
          <Button appearance="primary" type="submit" isLoading={saving}>
            {creating ? 'Create rule' : 'Save rule'}
          </Button>
          <Button onClick={check} isLoading={checking}>
            Check for problems
          </Button>
          <Button appearance="subtle" onClick={leave}>
            Cancel
          </Button>
        </div>
      )}
      <ConfirmDialog isOpen={confirmLeave} title="Discard your changes?" confirmLabel="Discard changes" appearance="warning" onCancel={() => setConfirmLeave(false)} onConfirm={back}>
        <p>{creating ? 'The rule has not been created.' : 'Your changes to this rule have not been saved.'} Leaving now discards them.</p>
      </ConfirmDialog>
    </form>
  );
}
