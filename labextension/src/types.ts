/**
 * The shapes the MolSys-AI server extension speaks (under `<base_url>/molsys-ai/`).
 */

/** One documentation page an answer cites. */
export interface ISource {
  number: number;
  title: string;
  url: string;
  path?: string;
  project?: string;
}

/** The `answer` event of `POST chat`: the verified answer. */
export interface IAnswer {
  question: string;
  /** The verified answer (Markdown). */
  text: string;
  /** The answer with its source list as Markdown links. */
  markdown?: string;
  sources: ISource[];
  cited?: number[];
  draft?: string;
  weak_retrieval?: boolean;
  backend?: string;
  model?: string;
  timings?: Record<string, number>;
  /** Set when the answer could not be saved in the notebook's history. */
  history_error?: string;
}

/** One question and its answer, as `GET history` returns them. */
export interface IHistoryTurn {
  /** A question and its answer… */
  question?: string;
  answer?: string;
  markdown?: string;
  draft?: string;
  sources?: ISource[];
  cited?: number[];
  /** …or a "do it" task and the agent's code for it. */
  task?: string;
  suggestion?: ISuggestion;
  time?: string;
}

export interface IHistoryReply {
  notebook: string;
  turns: IHistoryTurn[];
  deleted?: number;
}

export interface IIndexStatus {
  path?: string;
  name?: string;
  present: boolean;
  chunks?: number | null;
  created?: string | null;
  error?: string;
  hint?: string;
}

/** `GET status`. */
export interface IStatus {
  version: string;
  backend: string;
  backend_kind?: string;
  model: string | null;
  model_loaded?: boolean;
  index: IIndexStatus;
  corpus?: string;
}

/** Something in suggested code that needs the user's explicit consent. */
export interface IPolicyFinding {
  kind: string;
  line: number;
  detail: string;
  /** the finding in one plain line, as every front end shows it */
  explanation: string;
}

/** `POST policy`: the execution policy's verdict on code about to run. */
export interface IPolicyVerdict {
  findings: IPolicyFinding[];
  needs_consent: boolean;
}

/** `POST agent/suggest`: the agent's code for a task, planned and checked, not run. */
export interface ISuggestion {
  task: string;
  /** The agent design that wrote the code (recipes or freeform). */
  design?: string;
  recipe: string | null;
  summary: string;
  unit: string;
  params: Record<string, unknown>;
  code: string;
  plan: string;
  policy: IPolicyFinding[];
  needs_consent: boolean;
  attempts: number;
  errors: string[];
  workdir: string;
  steps: string[];
  backend: string;
  model: string | null;
}

/** A failure as the server reports it (and as the panel shows it). */
export interface IErrorInfo {
  message: string;
  hint?: string;
  kind?: string;
}

/** The open notebook, as sent with a question. */
export interface INotebookContext {
  cell: string;
  selection: string;
  error: string;
}

/** The body of `POST chat`. */
export interface IChatRequest {
  message: string;
  notebook?: string;
  context?: INotebookContext;
  k?: number;
}

/** Which parts of the notebook go with a question. */
export type ContextPart = keyof INotebookContext;

/** One message of the panel. */
export interface IChatMessage {
  id: string;
  role: 'user' | 'assistant';
  /** The question, or the answer's Markdown (the plain streamed text while `streaming`). */
  text: string;
  streaming?: boolean;
  sources?: ISource[];
  suggestion?: ISuggestion;
  error?: IErrorInfo;
  /** A short remark under the message ("stopped", "not saved in the history", …). */
  note?: string;
  /** The notebook parts sent with a question. */
  attached?: ContextPart[];
  /** A task for the agent ("do it" mode), not a question. */
  task?: boolean;
  /** What an answer was asked with (kept in this page only, to ask again after a failure). */
  request?: { text: string; context?: INotebookContext; task: boolean; variables?: () => Promise<string[]> };
}
