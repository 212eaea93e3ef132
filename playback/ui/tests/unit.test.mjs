// Unit tests of the pure helpers (time zones, timeline layout, media-to-wall mapping, links, headers, holds).
// No browser, no server: `node --test tests/unit.test.mjs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays, dayOf, formatAgo, formatClock, formatDate, formatDuration, parseInstant, parseRfc3339, parseUserTime,
  toRfc3339, toZonedRfc3339, zoneOffset, zonedToInstant, DAY, HOUR, MINUTE,
} from '../src/time.js';
import {
  chooseStep, clampView, follow, initialView, nextZoomLevel, ticks, zoomTo, MIN_VIEW,
} from '../src/scale.js';
import {
  gapsCrossed, mediaAt, nextSpanStart, parseSpans, parseWindow, previousSpanStart, snapToFootage, wallAt,
} from '../src/media-map.js';
import { formatHash, parseHash } from '../src/deeplink.js';
import { filenameOf, withParams } from '../src/api.js';
import { formatBytes } from '../src/export.js';
import { checkReason, describeRange, holdsOnDay, parseHolds, withHold, MAX_REASON } from '../src/holds.js';

const t = (s) => Date.parse(s);
const BERLIN = 'Europe/Berlin';

test('zone offsets and day boundaries across DST in Berlin', () => {
  assert.equal(zoneOffset(t('2026-03-29T00:59:59Z'), BERLIN), HOUR);
  assert.equal(zoneOffset(t('2026-03-29T01:00:00Z'), BERLIN), 2 * HOUR);
  assert.equal(dayOf(t('2026-03-28T23:30:00Z'), BERLIN), '2026-03-29');
  assert.equal(dayOf(t('2026-03-28T23:30:00Z'), 'UTC'), '2026-03-28');
  assert.equal(addDays('2026-02-28', 1), '2026-03-01');
  assert.equal(addDays('2026-01-01', -1), '2025-12-31');
});

