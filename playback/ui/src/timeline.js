// The timeline widget: one camera's day as recorded spans and hatched gaps, the holds as brackets above
// them, tick marks in the chosen zone, the playhead and the selection. Click or drag to seek, shift+drag to
// select a range, wheel to zoom (horizontal wheel or shift+wheel to pan). The layout math lives in scale.js;
// this file only draws and listens.
//
// The element's left and right edges are the view's start and end (data-view-start, data-view-end), so a
// point's x maps linearly to its instant; tests rely on that. A hold's element (.hold, data-hold-id) carries
// the whole hold's range in data-start/data-end even where it is drawn clipped to the day.

import { describeRange, holdsOnDay } from './holds.js';
import { formatClock, formatDuration, toRfc3339, MINUTE } from './time.js';
import {
  chooseStep, clampView, fractionOf, follow, initialView, instantAt, nextZoomLevel, panBy, ticks, zoomBy,
  zoomTo,
} from './scale.js';

const WHEEL_ZOOM = 0.0015; // per wheel delta unit: a notch (100) zooms by ~16 %

export class Timeline {
  /**
   * @param {HTMLElement} root the #timeline element (empty; this fills it)
   * @param {object} hooks onSeek(ms), onSelect(startMs, endMs), onView(view)
   */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.tz = 'UTC';
    this.bounds = null;
    this.view = null;
    this.spans = [];
    this.gaps = [];
    this.holds = []; // the camera's, parsed (holds.js); only those on the shown day are drawn
    this.playhead = null;
    this.selection = null;
    this.drag = null;
    this.build();
    this.listen();
  }

  build() {
    const el = (cls, parent = this.root) => {
      const e = document.createElement('div');
      e.className = cls;
      parent.appendChild(e);
      return e;
    };
    this.barsEl = el('tl-bars');
    this.holdsEl = el('tl-holds');
    this.ticksEl = el('tl-ticks');
    this.selectionEl = el('tl-selection');
    this.playheadEl = el('tl-playhead');
    this.hoverEl = el('tl-hover');
    this.hoverLabel = el('tl-hover-label', this.hoverEl);
    this.emptyEl = el('tl-empty');
    this.emptyEl.textContent = 'No footage on this day';
    this.selectionEl.hidden = this.playheadEl.hidden = this.hoverEl.hidden = this.emptyEl.hidden = true;
  }

  listen() {
    const r = this.root;
    r.addEventListener('pointerdown', (e) => this.pointerDown(e));
    r.addEventListener('pointermove', (e) => this.pointerMove(e));
    r.addEventListener('pointerup', (e) => this.pointerUp(e));
    r.addEventListener('pointercancel', () => this.endDrag());
    r.addEventListener('pointerleave', () => { if (!this.drag) this.hoverEl.hidden = true; });
    r.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    new ResizeObserver(() => this.renderTicks()).observe(r);
  }

  /** A day to show: bounds {start, end} (ms), spans [{start, end, codec, resolution, playable}], gaps. */
  setDay(bounds, spans, gaps) {
    const sameDay = this.bounds && this.bounds.start === bounds.start && this.bounds.end === bounds.end;
    this.bounds = bounds;
    this.spans = spans;
    this.gaps = gaps;
    // A refresh of the same day keeps the viewer's zoom; a new day starts whole (or at its footage).
    const footage = spans.length ? { start: spans[0].start, end: spans[spans.length - 1].end } : null;
    this.view = sameDay ? clampView(this.view, bounds) : initialView(bounds, footage);
    this.renderBars();
    this.renderHolds();
    this.render();
  }

  /** The camera's holds (all of them: which are on the day depends on the day shown). */
  setHolds(holds) {
    this.holds = holds;
    this.renderHolds();
    this.renderPlayhead();
  }

  setZone(tz) {
    this.tz = tz;
    this.renderBars(); // titles carry times
    this.renderHolds();
    this.renderTicks();
  }

  /** No day shown. The holds stay: they belong to the camera, which the page sets with setHolds. */
  clear() {
    this.bounds = this.view = null;
    this.spans = this.gaps = [];
    this.renderBars();
    this.renderHolds();
    this.render();
  }

  setPlayhead(ms, { followIt = false } = {}) {
    this.playhead = ms;
    if (followIt && ms !== null && this.view && this.inDay(ms)) {
      const moved = follow(this.view, ms, this.bounds);
      if (moved !== this.view) { this.view = moved; this.render(); return; }
    }
    this.renderPlayhead();
  }

  setSelection(start, end) {
    this.selection = start === null ? null : { start: Math.min(start, end), end: Math.max(start, end) };
    this.renderSelection();
  }

  inDay(ms) {
    return this.bounds !== null && ms >= this.bounds.start && ms < this.bounds.end;
  }

  // ---- zoom and pan (buttons and keys call these) ----

  /** Step to the next zoom level in (1) or out (-1), around the playhead when it is in view. */
  zoomStep(direction) {
    if (!this.view) return;
    const width = nextZoomLevel(this.view, direction, this.bounds);
    this.setView(zoomTo(this.view, width, this.zoomAnchor(), this.bounds));
  }

  zoomFit() {
    if (this.bounds) this.setView({ ...this.bounds });
  }

  pan(fraction) {
    if (this.view) this.setView(panBy(this.view, fraction, this.bounds));
  }

  zoomAnchor() {
    const p = this.playhead;
    const f = p === null ? -1 : fractionOf(p, this.view);
    return f >= 0 && f <= 1 ? p : instantAt(0.5, this.view);
  }

  setView(view) {
    this.view = view;
    this.render();
    this.hooks.onView?.(view);
  }

  // ---- pointer input ----

  instantAtEvent(e) {
    const rect = this.root.getBoundingClientRect();
    const f = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 1);
    return instantAt(f, this.view);
  }

  pointerDown(e) {
    if (!this.view || e.button !== 0) return;
    e.preventDefault(); // no text selection while dragging
    this.root.focus({ preventScroll: true });
    this.root.setPointerCapture(e.pointerId);
    const at = this.instantAtEvent(e);
    this.drag = { mode: e.shiftKey ? 'select' : 'seek', from: at };
    if (this.drag.mode === 'select') this.setSelection(at, at);
    this.showHover(at);
  }

  pointerMove(e) {
    if (!this.view) return;
    const at = this.instantAtEvent(e);
    this.showHover(at);
    if (this.drag?.mode === 'select') this.setSelection(this.drag.from, at);
  }

  pointerUp(e) {
    if (!this.drag) return;
    const at = this.instantAtEvent(e);
    const { mode, from } = this.drag;
    this.endDrag();
    if (mode === 'seek') this.hooks.onSeek(at);
    else if (Math.abs(at - from) >= 1000) this.hooks.onSelect(Math.min(from, at), Math.max(from, at));
    else this.setSelection(null, null); // a shift+click without a drag clears the selection
  }

  endDrag() {
    this.drag = null;
    this.hoverEl.hidden = true;
  }

  wheel(e) {
    if (!this.view) return;
    e.preventDefault(); // the page must not scroll while the timeline zooms
    const horizontal = Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (horizontal || e.shiftKey) {
      const delta = horizontal ? e.deltaX : e.deltaY;
      this.setView(panBy(this.view, delta / Math.max(this.root.clientWidth, 1), this.bounds));
    } else {
      this.setView(zoomBy(this.view, Math.exp(e.deltaY * WHEEL_ZOOM), this.instantAtEvent(e), this.bounds));
    }
  }

  showHover(ms) {
    this.hoverEl.hidden = false;
    this.hoverEl.style.left = pct(fractionOf(ms, this.view));
    this.hoverLabel.textContent = formatClock(ms, this.tz);
  }

  // ---- drawing ----

  /** Positions of everything that depends on the view. */
  render() {
    const has = this.view !== null;
    this.root.toggleAttribute('data-empty', !has || this.spans.length === 0);
    this.emptyEl.hidden = !has || this.spans.length > 0;
    if (has) {
      this.root.dataset.viewStart = toRfc3339(this.view.start);
      this.root.dataset.viewEnd = toRfc3339(this.view.end);
      for (const bar of this.barsEl.children) this.place(bar, bar._start, bar._end);
      for (const mark of this.holdsEl.children) this.place(mark, mark._start, mark._end);
    } else {
      delete this.root.dataset.viewStart;
      delete this.root.dataset.viewEnd;
    }
    this.renderTicks();
    this.renderPlayhead();
    this.renderSelection();
  }

  /** One element per span and gap, carrying their RFC 3339 bounds as data attributes. */
  renderBars() {
    const bars = [];
    for (const s of this.spans) {
      const b = this.bar(s.playable ? 'span' : 'span unplayable', s.start, s.end);
      const what = [s.codec?.toUpperCase(), s.resolution].filter(Boolean).join(' ');
      b.title = `${this.range(s.start, s.end)}${what ? ` · ${what}` : ''}`
        + (s.playable ? '' : ' · this browser cannot play it; export still works');
      bars.push(b);
    }
    for (const g of this.gaps) {
      const b = this.bar('gap', g.start, g.end);
      b.title = `Gap: nothing recorded ${this.range(g.start, g.end)} (${formatDuration(g.end - g.start)})`;
      bars.push(b);
    }
    this.barsEl.replaceChildren(...bars);
    if (this.view) for (const b of bars) this.place(b, b._start, b._end);
  }

  /**
   * One bracket per hold on the day, drawn from its clipped range; an end that lies beyond the day is left
   * open (.from-before, .to-after) so it does not look like the hold ends at midnight.
   */
  renderHolds() {
    const marks = holdsOnDay(this.holds, this.bounds).map(({ hold, start, end, before, after }) => {
      const m = document.createElement('div');
      m.className = 'hold';
      m.classList.toggle('from-before', before);
      m.classList.toggle('to-after', after);
      m.dataset.holdId = hold.id;
      m.dataset.start = toRfc3339(hold.start);
      m.dataset.end = toRfc3339(hold.end);
      m._start = start;
      m._end = end;
      m.title = `Held ${describeRange(hold.start, hold.end, this.tz)}${hold.reason ? ` · ${hold.reason}` : ''}`
        + ' · kept from deletion until the hold is removed';
      return m;
    });
    this.holdsEl.replaceChildren(...marks);
    if (this.view) for (const m of marks) this.place(m, m._start, m._end);
  }

  bar(className, start, end) {
    const b = document.createElement('div');
    b.className = className;
    b.dataset.start = toRfc3339(start);
    b.dataset.end = toRfc3339(end);
    b._start = start;
    b._end = end;
    return b;
  }

  place(el, start, end) {
    const a = fractionOf(start, this.view);
    const b = fractionOf(end, this.view);
    el.style.left = pct(a);
    el.style.width = pct(b - a);
    // Bars wholly outside the view are not drawn, but stay in the DOM with their data.
    el.classList.toggle('offscreen', b < 0 || a > 1);
  }

  renderTicks() {
    if (!this.view) { this.ticksEl.replaceChildren(); return; }
    const [major, minor] = chooseStep(this.view, this.root.clientWidth || 800);
    const majors = ticks(this.view, major, this.tz);
    const marks = ticks(this.view, minor, this.tz).filter((t) => !majors.includes(t))
      .map((t) => this.tick(t, 'tick minor'));
    for (const t of majors) {
      const f = fractionOf(t, this.view);
      const edge = f < 0.03 ? ' at-start' : f > 0.97 ? ' at-end' : '';
      const mark = this.tick(t, `tick major${edge}`);
      const label = document.createElement('span');
      label.textContent = formatClock(t, this.tz, { seconds: major < MINUTE });
      mark.appendChild(label);
      marks.push(mark);
    }
    this.ticksEl.replaceChildren(...marks);
  }

  tick(ms, className) {
    const t = document.createElement('div');
    t.className = className;
    t.style.left = pct(fractionOf(ms, this.view));
    return t;
  }

  renderPlayhead() {
    const p = this.playhead;
    const f = p === null || !this.view ? -1 : fractionOf(p, this.view);
    this.playheadEl.hidden = f < 0 || f > 1;
    if (!this.playheadEl.hidden) this.playheadEl.style.left = pct(f);
    if (this.bounds && p !== null) {
      this.root.setAttribute('aria-valuenow', String(Math.round((p - this.bounds.start) / 1000)));
      // The drawing is not read out: say at least whether the frame at the playhead is held.
      const held = this.holds.some((h) => p >= h.start && p < h.end);
      this.root.setAttribute('aria-valuetext', `${formatClock(p, this.tz)}${held ? ', held' : ''}`);
    }
    if (this.bounds) this.root.setAttribute('aria-valuemax', String(Math.round((this.bounds.end - this.bounds.start) / 1000)));
  }

  renderSelection() {
    const s = this.selection;
    this.selectionEl.hidden = !s || !this.view;
    if (this.selectionEl.hidden) return;
    const a = Math.max(fractionOf(s.start, this.view), 0);
    const b = Math.min(fractionOf(s.end, this.view), 1);
    this.selectionEl.hidden = b < 0 || a > 1;
    this.selectionEl.style.left = pct(a);
    this.selectionEl.style.width = pct(Math.max(b - a, 0));
  }

  range(a, b) {
    return `${formatClock(a, this.tz)}–${formatClock(b, this.tz)}`;
  }
}

function pct(f) {
  return `${(f * 100).toFixed(4)}%`;
}
