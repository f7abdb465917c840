import { ICodeActions } from './codeActions';

/** Links to web pages (the cited documentation) open in a new tab. */
export function openLinksInNewTab(root: HTMLElement): void {
  root.querySelectorAll<HTMLAnchorElement>('a[href]').forEach(anchor => {
    if (/^https?:\/\//i.test(anchor.getAttribute('href') ?? '')) {
      anchor.target = '_blank';
      anchor.rel = 'noopener noreferrer';
    }
  });
}

/** Give every code block of a rendered answer Copy, Insert below and Run buttons. */
export function decorateCodeBlocks(root: HTMLElement, actions: ICodeActions): void {
  root.querySelectorAll('pre').forEach(pre => {
    const code = (pre.textContent ?? '').replace(/\n+$/, '');
    if (!code.trim() || pre.parentElement?.classList.contains('jp-MolsysAI-codeBlock')) {
      return;
    }
    const bar = document.createElement('div');
    bar.className = 'jp-MolsysAI-codeActions';
    bar.append(
      button('Copy', 'Copy the code to the clipboard', self => {
        actions.copy(code);
        flash(self, 'Copied');
      }),
      button('Insert below', 'Insert the code in a new cell below the active cell', () =>
        actions.insert(code)
      ),
      button('Run', "Insert the code below the active cell and run it in the notebook's kernel", self => {
        self.disabled = true;
        note.hidden = true;
        void actions
          .run(code)
          .then(line => {
            note.textContent = line ?? '';
            note.hidden = !line;
          })
          .finally(() => (self.disabled = false));
      })
    );
    // what became of the last Run (stopped at the time limit, not consented), when there is news
    const note = document.createElement('div');
    note.className = 'jp-MolsysAI-runNote';
    note.setAttribute('role', 'status');
    note.hidden = true;
    const block = document.createElement('div');
    block.className = 'jp-MolsysAI-codeBlock';
    pre.replaceWith(block);
    block.append(bar, pre, note);
  });
}

function button(label: string, title: string, onClick: (self: HTMLButtonElement) => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'jp-MolsysAI-codeButton';
  element.textContent = label;
  element.title = title;
  element.addEventListener('click', () => onClick(element));
  return element;
}

function flash(element: HTMLButtonElement, text: string): void {
  const label = element.textContent;
  element.textContent = text;
  window.setTimeout(() => (element.textContent = label), 1500);
}