test('local wall-clock readings to instants: normal, spring-forward hole, fall-back overlap', () => {
  const day = { year: 2026, month: 3, day: 29 };
  assert.equal(zonedToInstant({ ...day, hour: 1, minute: 30 }, BERLIN), t('2026-03-29T00:30:00Z'));
  // 02:30 does not exist that night; the clock reads 03:30 an hour "later".
  assert.equal(zonedToInstant({ ...day, hour: 2, minute: 30 }, BERLIN), t('2026-03-29T01:30:00Z'));
  assert.equal(zonedToInstant({ ...day, hour: 3, minute: 30 }, BERLIN), t('2026-03-29T01:30:00Z'));
  // 02:30 happens twice on 25 October; the first one wins.
  assert.equal(zonedToInstant({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, BERLIN),
    t('2026-10-25T00:30:00Z'));
  assert.equal(zonedToInstant({ year: 2026, month: 10, day: 25, hour: 0 }, BERLIN), t('2026-10-24T22:00:00Z'));
  assert.equal(zonedToInstant({ year: 2026, month: 11, day: 23, hour: 14, minute: 32 }, 'Asia/Kathmandu'),
    t('2026-11-23T08:47:00Z'));
});

test('parsing what people type, and formatting back', () => {
  assert.equal(parseUserTime('2026-11-23T14:32:00Z', BERLIN), t('2026-11-23T14:32:00Z'));
  assert.equal(parseUserTime('2026-11-23T15:32:00+01:00', 'UTC'), t('2026-11-23T14:32:00Z'));
  assert.equal(parseUserTime(' 2026-11-23 15:32 ', BERLIN), t('2026-11-23T14:32:00Z'));
  assert.equal(parseUserTime('2026-11-23T15:32:07.25', BERLIN), t('2026-11-23T14:32:07.250Z'));
  assert.ok(Number.isNaN(parseUserTime('yesterday', BERLIN)));
  assert.ok(Number.isNaN(parseUserTime('2026-13-01 10:00', BERLIN)));
  assert.ok(Number.isNaN(parseRfc3339('2026-11-23T14:32:00'))); // no zone: not RFC 3339
  assert.equal(parseInstant('2026-12-01T09:21:47.935983449Z'), t('2026-12-01T09:21:47.935Z'));
  assert.ok(Number.isNaN(parseInstant(null)));
  assert.equal(toRfc3339(t('2026-11-23T14:32:00Z')), '2026-11-23T14:32:00Z');
  assert.equal(toRfc3339(t('2026-11-23T14:32:00.5Z')), '2026-11-23T14:32:00.500Z');
  assert.equal(toZonedRfc3339(t('2026-11-23T14:32:00Z'), BERLIN), '2026-11-23T15:32:00+01:00');
  assert.equal(toZonedRfc3339(t('2026-11-23T14:32:00Z'), 'UTC'), '2026-11-23T14:32:00Z');
  assert.equal(formatClock(t('2026-10-25T00:30:00.75Z'), BERLIN, { tenths: true }), '02:30:00.7');
  assert.equal(formatDuration(20000), '20 s');
  assert.equal(formatDuration(185000), '3 min 5 s');
  assert.equal(formatDuration(2 * HOUR + 4 * MINUTE), '2 h 4 min');
  assert.equal(formatAgo(0, 12 * MINUTE + 5000), '12 minutes ago');
  assert.equal(formatAgo(0, 30 * HOUR), '30 hours ago');
});

test('ticks sit on round local times across a DST change', () => {
  // Berlin's spring-forward day is 23 h long: 00:00 CET is 23:00Z the day before.
  const view = { start: t('2026-03-28T23:00:00Z'), end: t('2026-03-29T22:00:00Z') };
  const marks = ticks(view, HOUR, BERLIN).map((ms) => formatClock(ms, BERLIN, { seconds: false }));
  assert.equal(marks.length, 24); // 00:00 .. 23:00 without 02:00, plus the closing 00:00
  assert.ok(!marks.includes('02:00'));
  assert.deepEqual(marks.slice(0, 4), ['00:00', '01:00', '03:00', '04:00']);
  const fallBack = { start: t('2026-10-24T22:00:00Z'), end: t('2026-10-25T23:00:00Z') };
  const twice = ticks(fallBack, HOUR, BERLIN).map((ms) => formatClock(ms, BERLIN, { seconds: false }));
  assert.equal(twice.filter((m) => m === '02:00').length, 2);
  const [major] = chooseStep({ start: 0, end: 24 * HOUR }, 1200);
  assert.equal(major, 2 * HOUR);
  assert.equal(chooseStep({ start: 0, end: 2 * MINUTE }, 390)[0], 30000);
});

test('zooming and panning stay inside the day, down to a few minutes', () => {
  const day = { start: 0, end: 24 * HOUR };
  const z = zoomTo(day, HOUR, 12 * HOUR, day);
  assert.deepEqual(z, { start: 11.5 * HOUR, end: 12.5 * HOUR });
  assert.equal(zoomTo(day, 1000, 6 * HOUR, day).end - zoomTo(day, 1000, 6 * HOUR, day).start, MIN_VIEW);
  assert.deepEqual(clampView({ start: -HOUR, end: HOUR }, day), { start: 0, end: 2 * HOUR });
  assert.equal(nextZoomLevel(day, 1, day), 12 * HOUR);
  assert.equal(nextZoomLevel({ start: 0, end: HOUR }, -1, day), 3 * HOUR);
  const dst = { start: 0, end: 23 * HOUR };
  assert.equal(nextZoomLevel({ start: 0, end: 12 * HOUR }, -1, dst), 23 * HOUR);
  const v = { start: 0, end: HOUR };
  assert.equal(follow(v, HOUR / 2, day), v);
  assert.deepEqual(follow(v, 2 * HOUR, day), { start: 2 * HOUR - 360000, end: 3 * HOUR - 360000 });
});

const WINDOW = parseWindow({
  camera: 'c', requested: '2026-11-23T14:32:00Z', start: '2026-11-23T14:31:58.7Z', end: '2026-11-23T15:00:00Z',
  live: false, playlist: '/p.m3u8', startPosition: 1.3,
  pieces: [
    { media: 0, wall: '2026-11-23T14:31:58.7Z', duration: 120, codec: 'h264', mime: 'video/mp4' },
    { media: 120, wall: '2026-11-23T14:34:18.7Z', duration: 60, codec: 'h264', mime: 'video/mp4' },
  ],
  gaps: [{ media: 120, start: '2026-11-23T14:33:58.7Z', end: '2026-11-23T14:34:18.7Z' }],
});

test('media time and wall clock map both ways through a collapsed gap', () => {
  assert.equal(wallAt(WINDOW, 1.3), t('2026-11-23T14:32:00Z'));
  assert.equal(wallAt(WINDOW, 119), t('2026-11-23T14:33:57.7Z'));
  assert.equal(wallAt(WINDOW, 121), t('2026-11-23T14:34:19.7Z'));
  assert.equal(mediaAt(WINDOW, t('2026-11-23T14:32:00Z')), 1.3);
  assert.equal(mediaAt(WINDOW, t('2026-11-23T14:34:00Z')), 120); // inside the gap: the footage after it
  assert.equal(mediaAt(WINDOW, t('2026-11-23T14:34:28.7Z')), 130);
  assert.equal(mediaAt(WINDOW, t('2026-11-23T16:00:00Z')), null);
  assert.equal(gapsCrossed(WINDOW, 119.9, 120.1).length, 1);
  assert.equal(gapsCrossed(WINDOW, 100, 130).length, 0); // a seek, not playback
  assert.equal(gapsCrossed(WINDOW, 120.1, 120.3).length, 0);
});

test('seeks snap to footage; previous and next span', () => {
  const spans = parseSpans([
    { start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z' },
    { start: '2026-11-23T11:00:20Z', end: '2026-11-23T12:00:00Z' },
  ]);
  assert.equal(snapToFootage(spans, t('2026-11-23T10:30:00Z')), t('2026-11-23T10:30:00Z'));
  assert.equal(snapToFootage(spans, t('2026-11-23T11:00:10Z')), t('2026-11-23T11:00:20Z'));
  assert.equal(snapToFootage(spans, t('2026-11-23T09:00:00Z')), t('2026-11-23T10:00:00Z'));
  assert.equal(snapToFootage(spans, t('2026-11-23T13:00:00Z')), t('2026-11-23T11:59:55Z'));
  assert.equal(nextSpanStart(spans, t('2026-11-23T10:30:00Z')), t('2026-11-23T11:00:20Z'));
  assert.equal(nextSpanStart(spans, t('2026-11-23T11:30:00Z')), null);
  assert.equal(previousSpanStart(spans, t('2026-11-23T11:30:00Z')), t('2026-11-23T11:00:20Z'));
  assert.equal(previousSpanStart(spans, t('2026-11-23T11:00:21Z')), t('2026-11-23T10:00:00Z'));
  assert.equal(previousSpanStart(spans, t('2026-11-23T10:00:01Z')), null);
});

test('deep links, query strings, Content-Disposition, sizes', () => {
  const hash = formatHash('front door', t('2026-11-23T14:32:00.9Z'));
  assert.equal(hash, '#camera=front+door&t=2026-11-23T14:32:00Z');
  assert.deepEqual(parseHash(hash), { camera: 'front door', t: t('2026-11-23T14:32:00Z') });
  assert.deepEqual(parseHash('#camera=x&t=garbage'), { camera: 'x', t: null });
  assert.deepEqual(parseHash(''), { camera: null, t: null });
  assert.equal(withParams('/a', { start: '2026-11-23T14:32:00+01:00', end: null }),
    '/a?start=2026-11-23T14%3A32%3A00%2B01%3A00');
  assert.equal(filenameOf('attachment; filename="front-door_20261123T143200Z_20261123T143500Z.mp4"'),
    'front-door_20261123T143200Z_20261123T143500Z.mp4');
  assert.equal(filenameOf("attachment; filename=\"a.mp4\"; filename*=UTF-8''caf%C3%A9.mp4"), 'café.mp4');
  assert.equal(filenameOf(null), null);
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(12345678), '12 MB');
  assert.equal(formatBytes(1234567), '1.2 MB');
});

test('a day opens whole, or at its footage when that is short', () => {
  const day = { start: 0, end: 24 * HOUR };
  assert.deepEqual(initialView(day, null), day);
  assert.deepEqual(initialView(day, { start: 0, end: 20 * HOUR }), day);
  assert.deepEqual(initialView(day, { start: 12 * HOUR, end: 12 * HOUR + 3 * MINUTE }),
    { start: 12 * HOUR + 1.5 * MINUTE - 5 * MINUTE, end: 12 * HOUR + 1.5 * MINUTE + 5 * MINUTE });
  const v = initialView(day, { start: 12 * HOUR, end: 12 * HOUR + 9 * MINUTE });
  assert.equal(v.end - v.start, 30 * MINUTE);
  assert.deepEqual(initialView(day, { start: 60000, end: 120000 }), { start: 0, end: 10 * MINUTE });
});

const HOLDS = parseHolds([
  { id: 'b', camera: 'c', start: '2026-11-23T14:32:00Z', end: '2026-11-23T14:35:00Z', reason: 'break-in',
    created: '2026-11-24T08:00:00.123456789Z', created_by: 'ana' },
  { id: 'a', camera: 'c', start: '2026-11-22T22:00:00Z', end: '2026-11-23T01:30:00Z', created: 'junk' },
  { id: 'late', camera: 'c', start: '2026-11-23T23:00:00Z', end: '2026-11-24T02:00:00Z', reason: '' },
  { id: 'bad', camera: 'c', start: '2026-11-23T10:00:00Z', end: '2026-11-23T10:00:00Z' }, // empty range
  { camera: 'c', start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z' }, // no id: cannot be removed
]);

test('holds from the API: parsed, sorted by start, the unusable ones dropped', () => {
  assert.deepEqual(HOLDS.map((h) => h.id), ['a', 'b', 'late']);
  assert.equal(HOLDS[1].start, t('2026-11-23T14:32:00Z'));
  assert.equal(HOLDS[1].created, t('2026-11-24T08:00:00.123Z'));
  assert.equal(HOLDS[1].createdBy, 'ana');
  assert.equal(HOLDS[0].createdBy, null);
  assert.equal(HOLDS[0].reason, '');
  assert.ok(Number.isNaN(HOLDS[0].created));
  assert.deepEqual(parseHolds(undefined), []);
  const added = withHold(HOLDS, { ...HOLDS[1], id: 'new', start: t('2026-11-23T12:00:00Z') });
  assert.deepEqual(added.map((h) => h.id), ['a', 'new', 'b', 'late']);
  assert.equal(withHold(HOLDS, { ...HOLDS[1], reason: 'changed' }).length, 3, 'the same id replaces');
  assert.equal(HOLDS.length, 3, 'the list passed in is not changed');
});

test('holds are clipped to the shown day, with open ends where they go on', () => {
  const day = { start: t('2026-11-23T00:00:00Z'), end: t('2026-11-24T00:00:00Z') };
  const shown = holdsOnDay(HOLDS, day);
  assert.deepEqual(shown.map((s) => [s.hold.id, toRfc3339(s.start), toRfc3339(s.end), s.before, s.after]), [
    ['a', '2026-11-23T00:00:00Z', '2026-11-23T01:30:00Z', true, false],
    ['b', '2026-11-23T14:32:00Z', '2026-11-23T14:35:00Z', false, false],
    ['late', '2026-11-23T23:00:00Z', '2026-11-24T00:00:00Z', false, true],
  ]);
  // A hold that ends exactly where the day starts is not on it (ends are exclusive, as in crds' Hold).
  const next = holdsOnDay(HOLDS, { start: t('2026-11-24T02:00:00Z'), end: t('2026-11-25T00:00:00Z') });
  assert.deepEqual(next, []);
  assert.deepEqual(holdsOnDay(HOLDS, null), []);
});

test('a reason is required, trimmed, and at most 500 characters (code points, as the server counts)', () => {
  assert.deepEqual(checkReason('  break-in, police report 123 '), { reason: 'break-in, police report 123' });
  assert.match(checkReason('   ').error, /reason/);
  assert.match(checkReason(undefined).error, /reason/);
  assert.deepEqual(checkReason('x'.repeat(MAX_REASON)), { reason: 'x'.repeat(MAX_REASON) });
  assert.match(checkReason('x'.repeat(MAX_REASON + 1)).error, /501 characters/);
  // 500 emoji are 1000 UTF-16 units but 500 characters: allowed.
  assert.ok(checkReason('📹'.repeat(MAX_REASON)).reason);
});

test('ranges in words: minutes, seconds when needed, dates across midnight', () => {
  const a = t('2026-11-23T14:32:00Z');
  assert.equal(describeRange(a, t('2026-11-23T14:35:00Z'), 'UTC'), '14:32–14:35');
  assert.equal(describeRange(a, t('2026-11-23T14:35:00Z'), BERLIN), '15:32–15:35');
  assert.equal(describeRange(a, t('2026-11-23T14:35:07Z'), 'UTC'), '14:32:00–14:35:07');
  // Dates as formatDate writes them ('Mon, 23 Nov 2026' or without the comma, by ICU version).
  const mon = formatDate(a, 'UTC');
  const tue = formatDate(a + DAY, 'UTC');
  assert.equal(describeRange(a, t('2026-11-23T14:35:00Z'), 'UTC', { withDate: true }), `${mon} 14:32–14:35`);
  assert.equal(describeRange(t('2026-11-23T22:00:00Z'), t('2026-11-24T02:00:00Z'), 'UTC'),
    `${mon} 22:00 – ${tue} 02:00`);
  // Up to midnight is still the same day; in Berlin 23:30Z is already the next day.
  assert.equal(describeRange(t('2026-11-23T22:00:00Z'), t('2026-11-24T00:00:00Z'), 'UTC'), '22:00–00:00');
  assert.equal(describeRange(t('2026-11-23T22:00:00Z'), t('2026-11-23T23:30:00Z'), BERLIN),
    `${mon} 23:00 – ${tue} 00:30`);
});
