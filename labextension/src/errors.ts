import { IErrorInfo } from './types';

/** A failed request to the MolSys-AI server extension, with a hint for the user. */
export class ApiError extends Error {
  readonly hint?: string;
  readonly kind?: string;
  readonly status?: number;

  constructor(info: IErrorInfo, status?: number) {
    super(info.message);
    this.name = 'ApiError';
    this.hint = info.hint;
    this.kind = info.kind;
    this.status = status;
  }

  /** A readable error from a response that is not OK. */
  static async fromResponse(response: Response, what: string): Promise<ApiError> {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: Jupyter's HTML error page, or a proxy's
    }
    const info = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const message = typeof info.message === 'string' && info.message ? info.message : '';
    const hint = typeof info.hint === 'string' ? info.hint : undefined;
    const kind = typeof info.kind === 'string' ? info.kind : undefined;
    if (message && (hint || kind)) {
      return new ApiError({ message, hint, kind }, response.status);
    }
    return new ApiError(describeStatus(response.status, what, message), response.status);
  }
}

function describeStatus(status: number, what: string, message: string): IErrorInfo {
  const detail = message ? `: ${message}` : '';
  switch (status) {
    case 404:
      return {
        message: `the MolSys-AI server extension is not running (${what} answered 404)`,
        hint:
          'enable it with "jupyter server extension enable molsys_ai_jupyter.serverext" ' +
          'and restart Jupyter'
      };
    case 401:
    case 403:
      return {
        message: `Jupyter refused the request (${status}${detail})`,
        hint: 'reload the page: the login or its XSRF token may have expired'
      };
    default:
      return {
        message: `${what} failed with HTTP ${status}${detail}`,
        hint: status >= 500 ? 'see the Jupyter server log for details' : undefined
      };
  }
}

/** Any thrown value as `{message, hint}` for display. */
export function toErrorInfo(error: unknown): IErrorInfo {
  if (error instanceof ApiError) {
    return { message: error.message, hint: error.hint, kind: error.kind };
  }
  if (error instanceof Error) {
    return { message: error.message || error.name };
  }
  if (error && typeof error === 'object' && 'message' in error) {
    const info = error as Record<string, unknown>;
    return {
      message: String(info.message),
      hint: typeof info.hint === 'string' ? info.hint : undefined,
      kind: typeof info.kind === 'string' ? info.kind : undefined
    };
  }
  return { message: String(error) };
}

/** True when `error` comes from aborting a request (the Stop button). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) {
    return true;
  }
  return error instanceof DOMException && error.name === 'AbortError';
}
