// jira.comment: insert a mention (the reporter, the assignee, the acting user or a person picked) or a link into the
// comment, so mentioning someone or linking a page needs no Atlassian Document Format JSON. The comment is then saved
// as rich text (lib/adf.ts richAdfFromText: `@[accountId]` a mention, `[text](address)` a link).
import React from 'react';
import Button from '@atlaskit/button/new';
import { token } from '@atlaskit/tokens';
import { SelectField, TextField } from '../components/common';
import { JiraUserSelect } from '../components/JiraPicker';
import { TemplateField } from '../components/SmartValuePicker';
import { jira } from '../lib/jira';

const WHO = [
  { value: '{{ issue.fields.reporter.accountId }}', label: 'The reporter' },
  { value: '{{ issue.fields.assignee.accountId }}', label: 'The assignee' },
  { value: '{{ user.accountId }}', label: 'The acting user' },
  { value: 'pick', label: 'A person…' },
];

/** The comment with `insert` added at its end (a space before it unless the text ends in one). */
export const appendToComment = (text: string, insert: string) => (!text || /\s$/.test(text) ? text + insert : `${text} ${insert}`);

export function CommentInserts({ i, onInsert }: { i: number | string; onInsert: (insert: string) => void }) {
  const [who, setWho] = React.useState(WHO[0].value);
  const [person, setPerson] = React.useState('');
  const [linkText, setLinkText] = React.useState('');
  const [href, setHref] = React.useState('');
  const [problem, setProblem] = React.useState<string>();
  const row = { display: 'grid', gridTemplateColumns: 'minmax(160px,1fr) 2fr auto', gap: token('space.100'), alignItems: 'end' } as const;
  return (
    <div role="group" aria-label={`Insert into the comment of step ${typeof i === 'number' ? i + 1 : i}`} style={{ display: 'flex', flexDirection: 'column', gap: token('space.100') }}>
      <div style={row}>
        <SelectField id={`step-${i}-mention-who`} label="Mention" options={WHO} value={who} onChange={(v) => setWho(v || WHO[0].value)} />
        {who === 'pick' ? (
          <JiraUserSelect
            id={`step-${i}-mention-person`}
            label="Person to mention"
            value={person}
            onChange={setPerson}
            search={(q) => jira.users(q)}
            fallback={(hint) => <TextField id={`step-${i}-mention-person`} label="Person to mention (account id)" value={person} onChange={setPerson} helper={hint} />}
          />
        ) : (
          <span />
        )}
        <Button
          onClick={() => {
            const id = who === 'pick' ? person.trim() : who;
            if (!id || /[\]\n]/.test(id)) return setProblem('Choose the person to mention.');
            setProblem(undefined);
            onInsert(`@[${id}]`);
          }}
        >
          Insert mention
        </Button>
      </div>
      <div style={{ ...row, gridTemplateColumns: 'minmax(160px,1fr) 2fr auto' }}>
        <TextField id={`step-${i}-link-text`} label="Link text" value={linkText} onChange={setLinkText} placeholder="Runbook" />
        <TemplateField id={`step-${i}-link-href`} label="Link address" value={href} onChange={setHref} placeholder="https://example.com/runbooks/{{ issue.key }}" />
        <Button
          onClick={() => {
            const [t, h] = [linkText.trim(), href.trim()];
            if (!t || /[\]\n]/.test(t)) return setProblem('Enter the link text (without “]”).');
            if (!h || /[)\n]/.test(h)) return setProblem('Enter the link address (without “)”).');
            setProblem(undefined);
            onInsert(`[${t}](${h})`);
            setLinkText('');
            setHref('');
          }}
        >
          Insert link
        </Button>
      </div>
      {problem && (
        <span role="alert" style={{ color: token('color.text.danger') }}>
          {problem}
        </span>
      )}
    </div>
  );
}
