// The page: signs in, lists the cameras, and ties the player, the timeline, the export panel and the holds
// together.
// State that several parts need (the camera, the day, the zone) lives here; each part owns its own DOM.

import * as api from './src/api.js';
import { canPlayCodec, codecLabel, learnFromPieces, canPlayMime } from './src/codecs.js';
import { formatHash, parseHash } from './src/deeplink.js';
import { ExportPanel } from './src/export.js';
import { HoldPanel } from './src/hold-panel.js';
import { nextSpanStart, parseSpans, previousSpanStart, snapToFootage } from './src/media-map.js';
import { Player } from './src/player.js';
import { Timeline } from './src/timeline.js';
import {
  addDays, dayOf, formatAgo, formatClock, formatDate, formatDuration, localZone, parseInstant, zoneName,
} from './src/time.js';

const $ = (id) => document.getElementById(id);

const REFRESH_MS = 30000; // camera states and today's timeline: a segment is a few seconds, 30 s is fresh
const NOTICE_MS = 8000;
const LATEST_LEAD_MS = 30000; // a camera opened without a time shows its footage from this long before the end

const state = {
  cameras: new Map(), // id -> camera (API.md, "Cameras")
  camerasLoaded: null, // the promise of the first camera list
  camera: null,
  utc: false,
  day: null,
  spans: [], // the shown day's spans, parsed, with `playable`
  dayGeneration: 0,
  followDay: true, // the timeline turns to the next day when playback runs past midnight
  grownAt: -Infinity, // when a live window last asked for more of the day's timeline
  timers: [],
};

const zone = () => (state.utc ? 'UTC' : localZone());

// ---- notices: one line under the player. A sticky notice (such as "cannot play H.265") stays while it
// holds; a passing one (a skipped gap) shows over it for a few seconds. ----

const notices = { sticky: '', stickyKind: 'info', text: '', kind: 'info', timer: 0 };

function notify(text, kind = 'info', ms = NOTICE_MS) {
  clearTimeout(notices.timer);
  notices.text = text;
  notices.kind = kind;
  notices.timer = ms ? setTimeout(() => { notices.text = ''; renderNotice(); }, ms) : 0;
  renderNotice();
}

function setSticky(text, kind = 'warn') {
  notices.sticky = text;
  notices.stickyKind = kind;
  renderNotice();
}

function renderNotice() {
  const el = $('notice');
  const text = notices.text || notices.sticky;
  el.textContent = text;
  el.dataset.kind = notices.text ? notices.kind : notices.stickyKind;
  el.hidden = !text;
}

function clearNotices() {
  clearTimeout(notices.timer);
  notices.text = notices.sticky = '';
  renderNotice();
}

/** Errors from any part: a lost session goes back to the login form, the rest is said plainly. */
function reportError(err) {
  if (err?.status === 401) {
    showLogin('Your session has ended. Sign in again.');
    return;
  }
  notify(err?.message || String(err), 'error', 0);
}

// ---- the parts ----

const video = $('player');

const player = new Player(video, {
  fetchWindow: (camera, start) => api.getPlayback(camera, start),
  canPlay: canPlayMime,
  moreFootageAfter: (camera, ms) => {
    const last = parseInstant(state.cameras.get(camera)?.last ?? '');
    return Number.isFinite(last) && last > ms + 1000;
  },
  onClock: renderClock,
  onState: renderPlayerState,
  onGap: (gap) => notify(
    `Skipped ${formatDuration(gap.end - gap.start)} gap: nothing was recorded `
    + `${formatClock(gap.start, zone())}–${formatClock(gap.end, zone())}`, 'info'),
  onUnplayable: (piece) => {
    const message = unplayableMessage(piece?.codec);
    setSticky(message);
    showOverlay(message);
  },
  onError: reportError,
  onWindow: (win) => { learnFromPieces(win.pieces); markPlayable(); },
});

const timeline = new Timeline($('timeline'), {
  onSeek: (ms) => seekTo(snapToFootage(state.spans, ms), { autoplay: true }),
  onSelect: (start, end) => exporter.setRange(start, end),
  onView: renderZoomLevel,
});

