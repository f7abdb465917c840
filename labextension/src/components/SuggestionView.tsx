import { Dialog, showDialog } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ICodeActions } from '../codeActions';
import { IPolicyFinding, ISuggestion } from '../types';
import { Markdown } from './Markdown';

export interface ISuggestionViewProps {
  suggestion: ISuggestion;
  rendermime: IRenderMimeRegistry;
  actions: ICodeActions;
}

/** The agent's code for a task ("do it" mode): shown with Insert and Run, not run. */
export function SuggestionView({ suggestion, rendermime, actions }: ISuggestionViewProps): JSX.Element {
  const guarded = React.useMemo(() => askBeforeRunning(actions, suggestion), [actions, suggestion]);
  const source = React.useMemo(() => fenced(suggestion.code), [suggestion.code]);
  const failed = suggestion.errors ?? [];
  return (
    <div className="jp-MolsysAI-suggestion">
      {suggestion.summary && <div className="jp-MolsysAI-suggestionSummary">{suggestion.summary}</div>}
      {suggestion.plan && <div className="jp-MolsysAI-suggestionPlan">Plan: {suggestion.plan}</div>}
      {suggestion.needs_consent && (
        <div className="jp-MolsysAI-warning">
          This code does things that need your consent; Run asks first:
          <FindingList findings={suggestion.policy} />
        </div>
      )}
      {failed.length > 0 && (
        <details className="jp-MolsysAI-attempts">
          <summary>
            {failed.length} earlier attempt{failed.length === 1 ? '' : 's'} did not fit and {failed.length === 1 ? 'was' : 'were'} repaired
          </summary>
          <ul>
            {failed.map((error, i) => (
              <li key={i}>{error}</li>
            ))}
          </ul>
        </details>
      )}
      <Markdown source={source} rendermime={rendermime} actions={guarded} />
      <div className="jp-MolsysAI-note">
        Not run yet{suggestion.workdir ? ` (planned in the folder ${suggestion.workdir})` : ''}: Insert below puts it
        in the notebook, Run runs it in the notebook's kernel.
      </div>
    </div>
  );
}

function FindingList({ findings }: { findings: IPolicyFinding[] }): JSX.Element {
  return (
    <ul>
      {findings.map((finding, i) => (
        <li key={i}>
          line {finding.line}: {finding.kind} — <code>{finding.detail}</code>
        </li>
      ))}
    </ul>
  );
}

/** Code that needs consent runs only after the user says yes in a dialog. */
function askBeforeRunning(actions: ICodeActions, suggestion: ISuggestion): ICodeActions {
  if (!suggestion.needs_consent) {
    return actions;
  }
  return {
    ...actions,
    async run(code: string): Promise<void> {
      const answer = await showDialog({
        title: 'Run code that needs your consent?',
        body: (
          <div>
            The suggested code does this:
            <FindingList findings={suggestion.policy} />
          </div>
        ),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Run it' })]
      });
      if (answer.button.accept) {
        await actions.run(code);
      }
    }
  };
}

/** The code as a Python code block, fenced with more backticks than it holds. */
function fenced(code: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map(run => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}python\n${code.replace(/\n+$/, '')}\n${fence}`;
}
