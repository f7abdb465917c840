import * as React from 'react';

import { IErrorInfo } from '../types';

export interface IErrorBoxProps {
  error: IErrorInfo;
  onDismiss?: () => void;
  onRetry?: () => void;
  /** The retry button's label (default "Retry"). */
  retryLabel?: string;
}

/** A failure as one readable line and its hint. */
export function ErrorBox({ error, onDismiss, onRetry, retryLabel }: IErrorBoxProps): JSX.Element {
  return (
    <div className="jp-MolsysAI-error" role="alert">
      <div className="jp-MolsysAI-errorMessage">{error.message}</div>
      {error.hint && <div className="jp-MolsysAI-errorHint">{error.hint}</div>}
      {(onRetry || onDismiss) && (
        <div className="jp-MolsysAI-errorButtons">
          {onRetry && (
            <button type="button" className="jp-MolsysAI-linkButton" onClick={onRetry}>
              {retryLabel ?? 'Retry'}
            </button>
          )}
          {onDismiss && (
            <button type="button" className="jp-MolsysAI-linkButton" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
    </div>
  );
}
