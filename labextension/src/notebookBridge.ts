import { INotebookTracker } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

import { INotebookBridge } from './chatModel';
import { gatherContext } from './notebookContext';

/** The chat's view of the current notebook of `tracker`. */
export function notebookBridge(tracker: INotebookTracker, contents: Contents.IManager): INotebookBridge {
  return {
    path: () => {
      const panel = tracker.currentWidget;
      return panel ? contents.localPath(panel.context.path) : null; // without a drive prefix
    },
    context: parts => gatherContext(tracker.currentWidget, parts),
    variables: () => kernelVariables(tracker)
  };
}

/** Names the user defined in the kernel (not those whose values earlier agent runs
 * left), by a silent request that leaves no trace in the notebook. */
const USER_NAMES =
  "(lambda g, o: sorted(n for n in g if not n.startswith('_') and n not in ('In', 'Out', 'exit', 'quit', " +
  "'get_ipython') and not (isinstance(o, dict) and o.get(n) == id(g[n]))))" +
  "(globals(), globals().get('_molsys_agent_names'))";
const VARIABLES_WAIT_MS = 3000; // a busy kernel answers later: then the names are not known

/** One result of an execute reply's `user_expressions` (Jupyter messaging). */
interface IUserExpression {
  status?: string;
  data?: Record<string, unknown>;
}

async function kernelVariables(tracker: INotebookTracker): Promise<string[]> {
  const kernel = tracker.currentWidget?.sessionContext.session?.kernel;
  if (!kernel) {
    return [];
  }
  const future = kernel.requestExecute({
    code: '',
    silent: true,
    store_history: false,
    user_expressions: { names: USER_NAMES }
  });
  const timeout = new Promise<null>(resolve => setTimeout(() => resolve(null), VARIABLES_WAIT_MS));
  try {
    const reply = await Promise.race([future.done, timeout]);
    const result = (reply?.content as { user_expressions?: Record<string, IUserExpression> } | undefined)
      ?.user_expressions?.names;
    if (!result || result.status !== 'ok') {
      return [];
    }
    const text = String(result.data?.['text/plain'] ?? '');
    return [...text.matchAll(/'([A-Za-z_][A-Za-z0-9_]*)'/g)].map(match => match[1]);
  } catch {
    return [];
  }
}
