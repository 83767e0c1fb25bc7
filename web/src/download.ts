// A POST whose answer is a file (the LGPD export's ZIP): sent as api.ts
// sends a write (JSON, the session's CSRF token, one retry after a 403
// "csrf"), the answer kept as a Blob and saved by the browser.
import { api, ApiError, NETWORK_ERROR, API_BASE } from './api';

export interface Download {
  blob: Blob;
  filename: string;
}

async function send(path: string, body: unknown, csrf: string): Promise<Response> {
  try {
    return await fetch(API_BASE + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/zip, application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError(0, 'network', NETWORK_ERROR.en, NETWORK_ERROR.pt);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let data: Record<string, unknown> = {};
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON: the generic sentence below */
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const retry = typeof data.retry_after === 'number' ? data.retry_after : null;
  return new ApiError(
    res.status,
    str(data.error) || 'unknown',
    str(data.message) || 'Something went wrong on our side. Please try again in a moment.',
    str(data.message_pt) || 'Algo deu errado do nosso lado. Tente de novo em instantes.',
    retry,
  );
}

/** The name in Content-Disposition (filename="…"), or `fallback`. */
export function filenameOf(disposition: string | null, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(disposition ?? '');
  return m ? m[1] : fallback;
}

/** POSTs body to path and gives the file it answers; an ApiError otherwise. */
export async function postDownload(path: string, body: unknown = {}): Promise<Download> {
  let res = await send(path, body, (await api.session()).csrf_token);
  if (res.status === 403) {
    const err = await errorOf(res);
    if (err.code !== 'csrf') throw err;
    res = await send(path, body, (await api.session()).csrf_token);
  }
  if (!res.ok) throw await errorOf(res);
  const blob = await res.blob();
  return { blob, filename: filenameOf(res.headers.get('Content-Disposition'), 'balcao-dados.zip') };
}

/** Saves a file as the browser saves a download (an <a download> clicked). */
export function saveFile(d: Download): void {
  const url = URL.createObjectURL(d.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = d.filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
