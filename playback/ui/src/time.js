// Pure time helpers: parsing and formatting instants in an IANA time zone. No DOM, no state beyond a cache of
// Intl formatters (building one costs far more than using it, and the timeline formats hundreds per render).
//
// Instants are numbers: Unix milliseconds. Days are 'YYYY-MM-DD' strings, always meant in a given zone.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export { SECOND, MINUTE, HOUR, DAY };

const formatters = new Map();

function formatter(tz, options) {
  const key = tz + JSON.stringify(options);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...options });
    formatters.set(key, f);
  }
  return f;
}

/** The viewer's IANA zone, as the browser knows it. */
export function localZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Wall-clock fields (year, month 1-12, day, hour 0-23, minute, second) of an instant in `tz`. */
export function zonedFields(ms, tz) {
  const parts = formatter(tz, {
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(ms);
  const f = {};
  for (const p of parts) if (p.type !== 'literal') f[p.type] = Number(p.value);
  return { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second };
}

/** The zone's offset from UTC at that instant, in ms (positive east of Greenwich). */
export function zoneOffset(ms, tz) {
  const f = zonedFields(ms, tz);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  // Intl works in whole seconds: compare against the instant truncated the same way.
  return asUtc - Math.floor(ms / SECOND) * SECOND;
}

/**
 * The instant at which the wall clock in `tz` reads the given fields. In a spring-forward hole the result
 * lands just after the hole; in a fall-back hour the earlier of the two readings wins, as most software does.
 */
export function zonedToInstant({ year, month, day, hour = 0, minute = 0, second = 0, millisecond = 0 }, tz) {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  // The true instant is within 14 h of `wall`, and zones change offset months apart, so the offsets a day
  // before and a day after are the only two candidates. A candidate is right when the zone agrees with it.
  const before = zoneOffset(wall - DAY, tz);
  const after = zoneOffset(wall + DAY, tz);
  const valid = [wall - before, wall - after].filter((t, i) => zoneOffset(t, tz) === (i ? after : before));
  if (valid.length) return Math.min(...valid);
  // A spring-forward hole: no such reading. Moving forward by the hole's length matches what clocks do.
  return wall - before;
}

/** 'YYYY-MM-DD' of the day that contains the instant, in `tz`. */
export function dayOf(ms, tz) {
  const f = zonedFields(ms, tz);
  return `${f.year}-${pad(f.month)}-${pad(f.day)}`;
}

/** The day `n` days after `day` (calendar arithmetic, zone-free). */
export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** RFC 3339 in UTC, with milliseconds only when there are any (shorter URLs, same meaning). */
export function toRfc3339(ms) {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}

/** RFC 3339 with the zone's offset ('2026-11-23T15:32:00+01:00'): readable and unambiguous on DST days. */
export function toZonedRfc3339(ms, tz) {
  const whole = Math.floor(ms / SECOND) * SECOND;
  const f = zonedFields(whole, tz);
  const off = zoneOffset(whole, tz);
  const frac = ms - whole ? `.${String(ms - whole).padStart(3, '0')}` : '';
  const stamp = `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${frac}`;
  if (off === 0 && tz === 'UTC') return stamp + 'Z';
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / MINUTE;
  return `${stamp}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * Unix ms of a time from the server (RFC 3339), or NaN. The server may send nanoseconds; ECMAScript's
 * Date.parse only promises to read milliseconds (Safari has refused longer fractions), so cut to three.
 */
export function parseInstant(text) {
  if (typeof text !== 'string') return NaN;
  return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
}

/** Unix ms of an RFC 3339 string, or NaN; stricter than parseInstant, for what people type and links. */
export function parseRfc3339(text) {
  const s = String(text ?? '').trim();
  if (!RFC3339.test(s)) return NaN;
  return parseInstant(s.replace(' ', 'T'));
}

/**
 * What a person typed into a time field: RFC 3339 (with Z or an offset), or a local date and time
 * ('2026-11-23 14:32', seconds optional, 'T' or a space) read in `tz`. NaN when it is neither.
 */
export function parseUserTime(text, tz) {
  const s = String(text ?? '').trim();
  const exact = parseRfc3339(s);
  if (!Number.isNaN(exact)) return exact;
  const m = LOCAL.exec(s);
  if (!m) return NaN;
  const [, year, month, day, hour = 0, minute = 0, second = 0, milli = '0'] = m;
  const fields = {
    year: +year, month: +month, day: +day, hour: +hour, minute: +minute, second: +second,
    millisecond: Number(milli.padEnd(3, '0')),
  };
  if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.day > 31 || fields.hour > 23
    || fields.minute > 59 || fields.second > 59) return NaN;
  return zonedToInstant(fields, tz);
}

/** 'HH:MM' or 'HH:MM:SS' (or with tenths) of an instant in `tz`. */
export function formatClock(ms, tz, { seconds = true, tenths = false } = {}) {
  const f = zonedFields(ms, tz);
  let s = `${pad(f.hour)}:${pad(f.minute)}`;
  if (seconds) s += `:${pad(f.second)}`;
  if (tenths) s += `.${Math.floor((((ms % SECOND) + SECOND) % SECOND) / 100)}`;
  return s;
}

/** 'Mon 23 Nov 2026' in `tz`. */
export function formatDate(ms, tz) {
  return formatter(tz, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
}

/** A zone's short name at that instant ('CET', 'GMT+1', 'UTC'), for labels next to clocks. */
export function zoneName(ms, tz) {
  const part = formatter(tz, { timeZoneName: 'short' }).formatToParts(ms).find((p) => p.type === 'timeZoneName');
  return part ? part.value : tz;
}

/** '20 s', '3 min 5 s', '2 h 4 min': a duration for people, to the second. */
export function formatDuration(ms) {
  const total = Math.round(Math.abs(ms) / SECOND);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return s ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** '5 minutes ago', '3 hours ago', '2 days ago': how long ago an instant was, coarsely. */
export function formatAgo(ms, now) {
  const minutes = Math.max(0, Math.floor((now - ms) / MINUTE));
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}
