import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ICodeActions } from '../codeActions';
import { FindingList } from '../consent';
import { ISuggestion } from '../types';
import { Markdown } from './Markdown';

export interface ISuggestionViewProps {
  suggestion: ISuggestion;
  rendermime: IRenderMimeRegistry;
  actions: ICodeActions;
}

/**
 * The agent's code for a task ("do it" mode): shown with Insert and Run, not run.
 * Run checks the code again (the kernel's variables may have changed) and asks for
 * consent in a dialog when it needs it, as for any code of an answer.
 */
export function SuggestionView({ suggestion, rendermime, actions }: ISuggestionViewProps): JSX.Element {
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
      <Markdown source={source} rendermime={rendermime} actions={actions} />
      <div className="jp-MolsysAI-note">
        Not run yet{suggestion.workdir ? ` (planned in the folder ${suggestion.workdir})` : ''}: Insert below puts it
        in the notebook, Run runs it in the notebook's kernel.
      </div>
    </div>
  );
}

/** The code as a Python code block, fenced with more backticks than it holds. */
function fenced(code: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map(run => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}python\n${code.replace(/\n+$/, '')}\n${fence}`;
}
