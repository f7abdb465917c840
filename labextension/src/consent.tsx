import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { IPolicyFinding } from './types';

/** The reasons code needs consent, one a line: "line 2: runs a shell command — calls os.system()". */
export function FindingList({ findings }: { findings: IPolicyFinding[] }): JSX.Element {
  return (
    <ul className="jp-MolsysAI-findings">
      {findings.map((finding, i) => (
        <li key={i}>{finding.explanation}</li>
      ))}
    </ul>
  );
}

/**
 * Ask before running code that the execution policy does not let run silently: the
 * dialog shows the exact code that will run and each reason. Resolves to the answer.
 */
export async function askConsent(code: string, findings: IPolicyFinding[]): Promise<boolean> {
  const answer = await showDialog({
    title: 'Run code that needs your consent?',
    body: (
      <div className="jp-MolsysAI-consent">
        <p>This code will run in the notebook's kernel, exactly as shown:</p>
        <pre className="jp-MolsysAI-consentCode">{code}</pre>
        <p>It needs your consent because:</p>
        <FindingList findings={findings} />
      </div>
    ),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Run it' })]
  });
  return answer.button.accept;
}
