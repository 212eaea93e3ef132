// The player: one <video>, fed by hls.js from a playback window (API.md, "Playback"). It knows where in wall
// time the current frame is, seeks by wall time (inside the loaded window, or by loading a new one), tells
// when continuous playback went through a collapsed gap, and carries on into the next window at the end.
// It owns no DOM besides the video element; the page learns what happens through the callbacks.

import { toRfc3339 } from './time.js';
import {
  firstUnplayableAfter, gapsCrossed, mediaAt, mediaEnd, parseWindow, pieceAt, wallAt,
} from './media-map.js';

// hls.js is loaded by a classic deferred <script> (the server embeds its prebuilt light build), so it is a
// global; looked up when used rather than when this module is evaluated.
const hlsLibrary = () => globalThis.Hls;

const HLS_CONFIG = {
  // Up to 8x speed: keep enough ahead that fast playback does not outrun the buffer.
  maxBufferLength: 40,
  maxMaxBufferLength: 120,
  backBufferLength: 60,
  lowLatencyMode: false,
  // One rendition only: measuring bandwidth first would just delay the first frame.
  testBandwidth: false,
  // Quiet: errors reach the page through Hls.Events.ERROR, which the player reports itself.
  debug: false,
};

// hls.js error details that mean "this browser cannot decode the stream", as opposed to a broken one.
const CODEC_ERRORS = new Set(['manifestIncompatibleCodecsError', 'bufferAddCodecError',
  'bufferIncompatibleCodecsError']);

const LIVE_REFRESH_MS = 30000;

export class Player {
  /**
   * @param {HTMLVideoElement} video
   * @param {object} hooks
   *   fetchWindow(camera, startRfc3339) -> playback response (API.md)
   *   canPlay(mime) -> bool
   *   moreFootageAfter(camera, ms) -> bool: whether to load the next window when one ends
   *   onClock(wallMs|null), onState(state), onGap(gap), onUnplayable(piece), onError(error), onWindow(win)
   */
  constructor(video, hooks) {
    this.video = video;
    this.hooks = hooks;
    this.camera = null;
    this.win = null;
    this.hls = null;
    this.generation = 0; // bumps on every load, so answers to superseded loads are dropped
    // The instant being loaded or sought, shown until its frame is on screen: {wall, media, since}. Until
    // then currentTime still tells the old position (or 0, before hls.js has jumped to startPosition).
    this.pending = null;
    this.lastMedia = 0;
    this.stopAt = null; // media time where an unplayable piece begins
    this.rate = 1;
    this.frame = 0;
    this.liveTimer = 0;
    this.bindVideoEvents();
  }

  bindVideoEvents() {
    const v = this.video;
    v.addEventListener('playing', () => { this.setState('playing'); this.startClockLoop(); });
    v.addEventListener('pause', () => { this.setState('paused'); this.update(); });
    v.addEventListener('waiting', () => { this.setState('waiting'); this.checkEnd(); });
    v.addEventListener('seeking', () => { this.lastMedia = v.currentTime; });
    v.addEventListener('seeked', () => { this.lastMedia = v.currentTime; this.update(); this.settlePaused(); });
    // A window loaded without autoplay never fires 'pause': its first frame on screen ends the loading.
    v.addEventListener('canplay', () => this.settlePaused());
    v.addEventListener('timeupdate', () => this.update());
    v.addEventListener('ended', () => this.continueAfterEnd());
  }

  /** Load a playback window for `camera` starting at `wallMs`; plays when `autoplay`. */
  async load(camera, wallMs, { autoplay = false } = {}) {
    const gen = ++this.generation;
    this.camera = camera;
    this.pending = { wall: wallMs, media: null, since: performance.now() };
    this.setState('loading');
    this.update();
    let response;
    try {
      response = await this.hooks.fetchWindow(camera, toRfc3339(wallMs));
    } catch (err) {
      if (gen === this.generation) { this.setState('error'); this.hooks.onError(err); }
      return;
    }
    if (gen !== this.generation) return;
    this.attach(parseWindow(response), autoplay);
  }

