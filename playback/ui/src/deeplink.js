// Pure deep-link helpers: '#camera=<id>&t=<RFC 3339>' opens a camera at an instant. The fragment never
// reaches the server, and it carries no secret: access rides on the session cookie.

import { parseRfc3339, toRfc3339 } from './time.js';

/** {camera, t} from a location hash; t is Unix ms or null, camera a string or null. */
export function parseHash(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const camera = params.get('camera') || null;
  const t = parseRfc3339(params.get('t'));
  return { camera, t: Number.isNaN(t) ? null : t };
}

/** The hash for a camera, at an instant when one is given (whole seconds are precise enough to share). */
export function formatHash(camera, t = null) {
  const params = new URLSearchParams({ camera });
  if (t !== null && Number.isFinite(t)) params.set('t', toRfc3339(Math.floor(t / 1000) * 1000));
  // URLSearchParams escapes ':' as %3A; keep the time readable, it is safe in a fragment.
  return '#' + params.toString().replace(/%3A/gi, ':');
}
