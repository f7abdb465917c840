import * as React from 'react';

import { ISource } from '../types';

/** The cited documentation pages, each opening in a new tab. */
export function SourceList({ sources }: { sources: ISource[] }): JSX.Element | null {
  const linked = sources.filter(source => /^https?:\/\//i.test(source.url));
  if (!linked.length) {
    return null;
  }
  return (
    <div className="jp-MolsysAI-sources">
      <div className="jp-MolsysAI-sourcesTitle">Sources</div>
      <ol>
        {linked.map(source => (
          <li key={source.number} value={source.number}>
            <a href={source.url} target="_blank" rel="noopener noreferrer" title={source.url}>
              {source.title || source.url}
            </a>
          </li>
        ))}
      </ol>
    </div>
  );
}