const exporter = new ExportPanel({
  start: $('export-start'), end: $('export-end'), button: $('export-button'), info: $('export-info'),
  download: $('export-download'), markStart: $('export-mark-start'), markEnd: $('export-mark-end'),
}, {
  camera: () => state.camera,
  zone,
  playhead: () => player.currentWall(),
  onRange: (start, end) => timeline.setSelection(start, end),
  onError: (err) => { if (err.status === 401) reportError(err); },
});

const holdPanel = new HoldPanel({
  reason: $('hold-reason'), button: $('hold-button'), info: $('hold-info'), heading: $('holds-title'),
  list: $('holds'), status: $('holds-status'), empty: $('holds-empty'),
}, {
  camera: () => state.camera,
  zone,
  // Holds have no length limit of their own; retention simply keeps whatever they cover.
  range: () => exporter.range({ maxMs: Infinity }),
  onHolds: (list) => timeline.setHolds(list),
  onHeld: (text) => notify(text, 'info'),
  onShow: (hold) => showInstant(hold.start),
  onError: (err) => { if (err.status === 401) reportError(err); },
});

function unplayableMessage(codec) {
  return `This browser cannot play ${codecLabel(codec ?? 'h265')}; export still works.`;
}

// ---- session ----

async function checkSession() {
  try {
    showApp(await api.getSession());
  } catch (err) {
    if (err.status === 401) showLogin();
    else showFatal(`The playback server did not answer (${err.message}). Reload to try again.`);
  }
}