  attach(win, autoplay) {
    this.detach();
    this.win = win;
    this.lastMedia = win.startPosition;
    this.pending = { wall: wallAt(win, win.startPosition) ?? win.requested, media: win.startPosition,
      since: performance.now() };
    this.hooks.onWindow?.(win);
    const first = pieceAt(win.pieces, win.startPosition);
    if (first && !this.hooks.canPlay(first.mime)) {
      this.setState('unplayable');
      this.hooks.onUnplayable(first);
      this.update();
      return;
    }
    this.stopAt = firstUnplayableAfter(win, win.startPosition, this.hooks.canPlay)?.media ?? null;
    if (hlsLibrary()?.isSupported()) this.attachHls(win);
    else if (this.video.canPlayType('application/vnd.apple.mpegurl')) this.attachNative(win);
    else {
      this.setState('error');
      this.hooks.onError(new Error('This browser can play neither HLS nor Media Source Extensions'));
      return;
    }
    this.video.defaultPlaybackRate = this.rate;
    this.video.playbackRate = this.rate;
    if (win.live) this.liveTimer = setInterval(() => this.refreshLive(), LIVE_REFRESH_MS);
    // Asking to play at once (not after the manifest) saves a round of events before the first frame.
    if (autoplay) this.play();
  }

  attachHls(win) {
    const Hls = hlsLibrary();
    const hls = new Hls({ ...HLS_CONFIG, startPosition: win.startPosition });
    hls.on(Hls.Events.ERROR, (_event, data) => this.onHlsError(hls, data));
    hls.loadSource(win.playlist);
    hls.attachMedia(this.video);
    this.hls = hls;
  }

  /** Safari on iOS before 17.1 has no Media Source: its own HLS player takes the playlist. */
  attachNative(win) {
    this.video.src = win.playlist;
    this.video.addEventListener('loadedmetadata', () => { this.video.currentTime = win.startPosition; },
      { once: true });
  }

  onHlsError(hls, data) {
    if (hls !== this.hls || !data.fatal) return; // non-fatal errors are retried by hls.js itself
    if (CODEC_ERRORS.has(data.details)) {
      this.video.pause();
      this.setState('unplayable');
      this.hooks.onUnplayable(pieceAt(this.win.pieces, this.video.currentTime));
      return;
    }
    // One recovery attempt for a decode hiccup; a second fatal media error is real.
    if (data.type === hlsLibrary().ErrorTypes.MEDIA_ERROR && !this.recovered) {
      this.recovered = true;
      hls.recoverMediaError();
      return;
    }
    this.setState('error');
    const status = data.response?.code;
    const err = new Error(`Playback failed (${data.details}${status ? `, HTTP ${status}` : ''})`);
    err.status = status;
    this.hooks.onError(err);
  }

