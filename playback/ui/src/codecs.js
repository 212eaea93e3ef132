// Which footage this browser can decode. A playback window's pieces carry the exact MSE type (`mime`); the
// timeline's spans carry only a codec name, so a span is judged by a representative type for its codec until
// a playback window has shown the camera's real one. The page never transcodes: what cannot be played here
// is marked, and can still be exported.

// Representative MSE types per codec name, used only until a real `mime` for that codec is seen.
const PROBE = {
  h264: 'video/mp4; codecs="avc1.64001f"',
  avc: 'video/mp4; codecs="avc1.64001f"',
  h265: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
  hevc: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
  av1: 'video/mp4; codecs="av01.0.05M.08"',
  vp9: 'video/mp4; codecs="vp09.00.31.08"',
};

const learnt = new Map(); // codec name -> whether its real mime type plays here

/** Whether Media Source (or, on old iOS, the native player) can decode an MSE type. */
export function canPlayMime(mime) {
  if (!mime) return true; // no type given: let the player try rather than refuse
  const ms = globalThis.ManagedMediaSource ?? globalThis.MediaSource;
  if (ms?.isTypeSupported) return ms.isTypeSupported(mime);
  return document.createElement('video').canPlayType(mime) !== '';
}

/** Remember the verdict for the real types of a playback window's pieces. */
export function learnFromPieces(pieces) {
  for (const p of pieces) if (p.codec && p.mime) learnt.set(p.codec.toLowerCase(), canPlayMime(p.mime));
}

/** Whether footage in this codec plays here; an unknown codec name is given the benefit of the doubt. */
export function canPlayCodec(codec) {
  const name = String(codec ?? '').toLowerCase();
  if (learnt.has(name)) return learnt.get(name);
  return PROBE[name] ? canPlayMime(PROBE[name]) : true;
}

/** The name people know a codec by, for messages. */
export function codecLabel(codec) {
  const name = String(codec ?? '').toLowerCase();
  if (name === 'h265' || name === 'hevc') return 'H.265';
  if (name === 'h264' || name === 'avc') return 'H.264';
  return name.toUpperCase() || 'this video';
}
