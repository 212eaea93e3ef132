// The camera-playback JSON API (playback/API.md), one function a route. Requests are same-origin, so the
// HttpOnly session cookie rides along and this code never holds a credential: the token typed into the
// login form is sent once to /login and forgotten.

/** An HTTP error with the server's own message (`{"error": ...}`) when it gave one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const JSON_HEADERS = { Accept: 'application/json' };

async function request(method, path, { body, params } = {}) {
  const url = withParams(path, params);
  const init = { method, headers: { ...JSON_HEADERS }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  if (res.status === 204 || method === 'HEAD') return res;
  return res.json();
}

async function errorMessage(res) {
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON (a proxy's page, or a HEAD without body): the status line is all there is.
  }
  return `${res.status} ${res.statusText}`.trim();
}

/** A path with query parameters (undefined and null ones left out). */
export function withParams(path, params) {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const cam = (id) => `/api/v1/cameras/${encodeURIComponent(id)}`;

/** {auth, user}; throws ApiError 401 when not logged in. */
export const getSession = () => request('GET', '/api/v1/session');

export const login = (token) => request('POST', '/api/v1/login', { body: { token } });

export const logout = () => request('POST', '/api/v1/logout');

/** [{id, first, last, codec, resolution, recording}] */
export const getCameras = async () => (await request('GET', '/api/v1/cameras')).cameras ?? [];

/** The timeline of one local day: {camera, start, end, spans, gaps}. */
export const getDayTimeline = (id, day, tz) => request('GET', `${cam(id)}/timeline`, { params: { day, tz } });

/** A playback window starting at the keyframe at or before `start` (RFC 3339). */
export const getPlayback = (id, start) => request('GET', `${cam(id)}/playback`, { params: { start } });

/** The camera's holds, sorted by start: [{id, camera, start, end, reason, created, created_by?}]. */
export const getHolds = async (id) => (await request('GET', `${cam(id)}/holds`)).holds ?? [];

/** Hold a range ({start, end} RFC 3339, reason): the created hold. */
export const createHold = (id, { start, end, reason }) =>
  request('POST', `${cam(id)}/holds`, { body: { start, end, reason } });

/** Remove a hold; ApiError 404 when there is no such hold (any more). */
export const deleteHold = (id, hold) => request('DELETE', `${cam(id)}/holds/${encodeURIComponent(hold)}`);

/** The export URL of a range; GET downloads it, HEAD describes it. */
export const exportUrl = (id, start, end) => withParams(`${cam(id)}/export`, { start, end });

/**
 * Name and size of an export, from a HEAD request: {name, size (bytes or null), url}. A refused HEAD has no
 * body to explain itself, so the same URL is asked again with GET just to read the error message; the
 * server answers that with the same 4xx and a short JSON body, not a file.
 */
export async function describeExport(id, start, end) {
  const url = exportUrl(id, start, end);
  const res = await fetch(url, { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    if (res.status >= 400 && res.status < 500 && res.status !== 401) {
      // Should the GET succeed after all (a server without HEAD), stop it before the file's body comes.
      const abort = new AbortController();
      const again = await fetch(url, { headers: JSON_HEADERS, credentials: 'same-origin', cache: 'no-store',
        signal: abort.signal });
      if (!again.ok) throw new ApiError(again.status, await errorMessage(again));
      abort.abort();
    }
    throw new ApiError(res.status, `${res.status} ${res.statusText}`.trim());
  }
  const length = res.headers.get('Content-Length');
  return {
    url,
    name: filenameOf(res.headers.get('Content-Disposition')) ?? 'export.mp4',
    size: length === null ? null : Number(length),
  };
}

/** The file name in a Content-Disposition header (RFC 6266: filename* wins over filename). */
export function filenameOf(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim());
    } catch {
      // A malformed filename*: fall back to the plain one.
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  return plain ? (plain[2] ?? plain[1]).trim() : null;
}
