// Pure layout math of the timeline: the visible window ("view") over a day, zooming, panning, and where the
// tick marks go. A view is {start, end} in Unix ms; positions are fractions of the track's width (0..1).

import { MINUTE, HOUR, SECOND, zoneOffset } from './time.js';

/** The narrowest view: a few minutes, where single seconds are still distinguishable on a phone. */
export const MIN_VIEW = 2 * MINUTE;

/** Preset zoom levels the buttons step through, widest first. */
export const ZOOM_LEVELS = [24 * HOUR, 12 * HOUR, 6 * HOUR, 3 * HOUR, HOUR, 30 * MINUTE, 10 * MINUTE, 5 * MINUTE,
  MIN_VIEW];

/** Fraction of the view's width at which an instant sits (may be outside 0..1). */
export function fractionOf(ms, view) {
  return (ms - view.start) / (view.end - view.start);
}

/** The instant at a fraction of the view's width. */
export function instantAt(fraction, view) {
  return view.start + fraction * (view.end - view.start);
}

/** A view of `duration` around `anchor`, kept at the same fraction of the width, and inside `bounds`. */
export function zoomTo(view, duration, anchor, bounds) {
  const full = bounds.end - bounds.start;
  const span = Math.min(Math.max(duration, Math.min(MIN_VIEW, full)), full);
  const at = Math.min(Math.max(fractionOf(anchor, view), 0), 1);
  return clampView({ start: anchor - at * span, end: anchor - at * span + span }, bounds);
}

/** Zoom by a factor (<1 zooms in) around an anchor instant. */
export function zoomBy(view, factor, anchor, bounds) {
  return zoomTo(view, (view.end - view.start) * factor, anchor, bounds);
}

/** The next preset level narrower (direction 1) or wider (-1) than the view's current width. */
export function nextZoomLevel(view, direction, bounds) {
  const width = view.end - view.start;
  const full = bounds.end - bounds.start;
  // A DST day is 23 or 25 h long: "24 h" then means the whole day.
  const levels = ZOOM_LEVELS.map((l) => (l === ZOOM_LEVELS[0] ? full : Math.min(l, full)));
  if (direction > 0) return levels.find((l) => l < width * 0.99) ?? levels[levels.length - 1];
  return [...levels].reverse().find((l) => l > width * 1.01) ?? full;
}

/** Move the view by a fraction of its width, staying inside bounds. */
export function panBy(view, fraction, bounds) {
  const shift = (view.end - view.start) * fraction;
  return clampView({ start: view.start + shift, end: view.end + shift }, bounds);
}

/** The view moved just enough that `ms` is inside it, with a margin, so a playing head stays visible. */
export function follow(view, ms, bounds, margin = 0.1) {
  const f = fractionOf(ms, view);
  if (f >= 0 && f <= 1) return view;
  const width = view.end - view.start;
  return clampView({ start: ms - width * margin, end: ms - width * margin + width }, bounds);
}

/**
 * The view a freshly opened day starts with: the whole day, unless its footage covers under two hours; then
 * that footage with room around it (at least ten minutes), so its spans and gaps are visible at once rather
 * than a sliver in 24 h. The Day button still shows the whole day.
 */
export function initialView(bounds, footage) {
  if (!footage || footage.end - footage.start >= 2 * HOUR) return { ...bounds };
  // A preset width, so the zoom label reads '30 min' rather than '13 min 41 s'.
  const wanted = Math.max((footage.end - footage.start) * 1.5, 10 * MINUTE);
  const width = [...ZOOM_LEVELS].reverse().find((l) => l >= wanted) ?? ZOOM_LEVELS[0];
  const middle = (footage.start + footage.end) / 2;
  return clampView({ start: middle - width / 2, end: middle + width / 2 }, bounds);
}

/** Shift a view into bounds without changing its width (unless it is wider than the bounds). */
export function clampView(view, bounds) {
  const width = Math.min(view.end - view.start, bounds.end - bounds.start);
  let start = Math.max(view.start, bounds.start);
  start = Math.min(start, bounds.end - width);
  return { start, end: start + width };
}

// Tick steps that read well on a clock, with the finer step used for unlabelled minor marks.
const STEPS = [
  [10 * SECOND, 2 * SECOND], [30 * SECOND, 5 * SECOND], [MINUTE, 10 * SECOND], [2 * MINUTE, 30 * SECOND],
  [5 * MINUTE, MINUTE], [10 * MINUTE, 2 * MINUTE], [15 * MINUTE, 5 * MINUTE], [30 * MINUTE, 10 * MINUTE],
  [HOUR, 15 * MINUTE], [2 * HOUR, 30 * MINUTE], [3 * HOUR, HOUR], [6 * HOUR, HOUR],
];

/** The label step (and minor step) giving labels at least `minPx` apart on a track `widthPx` wide. */
export function chooseStep(view, widthPx, minPx = 80) {
  const msPerPx = (view.end - view.start) / Math.max(widthPx, 1);
  return STEPS.find(([major]) => major / msPerPx >= minPx) ?? STEPS[STEPS.length - 1];
}

/**
 * Instants inside the view at which the wall clock in `tz` reads a multiple of `step` (10:00, 10:15, ...).
 * Walking in UTC and snapping each point to the zone's clock keeps marks on round local times across a DST
 * change: a spring-forward day simply has no 02:00 mark, a fall-back day has two.
 */
export function ticks(view, step, tz) {
  const out = [];
  const stride = step / 4; // finer than the step so no mark is skipped where the offset changes
  for (let t = view.start - step; t <= view.end + stride; t += stride) {
    const offset = zoneOffset(t, tz);
    const snapped = Math.floor((t + offset) / step) * step - offset;
    if (snapped >= view.start && snapped <= view.end && zoneOffset(snapped, tz) === offset
      && !out.includes(snapped)) out.push(snapped);
    if (out.length > 2000) break; // a guard against a nonsensical step; never reached in use
  }
  return out.sort((a, b) => a - b);
}
