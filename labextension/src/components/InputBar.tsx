import * as React from 'react';

import { ContextPart } from '../types';

export interface IInputBarProps {
  busy: boolean;
  doIt: boolean;
  parts: Record<ContextPart, boolean>;
  hasNotebook: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  onClear: () => void;
  onPart: (part: ContextPart, on: boolean) => void;
  onDoIt: (on: boolean) => void;
}

const PARTS: { part: ContextPart; label: string; title: string }[] = [
  { part: 'cell', label: 'Cell', title: "Send the active cell's code with the question" },
  { part: 'selection', label: 'Selection', title: 'Send the text selected in the active cell' },
  { part: 'error', label: 'Error', title: "Send the notebook's last error output" }
];

/** The message box (Enter sends, Shift+Enter starts a new line), its toggles and buttons. */
export function InputBar(props: IInputBarProps): JSX.Element {
  const [text, setText] = React.useState('');
  const canSend = !props.busy && text.trim().length > 0;

  const send = (): void => {
    if (canSend) {
      props.onSend(text);
      setText('');
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <div className="jp-MolsysAI-input">
      <div className="jp-MolsysAI-toggles">
        <span className="jp-MolsysAI-togglesLabel">Send:</span>
        {PARTS.map(({ part, label, title }) => (
          <label key={part} title={props.hasNotebook ? title : 'open a notebook first'}>
            <input
              type="checkbox"
              checked={props.parts[part]}
              disabled={!props.hasNotebook || props.doIt}
              onChange={event => props.onPart(part, event.currentTarget.checked)}
            />
            {label}
          </label>
        ))}
        <label
          className="jp-MolsysAI-doIt"
          title="Do it: ask for code that does the task, to insert or run in the notebook"
        >
          <input type="checkbox" checked={props.doIt} onChange={event => props.onDoIt(event.currentTarget.checked)} />
          Do it
        </label>
      </div>
      <textarea
        className="jp-MolsysAI-textarea"
        rows={3}
        value={text}
        aria-label="Message to MolSys-AI"
        title="Enter sends, Shift+Enter starts a new line"
        placeholder={
          props.doIt
            ? 'A task, e.g. How many residues are in 1vii.pdb?'
            : 'Ask about MolSysSuite, e.g. How do I remove the water molecules?'
        }
        onChange={event => setText(event.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <div className="jp-MolsysAI-buttons">
        <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onClear} title="Forget this notebook's chat">
          Clear
        </button>
        {props.busy ? (
          <button type="button" className="jp-mod-styled jp-mod-warn" onClick={props.onStop} title="Stop the answer">
            Stop
          </button>
        ) : (
          <button type="button" className="jp-mod-styled jp-mod-accept" onClick={send} disabled={!canSend}>
            {props.doIt ? 'Do it' : 'Send'}
          </button>
        )}
      </div>
    </div>
  );
}
