import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ICodeActions } from '../codeActions';
import { IChatMessage } from '../types';
import { ErrorBox } from './ErrorBox';
import { Markdown } from './Markdown';
import { SourceList } from './SourceList';
import { SuggestionView } from './SuggestionView';

export interface IMessageViewProps {
  message: IChatMessage;
  rendermime: IRenderMimeRegistry;
  actions: ICodeActions;
  /** Ask a failed answer's question again (absent while another answer is coming). */
  onRetry?: (answerId: string) => void;
}

/** One message: a question, a streaming or final answer, or the agent's code. */
export const MessageView = React.memo(function MessageView({
  message,
  rendermime,
  actions,
  onRetry
}: IMessageViewProps): JSX.Element {
  const user = message.role === 'user';
  return (
    <div className={`jp-MolsysAI-message jp-MolsysAI-${message.role}`}>
      <div className="jp-MolsysAI-messageHeader">
        <span className="jp-MolsysAI-author">{user ? (message.task ? 'Task' : 'You') : 'MolSys-AI'}</span>
        {message.attached?.map(part => (
          <span key={part} className="jp-MolsysAI-chip" title={`the ${part} went with this question`}>
            {part}
          </span>
        ))}
      </div>
      {user ? <div className="jp-MolsysAI-userText">{message.text}</div> : <AnswerBody {...{ message, rendermime, actions }} />}
      {message.error && (
        <ErrorBox
          error={message.error}
          retryLabel="Ask again"
          onRetry={onRetry && message.request ? () => onRetry(message.id) : undefined}
        />
      )}
      {message.note && <div className="jp-MolsysAI-note">{message.note}</div>}
    </div>
  );
});

function AnswerBody({ message, rendermime, actions }: IMessageViewProps): JSX.Element | null {
  if (message.suggestion) {
    return <SuggestionView suggestion={message.suggestion} rendermime={rendermime} actions={actions} />;
  }
  if (message.streaming) {
    if (!message.text) {
      return (
        <div className="jp-MolsysAI-pending">
          {message.task ? 'Planning the code…' : 'Searching the documentation…'}
        </div>
      );
    }
    return (
      <div className="jp-MolsysAI-streaming">
        {message.text}
        <span className="jp-MolsysAI-cursor" />
      </div>
    );
  }
  if (!message.text) {
    return null;
  }
  if (message.error || message.note === 'stopped') {
    // a partial answer: as the model wrote it, unverified
    return <div className="jp-MolsysAI-streaming">{message.text}</div>;
  }
  const sources = message.sources ?? [];
  const listed = sources.every(source => message.text.includes(source.url));
  return (
    <>
      <Markdown source={message.text} rendermime={rendermime} actions={actions} />
      {!listed && <SourceList sources={sources} />}
    </>
  );
}
