import * as React from 'react';

import { IErrorInfo, IStatus } from '../types';

export interface IStatusLineProps {
  status: IStatus | null;
  error: IErrorInfo | null;
  onRefresh: () => void;
}

/** Which backend and model answer, and whether the documentation index is there. */
export function StatusLine({ status, error, onRefresh }: IStatusLineProps): JSX.Element {
  const refresh = (
    <button type="button" className="jp-MolsysAI-linkButton" onClick={onRefresh} title="Ask the server again">
      ↻
    </button>
  );
  if (error) {
    return (
      <div className="jp-MolsysAI-status jp-mod-error" title={error.hint ?? ''}>
        <span>
          {error.message}
          {error.hint ? ` — ${error.hint}` : ''}
        </span>
        {refresh}
      </div>
    );
  }
  if (!status) {
    return <div className="jp-MolsysAI-status">Connecting to the MolSys-AI server extension…</div>;
  }
  const model =
    status.model ?? (status.backend_kind === 'openai' ? "the server's first model" : 'no model found');
  const index = status.index;
  return (
    <div className="jp-MolsysAI-status" title={`MolSys-AI ${status.version}${status.corpus ? `, corpus ${status.corpus}` : ''}`}>
      <span>
        Backend <b>{status.backend}</b> · model <b>{model}</b>
        {status.model_loaded === false ? ' (loads on the first question)' : ''}
      </span>
      {index.present ? (
        <span className="jp-MolsysAI-statusIndex">
          {' '}
          · index {index.name ?? ''}
          {index.chunks ? ` (${index.chunks} passages)` : ''}
        </span>
      ) : (
        <span className="jp-MolsysAI-statusIndex jp-mod-warning" title={index.hint ?? ''}>
          {' '}
          · no documentation index{index.error ? `: ${index.error}` : ''}
          {index.hint ? ` — ${index.hint}` : ''}
        </span>
      )}
      {refresh}
    </div>
  );
}
