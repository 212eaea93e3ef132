// The export panel: a range (typed, taken from the playhead, or shift+dragged on the timeline), a HEAD
// request that names the file and its size, then a plain <a download> to the export URL. The download is a
// same-origin navigation, so the session cookie authorises it and no credential appears in the URL.

import { describeExport } from './api.js';
import { formatDuration, parseUserTime, toRfc3339, toZonedRfc3339 } from './time.js';

const MAX_EXPORT_MS = 24 * 3600 * 1000; // the server's default export_max; it has the final word

export class ExportPanel {
  /**
   * @param {object} els {start, end, button, info, download, markStart, markEnd}
   * @param {object} hooks camera() -> id, zone() -> tz, playhead() -> ms|null, onRange(start, end|null),
   *   onError(err)
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.generation = 0;
    els.button.addEventListener('click', () => this.check());
    els.markStart.addEventListener('click', () => this.mark(els.start));
    els.markEnd.addEventListener('click', () => this.mark(els.end));
    for (const input of [els.start, els.end]) {
      input.addEventListener('input', () => this.edited());
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.check(); });
    }
    this.invalidate();
  }

  /** Fill both fields (from a timeline selection), in the zone the page shows. */
  setRange(start, end) {
    // Whole seconds: a dragged range is no more precise than that, and the fields stay readable.
    this.els.start.value = toZonedRfc3339(Math.floor(start / 1000) * 1000, this.hooks.zone());
    this.els.end.value = toZonedRfc3339(Math.ceil(end / 1000) * 1000, this.hooks.zone());
    this.edited();
  }

  /** Re-write parseable fields in a new zone; the instants stay the same. */
  rezone(oldTz) {
    for (const input of [this.els.start, this.els.end]) {
      const ms = parseUserTime(input.value, oldTz);
      if (!Number.isNaN(ms)) input.value = toZonedRfc3339(ms, this.hooks.zone());
    }
  }

  clear() {
    this.els.start.value = this.els.end.value = '';
    this.edited();
  }

  mark(input) {
    const ms = this.hooks.playhead();
    if (ms === null) return;
    input.value = toZonedRfc3339(Math.floor(ms / 1000) * 1000, this.hooks.zone());
    this.edited();
  }

  /** The fields changed: the previous answer no longer applies, and the timeline shows the new range. */
  edited() {
    this.invalidate();
    const range = this.range();
    this.hooks.onRange(range.error ? null : range.start, range.error ? null : range.end);
  }

  invalidate() {
    this.generation++;
    this.els.download.hidden = true;
    this.els.download.removeAttribute('href');
    this.els.info.textContent = '';
    this.els.info.removeAttribute('data-kind');
  }

  /**
   * {start, end} in ms from the fields, or {error} saying which field is wrong and how to fix it. A hold
   * takes the same range without the export's length limit (`maxMs: Infinity`).
   */
  range({ maxMs = MAX_EXPORT_MS } = {}) {
    const tz = this.hooks.zone();
    const start = parseUserTime(this.els.start.value, tz);
    const end = parseUserTime(this.els.end.value, tz);
    const example = 'e.g. 2026-11-23 14:32:00 or 2026-11-23T13:32:00Z';
    if (Number.isNaN(start)) return { error: `Start: enter a date and time, ${example}` };
    if (Number.isNaN(end)) return { error: `End: enter a date and time, ${example}` };
    if (end <= start) return { error: 'End must be after start' };
    if (end - start > maxMs) return { error: 'An export can be at most 24 hours long' };
    return { start, end };
  }

  /** HEAD the export: show the file name and size, then offer the download link. */
  async check() {
    const range = this.range();
    const camera = this.hooks.camera();
    this.invalidate();
    if (range.error) return this.say(range.error, 'error');
    if (!camera) return this.say('Choose a camera first', 'error');
    const gen = this.generation;
    this.say('Checking…', 'busy');
    try {
      const file = await describeExport(camera, toRfc3339(range.start), toRfc3339(range.end));
      if (gen !== this.generation) return;
      const size = file.size === null ? 'size unknown' : formatBytes(file.size);
      this.say(`${file.name} · ${size} · ${formatDuration(range.end - range.start)} requested`, 'ok');
      this.els.download.href = file.url;
      this.els.download.download = file.name;
      this.els.download.hidden = false;
    } catch (err) {
      if (gen !== this.generation) return;
      this.say(`Export not possible: ${err.message}`, 'error');
      this.hooks.onError(err);
    }
  }

  say(text, kind) {
    this.els.info.textContent = text;
    this.els.info.dataset.kind = kind;
  }
}

/** '12.3 MB': a byte count for people (decimal units, as file managers and download bars show them). */
export function formatBytes(n) {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do { v /= 1000; i++; } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
