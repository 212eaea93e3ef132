// Pure mapping between the player's media time (seconds, gaps collapsed by the server) and the wall clock
// (Unix ms), from a playback response's `pieces` and `gaps` (see API.md, "Playback"). Also the footage
// spans of a timeline: where the next or previous span starts, and where a seek into nothing should land.

import { parseInstant } from './time.js';

/**
 * A playback response with its times parsed once, so the per-frame clock needs no string parsing.
 * pieces: [{media, wall (ms), duration, codec, resolution, mime}], gaps: [{media, start (ms), end (ms)}].
 */
export function parseWindow(response) {
  const pieces = (response.pieces ?? [])
    .map((p) => ({ ...p, wall: parseInstant(p.wall) }))
    .sort((a, b) => a.media - b.media);
  const gaps = (response.gaps ?? [])
    .map((g) => ({ media: g.media, start: parseInstant(g.start), end: parseInstant(g.end) }))
    .sort((a, b) => a.media - b.media);
  return {
    camera: response.camera,
    requested: parseInstant(response.requested),
    start: parseInstant(response.start),
    end: parseInstant(response.end),
    live: Boolean(response.live),
    playlist: response.playlist,
    startPosition: Number(response.startPosition) || 0,
    pieces,
    gaps,
  };
}

/** The piece that plays at media time `m`: the last one starting at or before it (or the first). */
export function pieceAt(pieces, m) {
  let found = pieces[0] ?? null;
  for (const p of pieces) {
    if (p.media <= m) found = p;
    else break;
  }
  return found;
}

/** Wall clock (ms) of media time `m` (s): piece.wall + (m - piece.media). Null with no pieces. */
export function wallAt(win, m) {
  const p = pieceAt(win.pieces, m);
  return p ? p.wall + (m - p.media) * 1000 : null;
}

/**
 * Media time (s) at which the wall clock reads `ms`, or null when that instant is outside the window.
 * An instant inside a collapsed gap maps to the media time just after the gap: the next footage.
 */
export function mediaAt(win, ms) {
  if (ms < win.start || ms > win.end) return null;
  for (const p of win.pieces) {
    const end = p.wall + p.duration * 1000;
    if (ms >= p.wall && ms <= end) return p.media + (ms - p.wall) / 1000;
  }
  const gap = win.gaps.find((g) => ms >= g.start && ms < g.end);
  if (gap) return gap.media;
  // Between pieces without a listed gap (a change of stream): the piece that starts next.
  const next = win.pieces.find((p) => p.wall > ms);
  return next ? next.media : null;
}

/** The media time at which the window's footage ends. */
export function mediaEnd(win) {
  const last = win.pieces[win.pieces.length - 1];
  return last ? last.media + last.duration : 0;
}

/**
 * Gaps whose media time lies in (from, to]: the ones continuous playback just went through. A jump of more
 * than `maxStep` seconds is a seek, not playback, and crosses nothing worth announcing.
 */
export function gapsCrossed(win, from, to, maxStep = 2) {
  if (!(to > from) || to - from > maxStep) return [];
  return win.gaps.filter((g) => g.media > from && g.media <= to);
}

/** The first piece after media time `m` whose mime the browser cannot play, or null. */
export function firstUnplayableAfter(win, m, canPlay) {
  return win.pieces.find((p) => p.media + p.duration > m && !canPlay(p.mime)) ?? null;
}

// ---- timeline spans (parsed: {start, end} in ms, sorted) ----

/** Spans of a timeline response with parsed times. */
export function parseSpans(list) {
  return (list ?? [])
    .map((s) => ({ ...s, start: parseInstant(s.start), end: parseInstant(s.end) }))
    .sort((a, b) => a.start - b.start);
}

/**
 * Where a seek to `ms` should go: `ms` itself inside footage, the start of the next span from a gap or
 * from before the first span, and a little before the end of the last span past it (so something plays).
 */
export function snapToFootage(spans, ms, tailMs = 5000) {
  if (!spans.length) return ms;
  const inside = spans.find((s) => ms >= s.start && ms < s.end);
  if (inside) return ms;
  const next = spans.find((s) => s.start > ms);
  if (next) return next.start;
  const last = spans[spans.length - 1];
  return Math.max(last.start, last.end - tailMs);
}

/** Start of the first span that begins after `ms` (plus a second, so repeated presses move on), or null. */
export function nextSpanStart(spans, ms) {
  return spans.find((s) => s.start > ms + 1000)?.start ?? null;
}

/**
 * Start of the span before: of the current span when more than `graceMs` into it (as a music player's
 * "previous" restarts the track), else of the one before that. Null when there is none.
 */
export function previousSpanStart(spans, ms, graceMs = 3000) {
  let found = null;
  for (const s of spans) if (s.start < ms - graceMs) found = s.start;
  return found;
}
