//! RFC 6381 codec strings (`avc1.64001f`, `hvc1.1.6.L93.B0`, `mp4a.40.2`) from a track's sample entry, so a
//! browser can ask `MediaSource.isTypeSupported` before it tries to play.

use mp4_atom::{Codec, Hvcc};

/// The codec's short name (as ffprobe says it) and its RFC 6381 string.
pub fn describe(codec: &Codec) -> Option<(&'static str, String)> {
    match codec {
        Codec::Avc1(avc) => Some(("h264", avc_string("avc1", &avc.avcc))),
        Codec::Avc3(avc) => Some(("h264", avc_string("avc3", &avc.avcc))),
        Codec::Hvc1(hevc) => Some(("hevc", hevc_string("hvc1", &hevc.hvcc))),
        Codec::Hev1(hevc) => Some(("hevc", hevc_string("hev1", &hevc.hvcc))),
        // FFmpeg writes AAC-LC when it transcodes; cameras send LC too. The object type would only differ for
        // HE-AAC, which browsers decode under this string as well.
        Codec::Mp4a(_) => Some(("aac", "mp4a.40.2".to_owned())),
        _ => None,
    }
}

fn avc_string(tag: &str, avcc: &mp4_atom::Avcc) -> String {
    format!(
        "{tag}.{:02x}{:02x}{:02x}",
        avcc.avc_profile_indication, avcc.profile_compatibility, avcc.avc_level_indication
    )
}

/// ISO/IEC 14496-15 annex E: profile space and idc, the compatibility flags bit-reversed in hex, tier and
/// level, then the constraint bytes without trailing zeros.
fn hevc_string(tag: &str, hvcc: &Hvcc) -> String {
    let space = ["", "A", "B", "C"][usize::from(hvcc.general_profile_space & 3)];
    let compatibility = u32::from_be_bytes(hvcc.general_profile_compatibility_flags).reverse_bits();
    let tier = if hvcc.general_tier_flag { 'H' } else { 'L' };
    let mut text =
        format!("{tag}.{space}{}.{compatibility:x}.{tier}{}", hvcc.general_profile_idc, hvcc.general_level_idc);
    let constraints = &hvcc.general_constraint_indicator_flags;
    let used = constraints.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    for byte in &constraints[..used] {
        text.push_str(&format!(".{byte:X}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hevc_main_profile_string_matches_the_spec_example() {
        let hvcc = Hvcc {
            general_profile_idc: 1,
            general_profile_compatibility_flags: [0x60, 0, 0, 0],
            general_level_idc: 93,
            general_constraint_indicator_flags: [0xB0, 0, 0, 0, 0, 0],
            ..Default::default()
        };
        assert_eq!(hevc_string("hvc1", &hvcc), "hvc1.1.6.L93.B0");
    }
}
