import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ChatModel } from '../chatModel';
import { ICodeActions } from '../codeActions';
import { ErrorBox } from './ErrorBox';
import { InputBar } from './InputBar';
import { MessageView } from './MessageView';
import { StatusLine } from './StatusLine';

export interface IChatViewProps {
  model: ChatModel;
  rendermime: IRenderMimeRegistry;
  actions: ICodeActions;
}

/** The sidebar: status, the current notebook's messages, and the input. */
export function ChatView({ model, rendermime, actions }: IChatViewProps): JSX.Element {
  const conversation = model.current;
  const list = React.useRef<HTMLDivElement>(null);
  const content = React.useRef<HTMLDivElement>(null);
  const atBottom = React.useRef(true);

  // keep the newest message in view while it grows (answers render asynchronously),
  // unless the user scrolled up to read
  React.useEffect(() => {
    const scroller = list.current;
    const inner = content.current;
    if (!scroller || !inner) {
      return;
    }
    const observer = new ResizeObserver(() => {
      if (atBottom.current) {
        scroller.scrollTop = scroller.scrollHeight;
      }
    });
    observer.observe(inner);
    return () => observer.disconnect();
  }, []);

  React.useLayoutEffect(() => {
    atBottom.current = true; // a new message, or another notebook's chat: show its end
    if (list.current) {
      list.current.scrollTop = list.current.scrollHeight;
    }
  }, [conversation, conversation.messages.length]);

  const onScroll = (): void => {
    const node = list.current;
    if (node) {
      atBottom.current = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
    }
  };

  // one callback per conversation: the messages (memoised) render again only when it changes
  const retry = React.useCallback((answerId: string) => void conversation.retry(answerId), [conversation]);

  const clear = async (): Promise<void> => {
    if (!conversation.messages.length && !conversation.notebook) {
      return;
    }
    const where = conversation.notebook ? PathExt.basename(conversation.notebook) : null;
    const answer = await showDialog({
      title: 'Clear the chat?',
      body: where
        ? `This forgets the chat of ${where}, also after a reload.`
        : 'This forgets the chat shown here.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Clear' })]
    });
    if (answer.button.accept) {
      await conversation.clear();
    }
  };

  return (
    <div className="jp-MolsysAI-chat">
      <div className="jp-MolsysAI-header">
        <div className="jp-MolsysAI-title">MolSys-AI</div>
        <div className="jp-MolsysAI-notebook" title={conversation.notebook ?? ''}>
          {conversation.notebook
            ? `Chat of ${PathExt.basename(conversation.notebook)}`
            : 'No notebook open: this chat is not saved'}
        </div>
        <StatusLine status={model.status} error={model.statusError} onRefresh={() => void model.refreshStatus()} />
      </div>
      {conversation.notice && (
        <ErrorBox
          error={conversation.notice}
          onRetry={() => void conversation.reload()}
          onDismiss={() => conversation.dismissNotice()}
        />
      )}
      <div className="jp-MolsysAI-messages" ref={list} onScroll={onScroll}>
        <div ref={content}>
          {conversation.loading && <div className="jp-MolsysAI-pending">Loading the chat history…</div>}
          {!conversation.loading && !conversation.messages.length && <Welcome />}
          {conversation.messages.map(message => (
            <MessageView
              key={message.id}
              message={message}
              rendermime={rendermime}
              actions={actions}
              onRetry={conversation.busy ? undefined : retry}
            />
          ))}
        </div>
      </div>
      <InputBar
        busy={conversation.busy}
        doIt={model.doIt}
        parts={model.parts}
        hasNotebook={conversation.notebook !== null}
        onSend={text => model.send(text)}
        onStop={() => conversation.stop()}
        onClear={() => void clear()}
        onPart={(part, on) => model.setPart(part, on)}
        onDoIt={on => model.setDoIt(on)}
      />
    </div>
  );
}

function Welcome(): JSX.Element {
  return (
    <div className="jp-MolsysAI-welcome">
      <p>
        Ask about the MolSysSuite libraries (molsysmt, molsysviewer, pyunitwizard, topomt). Answers cite the
        documentation pages they come from.
      </p>
      <p>
        Code in an answer has <b>Copy</b>, <b>Insert below</b> and <b>Run</b> buttons; they act on the active cell of
        the current notebook. Tick <b>Do it</b> to get code for a task instead of an answer. Enter sends;
        Shift+Enter starts a new line.
      </p>
    </div>
  );
}
