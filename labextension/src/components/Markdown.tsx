import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ICodeActions } from '../codeActions';
import { decorateCodeBlocks, openLinksInNewTab } from '../renderedDom';

const MIME = 'text/markdown';

export interface IMarkdownProps {
  source: string;
  rendermime: IRenderMimeRegistry;
  /** Buttons for the code blocks (none when absent). */
  actions?: ICodeActions | null;
}

/**
 * Markdown rendered by JupyterLab's own renderer: untrusted, so its HTML is
 * sanitised (by the sidebar's `AnswerSanitizer`, which `rendermime` carries: no
 * image, form, button or script of an answer reaches the page); code is highlighted
 * by the editor languages JupyterLab knows.
 */
export function Markdown({ source, rendermime, actions }: IMarkdownProps): JSX.Element {
  const host = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    let live = true;
    const renderer = rendermime.createRenderer(MIME);
    renderer
      .renderModel(new MimeModel({ data: { [MIME]: source }, trusted: false }))
      .then(() => {
        if (!live) {
          return;
        }
        openLinksInNewTab(renderer.node);
        if (actions) {
          decorateCodeBlocks(renderer.node, actions);
        }
        node.replaceChildren(renderer.node);
      })
      .catch(() => {
        if (live) {
          node.textContent = source; // as plain text rather than nothing
        }
      });
    return () => {
      live = false;
      renderer.dispose();
    };
  }, [source, rendermime, actions]);

  return <div ref={host} className="jp-MolsysAI-markdown" />;
}
