//! An export is one fragmented MP4 file laid out from a [`Plan`]: the first part's init section, then every
//! part's fragments with rewritten decode times and sequence numbers. The rewrite keeps every byte count, so
//! the file's size is known before a byte is read, and any byte range of it maps back to ranges of segment
//! objects. Pure: [`ExportLayout::reads`] says what to read; the HTTP layer reads it.

use crate::plan::{Plan, shifts_for};
use fmp4::rewrite::Retime;

#[derive(Debug, Clone, PartialEq)]
pub struct ExportPart {
    pub key: String,
    /// Where the part starts in the export file.
    pub out_start: u64,
    /// `(offset in the segment object, size)` of each fragment.
    pub fragments: Vec<(u64, u64)>,
    pub shifts: Vec<(u32, i64)>,
    /// The `mfhd` sequence number of the part's first fragment.
    pub first_sequence: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportLayout {
    pub init_key: String,
    pub init_size: u64,
    pub parts: Vec<ExportPart>,
    pub total: u64,
}

/// One read from a segment object, and which of the bytes it produces belong to the requested range.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub key: String,
    pub offset: u64,
    pub length: u64,
    /// `None`: the bytes pass unchanged (the init section).
    pub retime: Option<Retime>,
    /// Bytes of the (rewritten) output to drop before the range starts, then how many to send.
    pub skip: u64,
    pub take: u64,
}

impl ExportLayout {
    pub fn from_plan(plan: &Plan) -> Option<ExportLayout> {
        let first = plan.parts.first()?;
        let mut total = first.index.init_size;
        let mut sequence = 1u32;
        let mut parts = Vec::with_capacity(plan.parts.len());
        for part in &plan.parts {
            let fragments: Vec<(u64, u64)> = part.fragments().iter().map(|f| (f.offset, f.size)).collect();
            let size: u64 = fragments.iter().map(|(_, s)| s).sum();
            parts.push(ExportPart {
                key: part.key.clone(),
                out_start: total,
                shifts: shifts_for(&part.index, part.shift_micros()),
                first_sequence: sequence,
                fragments,
            });
            sequence += part.fragments().len() as u32;
            total += size;
        }
        Some(ExportLayout { init_key: first.key.clone(), init_size: first.index.init_size, parts, total })
    }

    /// The reads that produce bytes `start..end` of the file. A read of fragments begins at the start of the
    /// fragment that holds `start`, since a `moof` can only be rewritten whole.
    pub fn reads(&self, start: u64, end: u64) -> Vec<Read> {
        let end = end.min(self.total);
        let mut reads = Vec::new();
        if start < self.init_size {
            reads.push(Read {
                key: self.init_key.clone(),
                offset: start,
                length: self.init_size.min(end) - start,
                retime: None,
                skip: 0,
                take: self.init_size.min(end) - start,
            });
        }
        for part in &self.parts {
            let mut out = part.out_start;
            let mut read: Option<Read> = None;
            for (n, &(offset, size)) in part.fragments.iter().enumerate() {
                let (fragment_start, fragment_end) = (out, out + size);
                out = fragment_end;
                if fragment_end <= start || fragment_start >= end {
                    continue;
                }
                let read = read.get_or_insert_with(|| Read {
                    key: part.key.clone(),
                    offset,
                    length: 0,
                    retime: Some(Retime {
                        shifts: part.shifts.clone(),
                        first_sequence: Some(part.first_sequence + n as u32),
                    }),
                    skip: start.saturating_sub(fragment_start),
                    take: 0,
                });
                read.length = offset + size - read.offset;
                read.take += fragment_end.min(end) - fragment_start.max(start);
            }
            reads.extend(read);
        }
        reads
    }
}

/// `front-door_20261123T143200Z_20261123T143500Z.mp4`.
pub fn file_name(camera: &str, start: jiff::Timestamp, end: jiff::Timestamp) -> String {
    let stamp = |t: jiff::Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
    format!("{camera}_{}_{}.mp4", stamp(start), stamp(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan;
    use crate::plan::tests::{indexed, ts};

    fn layout() -> ExportLayout {
        let segments =
            [indexed("a", "2026-11-23T10:00:00Z", 10, "x", 640), indexed("b", "2026-11-23T10:00:10Z", 10, "x", 640)];
        ExportLayout::from_plan(&plan(&segments, ts("2026-11-23T10:00:05Z"), ts("2026-11-23T10:00:13Z"))).unwrap()
    }

    #[test]
    fn the_file_is_the_init_then_every_fragment_renumbered() {
        let layout = layout();
        // a: fragments 2..=4 (3000 bytes), b: fragments 0..=1 (2000 bytes), after a 500-byte init.
        assert_eq!(layout.total, 500 + 3000 + 2000);
        assert_eq!(
            layout.parts.iter().map(|p| (p.out_start, p.first_sequence)).collect::<Vec<_>>(),
            [(500, 1), (3500, 4)]
        );
        let whole = layout.reads(0, layout.total);
        assert_eq!(whole.len(), 3);
        assert_eq!((whole[0].offset, whole[0].length, whole[0].retime.is_none()), (0, 500, true));
        assert_eq!((whole[1].key.as_str(), whole[1].offset, whole[1].length, whole[1].take), ("a", 2500, 3000, 3000));
        assert_eq!((whole[2].key.as_str(), whole[2].offset, whole[2].length, whole[2].take), ("b", 500, 2000, 2000));
        assert_eq!(whole.iter().map(|r| r.take).sum::<u64>(), layout.total);
    }

    #[test]
    fn a_range_reads_from_the_start_of_the_fragment_that_holds_it() {
        let layout = layout();
        // bytes 1700..4000: inside a's second planned fragment (out 1500..2500) through b's first (3500..4500).
        let reads = layout.reads(1700, 4000);
        assert_eq!(reads.len(), 2);
        assert_eq!((reads[0].offset, reads[0].length, reads[0].skip, reads[0].take), (3500, 2000, 200, 1800));
        assert_eq!(reads[0].retime.as_ref().unwrap().first_sequence, Some(2));
        assert_eq!((reads[1].offset, reads[1].length, reads[1].skip, reads[1].take), (500, 1000, 0, 500));
        assert_eq!(reads.iter().map(|r| r.take).sum::<u64>(), 4000 - 1700);
        assert!(layout.reads(layout.total, layout.total + 10).is_empty());
    }

    #[test]
    fn names_say_camera_and_range() {
        assert_eq!(
            file_name("front-door", ts("2026-11-23T14:32:00Z"), ts("2026-11-23T14:35:00.5Z")),
            "front-door_20261123T143200Z_20261123T143500Z.mp4"
        );
    }
}
