// Pure helpers for holds (API.md, "Holds"): a hold keeps a camera's time range from retention until it is
// removed. Parsing the API's holds, clipping them to the shown day, checking a reason, and saying a range in
// words. No DOM; hold-panel.js and timeline.js draw what these compute.

import { formatClock, formatDate, dayOf, parseInstant, SECOND } from './time.js';

/** The server's limit on a reason (API.md), in characters as Rust counts them: Unicode code points. */
export const MAX_REASON = 500;

/**
 * The API's holds with their times parsed once: [{id, start, end (ms), reason, created (ms or NaN),
 * createdBy (string or null)}], sorted by start. Holds without an id or a valid range are dropped: they
 * could be neither drawn nor removed.
 */
export function parseHolds(list) {
  return (list ?? [])
    .map((h) => ({
      id: typeof h?.id === 'string' ? h.id : '',
      start: parseInstant(h?.start),
      end: parseInstant(h?.end),
      reason: typeof h?.reason === 'string' ? h.reason : '',
      created: parseInstant(h?.created),
      createdBy: typeof h?.created_by === 'string' && h.created_by ? h.created_by : null,
    }))
    .filter((h) => h.id && Number.isFinite(h.start) && Number.isFinite(h.end) && h.end > h.start)
    .sort(byStart);
}

/** The holds list with `hold` in it (replacing one with the same id), still sorted by start. */
export function withHold(holds, hold) {
  return [...holds.filter((h) => h.id !== hold.id), hold].sort(byStart);
}

// The API sorts by start; ties are broken the same way every time so the list does not shuffle on reload.
function byStart(a, b) {
  return a.start - b.start || a.end - b.end || a.id.localeCompare(b.id);
}

/**
 * The parts of `holds` that fall inside a day's bounds {start, end}: [{hold, start, end, before, after}],
 * with start/end clipped to the day and `before`/`after` telling that the hold goes on past that edge (so
 * the drawing leaves that end open rather than closing it where the hold does not end).
 */
export function holdsOnDay(holds, bounds) {
  if (!bounds) return [];
  return holds
    .filter((h) => h.start < bounds.end && h.end > bounds.start)
    .map((hold) => ({
      hold,
      start: Math.max(hold.start, bounds.start),
      end: Math.min(hold.end, bounds.end),
      before: hold.start < bounds.start,
      after: hold.end > bounds.end,
    }));
}

/**
 * A reason as typed, checked against the API's rules: {reason} trimmed, or {error} saying what to do. The
 * API would take an empty one, but a hold nobody can explain later is one nobody dares to remove.
 */
export function checkReason(text) {
  const reason = String(text ?? '').trim();
  if (!reason) return { error: 'Give a reason for the hold, e.g. "break-in, police report 123"' };
  const length = [...reason].length;
  if (length > MAX_REASON) return { error: `The reason is ${length} characters long; at most ${MAX_REASON} fit` };
  return { reason };
}

/**
 * A range in words, in `tz`: '14:32–14:35' (seconds only when either end has some), with the dates when it
 * crosses midnight ('Mon, 23 Nov 2026 22:00 – Tue, 24 Nov 2026 02:00'), or with the date in front when
 * `withDate` ('Mon, 23 Nov 2026 14:32–14:35'). Dates as formatDate writes them.
 */
export function describeRange(start, end, tz, { withDate = false } = {}) {
  const seconds = start % (60 * SECOND) !== 0 || end % (60 * SECOND) !== 0;
  const clock = (ms) => formatClock(ms, tz, { seconds });
  // A range that ends exactly at midnight ends on the day it started, as people say it.
  if (dayOf(start, tz) !== dayOf(end - 1, tz)) {
    return `${formatDate(start, tz)} ${clock(start)} – ${formatDate(end, tz)} ${clock(end)}`;
  }
  const times = `${clock(start)}–${clock(end)}`;
  return withDate ? `${formatDate(start, tz)} ${times}` : times;
}
