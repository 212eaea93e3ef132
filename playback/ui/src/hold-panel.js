// Holds in the page: the "Hold…" action next to Export (the selected range plus a reason, POSTed), and the
// list of the camera's holds, each with a remove button. The list is the accessible view of the holds: the
// timeline is a slider, whose drawing a screen reader does not read out. The math is in holds.js.

import { createHold, deleteHold, getHolds } from './api.js';
import { checkReason, describeRange, parseHolds, withHold } from './holds.js';
import { formatClock, formatDate, toRfc3339 } from './time.js';

export class HoldPanel {
  /**
   * @param {object} els {reason, button, info (the action's status line), heading, list (#holds), status
   *   (the list's status line), empty (shown when the camera has no holds)}
   * @param {object} hooks camera() -> id, zone() -> tz, range() -> {start, end} | {error} (the selection),
   *   onHolds(holds) (the list changed: redraw), onHeld(text) (a hold was made), onShow(hold), onError(err)
   */
  constructor(els, hooks) {
    this.els = els;
    this.hooks = hooks;
    this.camera = null;
    this.holds = [];
    this.loaded = false; // the list is the server's, not the empty one shown while loading
    this.generation = 0; // bumps on every load, so an answer for a camera no longer shown is dropped
    this.creating = false;
    els.button.addEventListener('click', () => this.create());
    els.reason.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.create(); });
    els.reason.addEventListener('input', () => this.say(''));
  }

  /** Fetch the camera's holds. The same camera's old list stays up meanwhile; another camera's goes at once. */
  async load(camera) {
    const gen = ++this.generation;
    if (camera !== this.camera) {
      this.camera = camera;
      this.loaded = false;
      this.set([]);
      this.say('');
      this.status(camera ? 'Loading holds…' : '', 'busy');
    }
    if (!camera) return;
    try {
      const holds = parseHolds(await getHolds(camera));
      if (gen !== this.generation) return;
      this.loaded = true;
      // "Loading…" or an earlier failure to load no longer applies; an action's result ("removed") still does.
      if (this.els.status.dataset.kind !== 'ok') this.status('');
      this.set(holds);
    } catch (err) {
      if (gen !== this.generation) return;
      this.status(`Holds could not be loaded: ${err.message}`, 'error');
      this.hooks.onError(err);
    }
  }

  /** Logged out or no camera: nothing of the old camera's holds stays in the page. */
  clear() {
    this.generation++;
    this.camera = null;
    this.loaded = false;
    this.els.reason.value = '';
    this.say('');
    this.status('');
    this.set([]);
  }

  set(holds) {
    this.holds = holds;
    this.render();
    this.hooks.onHolds(holds);
  }

  /** Hold the selected range with the typed reason; the new hold joins the list and the timeline. */
  async create() {
    // A second click while the first request runs would make a second, identical hold.
    if (this.creating) return;
    const camera = this.hooks.camera();
    const range = this.hooks.range();
    const reason = checkReason(this.els.reason.value);
    if (!camera) return this.say('Choose a camera first', 'error');
    if (range.error) return this.say(`Select a range to hold first. ${range.error}`, 'error');
    if (reason.error) {
      this.say(reason.error, 'error');
      this.els.reason.focus();
      return;
    }
    this.setCreating(true);
    this.say('Holding…', 'busy');
    try {
      const body = { start: toRfc3339(range.start), end: toRfc3339(range.end), reason: reason.reason };
      const [hold] = parseHolds([await createHold(camera, body)]);
      const text = `Held ${describeRange(range.start, range.end, this.hooks.zone())}: kept until you remove the hold`;
      this.els.reason.value = '';
      // The page's notice says it (and is announced); the list below grows by the new hold.
      this.say('');
      this.status('');
      this.hooks.onHeld(text);
      if (camera !== this.camera) return; // another camera is shown now; its list is not this hold's
      // The answer is the stored hold; should it not read as one, the list as the server has it will do.
      if (hold) this.set(withHold(this.holds, hold));
      else await this.load(camera);
    } catch (err) {
      this.say(`Hold not made: ${err.message}`, 'error');
      this.hooks.onError(err);
    } finally {
      this.setCreating(false);
    }
  }

  setCreating(on) {
    this.creating = on;
    this.els.button.disabled = on;
    this.els.button.setAttribute('aria-busy', String(on));
  }

  /** Ask, then remove a hold and reload the list; the focus goes to the neighbouring hold. */
  async remove(hold, button) {
    const camera = this.camera;
    const what = describeRange(hold.start, hold.end, this.hooks.zone(), { withDate: true });
    const why = hold.reason ? ` ("${hold.reason}")` : '';
    if (!window.confirm(`Remove the hold on ${what}${why}?\n\nRetention may then delete this footage.`)) return;
    const index = this.holds.findIndex((h) => h.id === hold.id);
    button.disabled = true;
    try {
      await deleteHold(camera, hold.id);
      this.status(`Removed the hold on ${what}.`, 'ok');
    } catch (err) {
      // 404: someone removed it meanwhile. It is gone either way, which is what was asked for.
      if (err.status !== 404) {
        button.disabled = false;
        this.status(`The hold was not removed: ${err.message}`, 'error');
        this.hooks.onError(err);
        return;
      }
      this.status(`The hold on ${what} had already been removed.`, 'ok');
    }
    if (camera !== this.camera) return;
    await this.load(camera);
    this.focusNear(index);
  }

  focusNear(index) {
    const buttons = this.els.list.querySelectorAll('.hold-remove');
    const next = buttons[Math.min(index, buttons.length - 1)];
    (next ?? this.els.heading).focus();
  }

  // ---- drawing ----

  render() {
    const tz = this.hooks.zone();
    this.els.list.replaceChildren(...this.holds.map((h) => this.item(h, tz)));
    this.els.empty.hidden = !(this.camera && this.loaded && this.holds.length === 0);
  }

  item(hold, tz) {
    const li = document.createElement('li');
    li.className = 'hold-item';
    li.dataset.holdId = hold.id;
    const range = describeRange(hold.start, hold.end, tz, { withDate: true });

    const show = document.createElement('button');
    show.type = 'button';
    show.className = 'hold-range';
    show.textContent = range;
    show.title = 'Show on the timeline';
    show.addEventListener('click', () => this.hooks.onShow(hold));

    const reason = document.createElement('span');
    reason.className = 'hold-reason';
    reason.textContent = hold.reason || 'No reason given';
    reason.classList.toggle('muted', !hold.reason);

    const meta = document.createElement('span');
    meta.className = 'hold-meta';
    const created = Number.isFinite(hold.created)
      ? `created ${formatDate(hold.created, tz)} ${formatClock(hold.created, tz, { seconds: false })}` : '';
    meta.textContent = [created, hold.createdBy && `by ${hold.createdBy}`].filter(Boolean).join(' ');

    const text = document.createElement('div');
    text.className = 'hold-text';
    text.append(show, reason, meta);

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'hold-remove ghost';
    remove.textContent = 'Remove';
    // The visible word starts the name (WCAG "label in name"); the rest tells the holds apart.
    remove.setAttribute('aria-label', `Remove hold ${range}`);
    remove.addEventListener('click', () => this.remove(hold, remove));

    li.append(text, remove);
    return li;
  }

  /** The action's line, next to the Hold button. */
  say(text, kind) {
    setLine(this.els.info, text, kind);
  }

  /** The list's line, above the holds. */
  status(text, kind) {
    setLine(this.els.status, text, kind);
  }
}

function setLine(el, text, kind) {
  el.textContent = text;
  if (kind) el.dataset.kind = kind;
  else el.removeAttribute('data-kind');
}