/** Logged out: the login form only. Every trace of footage and camera data goes. */
function showLogin(message = '') {
  stopTimers();
  player.destroy();
  timeline.clear();
  exporter.clear();
  holdPanel.clear();
  clearNotices();
  state.cameras.clear();
  state.camera = null;
  state.spans = [];
  $('cameras').replaceChildren();
  $('app').hidden = true;
  $('session-box').hidden = true;
  $('fatal').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

function showApp(session) {
  $('login').hidden = true;
  $('fatal').hidden = true;
  $('app').hidden = false;
  $('session-box').hidden = false;
  $('user').textContent = session.user ? `Signed in as ${session.user}` : '';
  // Only a token session can be ended from here; behind an auth proxy or with auth off there is no cookie.
  $('logout').hidden = session.auth !== 'token';
  start();
}

function showFatal(text) {
  $('fatal').textContent = text;
  $('fatal').hidden = false;
}

async function submitLogin(event) {
  event.preventDefault();
  const input = $('token');
  const token = input.value;
  input.value = ''; // the token leaves the page with this request and is not kept anywhere
  $('login-error').textContent = '';
  try {
    await api.login(token);
    await checkSession();
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'That token is not valid.' : `Sign-in failed: ${err.message}`;
    input.focus();
  }
}

async function doLogout() {
  try {
    await api.logout();
  } catch {
    // The cookie may be gone already; the page forgets everything either way.
  }
  history.replaceState(null, '', location.pathname);
  showLogin();
}

// ---- start and refresh ----

function start() {
  stopTimers();
  state.camerasLoaded = loadCameras();
  const link = parseHash(location.hash);
  if (link.camera) {
    openCamera(link.camera, link.t, { autoplay: link.t !== null });
  } else {
    state.camerasLoaded.then(() => {
      const first = state.cameras.keys().next().value;
      if (first && !state.camera) openCamera(first, null);
    });
  }
  state.timers.push(setInterval(refresh, REFRESH_MS));
}

function stopTimers() {
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
}

async function refresh() {
  await loadCameras();
  // Today's timeline grows while the camera records.
  const cam = state.cameras.get(state.camera);
  if (cam?.recording && state.day === dayOf(Date.now(), zone())) loadDay(state.day, { keepView: true });
}

async function loadCameras() {
  try {
    const list = await api.getCameras();
    state.cameras = new Map(list.map((c) => [c.id, c]));
    renderCameras();
  } catch (err) {
    reportError(err);
  }
}

// ---- cameras ----

function renderCameras() {
  // The list is rebuilt on every refresh: keep the keyboard focus on the camera that had it.
  const focused = document.activeElement?.closest?.('#cameras li')?.dataset.camera;
  const items = [...state.cameras.values()].map((cam) => {
    const li = document.createElement('li');
    li.dataset.camera = cam.id;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'camera';
    button.setAttribute('aria-pressed', String(cam.id === state.camera));
    const name = document.createElement('span');
    name.className = 'camera-name';
    name.textContent = cam.id;
    const status = document.createElement('span');
    status.className = `camera-state ${cam.recording ? 'recording' : 'idle'}`;
    status.textContent = cameraState(cam, Date.now());
    const meta = document.createElement('span');
    meta.className = 'camera-meta';
    meta.textContent = [codecLabel(cam.codec), cam.resolution].filter((x) => x && x !== 'this video').join(' · ')
      + (cam.codec && !canPlayCodec(cam.codec) ? ' · export only here' : '');
    button.append(name, status, meta);
    button.addEventListener('click', () => openCamera(cam.id, null));
    li.appendChild(button);
    return li;
  });
  $('cameras').replaceChildren(...items);
  if (focused) items.find((li) => li.dataset.camera === focused)?.querySelector('button').focus();
  if (!items.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No cameras have footage in this bucket yet.';
    $('cameras').appendChild(li);
  }
}

/** 'recording', 'last footage 12 minutes ago', or 'no footage'. */
function cameraState(cam, now) {
  if (cam.recording) return 'recording';
  if (!cam.last) return 'no footage';
  return `last footage ${formatAgo(parseInstant(cam.last), now)}`;
}

/**
 * Show a camera: its day's timeline and a player at `t` (or near its latest footage). The playback window
 * is asked for at once, alongside the timeline, so a deep link starts playing as soon as it can.
 */
async function openCamera(id, t, { autoplay = false } = {}) {
  state.camera = id;
  state.followDay = true;
  for (const b of document.querySelectorAll('#cameras li')) {
    b.querySelector('button')?.setAttribute('aria-pressed', String(b.dataset.camera === id));
  }
  history.replaceState(null, '', formatHash(id, t));
  exporter.invalidate();
  holdPanel.load(id);
  clearNotices();
  hideOverlay();
  let at = t;
  if (at === null) {
    await state.camerasLoaded;
    if (state.camera !== id) return; // another camera was chosen meanwhile
    const cam = state.cameras.get(id);
    if (!cam) return reportError(new Error(`There is no camera "${id}" in this bucket.`));
    if (!cam.last) {
      player.destroy();
      timeline.clear();
      showOverlay('This camera has no footage yet.');
      return;
    }
    at = Math.max(parseInstant(cam.first) || -Infinity, parseInstant(cam.last) - LATEST_LEAD_MS);
  }
  loadDay(dayOf(at, zone()));
  player.load(id, at, { autoplay });
}

// ---- the day's timeline ----

async function loadDay(day, { keepView = false } = {}) {
  if (!state.camera) return;
  const gen = ++state.dayGeneration;
  state.day = day;
  $('day').value = day;
  try {
    const res = await api.getDayTimeline(state.camera, day, zone());
    if (gen !== state.dayGeneration) return;
    state.spans = parseSpans(res.spans).map((s) => ({ ...s, playable: canPlayCodec(s.codec) }));
    const bounds = { start: parseInstant(res.start), end: parseInstant(res.end) };
    if (!keepView) timeline.clear();
    timeline.setDay(bounds, state.spans, parseSpans(res.gaps));
    timeline.setPlayhead(player.currentWall());
    renderZoomLevel(timeline.view);
    updateCodecNotice();
  } catch (err) {
    if (gen === state.dayGeneration) reportError(err);
  }
}

/** Re-judge the spans' codecs after a playback window taught the real MSE types. */
function markPlayable() {
  let changed = false;
  for (const s of state.spans) {
    const playable = canPlayCodec(s.codec);
    changed ||= playable !== s.playable;
    s.playable = playable;
  }
  if (changed) {
    timeline.renderBars();
    updateCodecNotice();
  }
}

function updateCodecNotice() {
  const bad = state.spans.find((s) => !s.playable);
  setSticky(bad ? unplayableMessage(bad.codec) : '');
}

function changeDay(day) {
  if (!day) return;
  state.followDay = false; // the viewer looks elsewhere; do not turn the page back under them
  loadDay(day);
  // Holds are few and per camera: the whole list again, so holds made elsewhere meanwhile show too.
  holdPanel.load(state.camera);
}

function setZone(utc) {
  const old = zone();
  state.utc = utc;
  exporter.rezone(old);
  // The day boundaries move with the zone: show the day of the playhead (or of the old day's noon).
  const anchor = player.currentWall() ?? timeline.view?.start ?? Date.now();
  renderZoneName();
  timeline.setZone(zone());
  holdPanel.render();
  renderClock(player.currentWall());
  loadDay(dayOf(anchor, zone()));
}

function renderZoneName() {
  $('tz-local-name').textContent = `Local (${localZone()})`;
}

function renderZoomLevel(view) {
  $('zoom-level').textContent = view ? formatDuration(view.end - view.start) : '—';
}

// ---- seeking and keys ----

function seekTo(ms, { autoplay } = {}) {
  if (ms === null || !state.camera) return;
  state.followDay = true;
  const span = state.spans.find((s) => ms >= s.start && ms < s.end);
  if (span && !span.playable) {
    notify(unplayableMessage(span.codec), 'warn');
    return;
  }
  hideOverlay();
  player.seekWall(ms, { autoplay });
}

/** Show an instant that may be on another day (a hold from the list): turn to its day, then seek there. */
function showInstant(ms) {
  if (!state.camera) return;
  const day = dayOf(ms, zone());
  if (day !== state.day) loadDay(day);
  seekTo(ms);
}

function jumpSpan(direction) {
  const now = player.currentWall();
  if (now === null) return;
  const target = direction > 0 ? nextSpanStart(state.spans, now) : previousSpanStart(state.spans, now);
  if (target === null) {
    notify(direction > 0 ? 'No later footage on this day.' : 'No earlier footage on this day.', 'info', 4000);
    return;
  }
  seekTo(target);
}

// Keys act on the player unless the focus is somewhere that needs them itself: a text field or list, or a
// button or link (where Space means "press this").
function onKey(e) {
  if ($('app').hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t.closest?.('input, textarea, select, [contenteditable="true"]')) return;
  const onButton = Boolean(t.closest?.('button, a[href]'));
  const actions = {
    ' ': () => { if (!onButton) player.togglePlay(); else return false; },
    ArrowLeft: () => player.step(-10),
    ArrowRight: () => player.step(10),
    '[': () => jumpSpan(-1),
    PageUp: () => jumpSpan(-1),
    ']': () => jumpSpan(1),
    PageDown: () => jumpSpan(1),
    '+': () => timeline.zoomStep(1),
    '=': () => timeline.zoomStep(1),
    '-': () => timeline.zoomStep(-1),
  };
  const action = actions[e.key];
  if (action && action() !== false) e.preventDefault();
}

// ---- player chrome ----

function renderClock(ms) {
  const el = $('wallclock');
  if (ms === null) {
    el.querySelector('.clock-time').textContent = '--:--:--';
    el.querySelector('.clock-tenths').textContent = '';
    el.querySelector('.clock-date').textContent = '';
    el.querySelector('.clock-zone').textContent = '';
    el.removeAttribute('data-epoch-ms');
    timeline.setPlayhead(null);
    return;
  }
  const tz = zone();
  const clock = formatClock(ms, tz, { tenths: true });
  el.dataset.epochMs = String(Math.round(ms));
  el.querySelector('.clock-time').textContent = clock.slice(0, 8);
  el.querySelector('.clock-tenths').textContent = clock.slice(8);
  el.querySelector('.clock-date').textContent = formatDate(ms, tz);
  el.querySelector('.clock-zone').textContent = tz === 'UTC' ? 'UTC' : zoneName(ms, tz);
  const playing = !video.paused;
  timeline.setPlayhead(ms, { followIt: playing });
  if (playing) keepTimelineUp(ms);
  $('live-badge').hidden = !player.atLiveEdge();
}

/**
 * While playing, the timeline follows: past midnight it turns to the next day, and in a live window, once
 * the playhead runs past the footage it knows of, it asks for the day again (at most every 10 s).
 */
function keepTimelineUp(ms) {
  if (!state.day || !timeline.bounds) return;
  if (state.followDay && !timeline.inDay(ms)) {
    const day = dayOf(ms, zone());
    if (day !== state.day) loadDay(day);
    return;
  }
  const last = state.spans[state.spans.length - 1];
  const now = performance.now();
  if (player.win?.live && last && ms > last.end + 2000 && now - state.grownAt > 10000) {
    state.grownAt = now;
    loadDay(state.day, { keepView: true });
  }
}

function renderPlayerState(s) {
  const playing = s === 'playing' || (s === 'waiting' && !video.paused);
  const button = $('play');
  button.querySelector('use').setAttribute('href', playing ? '#i-pause' : '#i-play');
  button.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  $('video-wrap').dataset.state = s;
  if (s === 'loading' || s === 'waiting') showOverlay('', 'spinner');
  else if (s === 'playing' || s === 'paused') hideOverlay();
  else if (s === 'ended') showOverlay('End of the recorded footage.');
  else if (s === 'idle') showOverlay(state.camera ? '' : 'Choose a camera.');
}

function showOverlay(text, kind = 'message') {
  const el = $('overlay');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
}

function hideOverlay() {
  $('overlay').hidden = true;
}

function toggleMute() {
  video.muted = !video.muted;
  $('mute').setAttribute('aria-pressed', String(!video.muted));
  $('mute').querySelector('use').setAttribute('href', video.muted ? '#i-muted' : '#i-sound');
}

async function copyLink() {
  const at = player.currentWall();
  if (!state.camera) return;
  const link = `${location.origin}${location.pathname}${formatHash(state.camera, at)}`;
  history.replaceState(null, '', formatHash(state.camera, at));
  try {
    // The Clipboard API needs a secure context (https or localhost); elsewhere the old way still works.
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(link);
    else copyByHand(link);
    notify('Link to this moment copied.', 'info', 3000);
  } catch {
    notify(`Copy this link: ${link}`, 'info', 0);
  }
}

function copyByHand(text) {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen-copy';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

function toggleFullscreen() {
  const wrap = $('video-wrap');
  if (document.fullscreenElement) document.exitFullscreen();
  else wrap.requestFullscreen?.().catch(() => {});
}

// ---- wiring ----

function bindUi() {
  $('login').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', doLogout);
  $('play').addEventListener('click', () => player.togglePlay());
  $('back10').addEventListener('click', () => player.step(-10));
  $('fwd10').addEventListener('click', () => player.step(10));
  $('prev-span').addEventListener('click', () => jumpSpan(-1));
  $('next-span').addEventListener('click', () => jumpSpan(1));
  $('speed').addEventListener('change', (e) => player.setRate(Number(e.target.value)));
  $('mute').addEventListener('click', toggleMute);
  $('copy-link').addEventListener('click', copyLink);
  $('fullscreen').addEventListener('click', toggleFullscreen);
  $('video-wrap').addEventListener('click', (e) => { if (e.target === video) player.togglePlay(); });
  $('day').addEventListener('change', (e) => changeDay(e.target.value));
  $('day-prev').addEventListener('click', () => state.day && changeDay(addDays(state.day, -1)));
  $('day-next').addEventListener('click', () => state.day && changeDay(addDays(state.day, 1)));
  for (const radio of document.querySelectorAll('input[name="tz"]')) {
    radio.addEventListener('change', () => setZone(radio.value === 'utc' && radio.checked));
  }
  $('zoom-in').addEventListener('click', () => timeline.zoomStep(1));
  $('zoom-out').addEventListener('click', () => timeline.zoomStep(-1));
  $('zoom-fit').addEventListener('click', () => timeline.zoomFit());
  $('pan-left').addEventListener('click', () => timeline.pan(-0.5));
  $('pan-right').addEventListener('click', () => timeline.pan(0.5));
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => {
    const link = parseHash(location.hash);
    if (link.camera && !$('app').hidden) openCamera(link.camera, link.t, { autoplay: link.t !== null });
  });
}

// Deep links autoplay, which browsers allow only without sound: the page starts muted, the viewer unmutes.
video.muted = true;
renderZoneName();
timeline.setZone(zone());
bindUi();
checkSession();