  /** Drop the current window's hls.js and timers, keeping the video element. */
  detach() {
    clearInterval(this.liveTimer);
    cancelAnimationFrame(this.frame);
    this.recovered = false;
    this.stopAt = null;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    } else if (this.video.getAttribute('src')) {
      this.video.removeAttribute('src');
      this.video.load();
    }
  }

  /** Stop and forget everything: after this the page holds no footage (used on logout). */
  destroy() {
    this.generation++;
    this.detach();
    this.win = null;
    this.camera = null;
    this.pending = null;
    this.video.removeAttribute('src');
    this.video.load();
    this.setState('idle');
    this.update();
  }

  /**
   * A live window's playlist grows, and so does its wall-clock map: asking again for the same start gives
   * the same media timeline with the new pieces and gaps.
   */
  async refreshLive() {
    const { win, camera, generation } = this;
    if (!win?.live) return;
    try {
      const fresh = parseWindow(await this.hooks.fetchWindow(camera, toRfc3339(win.requested)));
      if (generation !== this.generation || fresh.start !== win.start) return;
      Object.assign(win, { pieces: fresh.pieces, gaps: fresh.gaps, end: fresh.end, live: fresh.live });
      this.hooks.onWindow?.(win);
    } catch {
      // A missed refresh only delays the map; the next one catches up.
    }
  }

  play() {
    const p = this.video.play();
    // A refused autoplay is not an error: the page shows a play button and waits for the viewer.
    if (p) p.catch((err) => { if (err.name !== 'AbortError') this.setState('paused'); });
  }

  togglePlay() {
    if (this.state === 'unplayable' || this.state === 'error') return;
    if (!this.win) return;
    if (this.video.paused) this.play();
    else this.video.pause();
  }

  setRate(rate) {
    this.rate = rate;
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
  }

  /** The wall clock of the frame on screen (or of the instant being loaded), or null with nothing loaded. */
  currentWall() {
    if (this.pending) return this.pending.wall;
    if (!this.win) return null;
    return wallAt(this.win, this.video.currentTime);
  }

  /** Seek to a wall-clock instant: inside the window when it is there, else by loading a new window. */
  seekWall(ms, { autoplay } = {}) {
    const play = autoplay ?? (this.win !== null && !this.video.paused);
    const m = this.win && this.state !== 'unplayable' ? mediaAt(this.win, ms) : null;
    if (m !== null && m < this.playableEnd() - 0.2) {
      const piece = pieceAt(this.win.pieces, m);
      if (!this.hooks.canPlay(piece.mime)) { this.hooks.onUnplayable(piece); return; }
      this.stopAt = firstUnplayableAfter(this.win, m, this.hooks.canPlay)?.media ?? null;
      this.pending = { wall: wallAt(this.win, m), media: m, since: performance.now() };
      this.video.currentTime = m;
      if (play) this.play();
      this.update();
      return;
    }
    if (this.camera) this.load(this.camera, ms, { autoplay: play });
  }

  /** Move by `seconds` of footage (gaps do not count, as on the media timeline). */
  step(seconds) {
    const wall = this.currentWall();
    if (wall === null) return;
    const m = this.video.currentTime + seconds;
    if (this.win && !this.pending && m >= 0 && m < this.playableEnd() - 0.2) {
      this.seekWall(wallAt(this.win, m));
    } else {
      this.seekWall(wall + seconds * 1000);
    }
  }

  /**
   * Whether a live window plays near its newest footage. Segments arrive whole, seconds after they end, so
   * "live" here means within a minute of the newest footage, not at the very edge (which would stall).
   */
  atLiveEdge() {
    const d = this.video.duration;
    return Boolean(this.win?.live) && Number.isFinite(d) && d - this.video.currentTime < 60;
  }

  /** Media time up to which the loaded window can be played (a live one grows past its first map). */
  playableEnd() {
    const listed = mediaEnd(this.win);
    const d = this.video.duration;
    return this.win.live && Number.isFinite(d) ? Math.max(listed, d) : listed;
  }

  startClockLoop() {
    cancelAnimationFrame(this.frame);
    const loop = () => {
      this.update();
      if (!this.video.paused) this.frame = requestAnimationFrame(loop);
    };
    this.frame = requestAnimationFrame(loop);
  }

  /** One clock tick: settle a pending seek, announce gaps gone through, stop before unplayable footage. */
  update() {
    const v = this.video;
    if (this.win && this.pending && this.settled()) {
      // The frame for the sought instant is on screen: from now on the media time tells the wall clock.
      this.pending = null;
      this.lastMedia = v.currentTime;
    }
    if (this.win && !this.pending && this.state !== 'unplayable') {
      const m = v.currentTime;
      if (!v.seeking) for (const gap of gapsCrossed(this.win, this.lastMedia, m, 4)) this.hooks.onGap(gap);
      this.lastMedia = m;
      if (this.stopAt !== null && m >= this.stopAt - 0.05) {
        v.pause();
        this.stopAt = null;
        this.hooks.onUnplayable(pieceAt(this.win.pieces, m + 0.1));
      }
    }
    this.hooks.onClock(this.currentWall());
  }

  /**
   * Whether the pending seek has landed: a frame is there at (or, after hls.js nudged past a hole, just
   * beyond) the target. Five seconds with a frame but elsewhere means the target cannot be reached exactly;
   * the real position is then the better thing to show.
   */
  settled() {
    const v = this.video;
    const { media, since } = this.pending;
    if (media === null || v.readyState < 2 || v.seeking) return false;
    return v.currentTime >= media - 0.3 || performance.now() - since > 5000;
  }

  /** A window that stalls at its very end without an 'ended' event has ended all the same. */
  checkEnd() {
    if (this.win && !this.win.live && this.video.currentTime >= mediaEnd(this.win) - 0.3) this.continueAfterEnd();
  }

  /** At the end of a finished window, carry on with the next one when the camera has later footage. */
  continueAfterEnd() {
    const win = this.win;
    if (!win || win.live || this.state === 'loading') return;
    if (this.hooks.moreFootageAfter(this.camera, win.end)) {
      this.load(this.camera, win.end, { autoplay: true });
    } else {
      this.setState('ended');
    }
  }

  settlePaused() {
    if (this.video.paused && (this.state === 'loading' || this.state === 'waiting')) this.setState('paused');
  }

  setState(state) {
    this.state = state;
    this.hooks.onState(state);
  }
}
