//! ISO BMFF box headers: `size` (32 bit, or 1 then a 64-bit size, or 0 for "to the end"), then the type.

/// A box header read from the start of a byte slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    pub kind: [u8; 4],
    /// Header length: 8, or 16 with a 64-bit size.
    pub header_len: u64,
    /// Whole box length, header included; `None` for a box that runs to the end of the file.
    pub size: Option<u64>,
}

impl BoxHeader {
    /// Reads the header at the start of `bytes`. `Ok(None)`: not enough bytes yet.
    pub fn read(bytes: &[u8]) -> Result<Option<BoxHeader>, String> {
        if bytes.len() < 8 {
            return Ok(None);
        }
        let size32 = u32::from_be_bytes(bytes[0..4].try_into().unwrap());
        let kind: [u8; 4] = bytes[4..8].try_into().unwrap();
        let (header_len, size) = match size32 {
            0 => (8, None),
            1 => {
                if bytes.len() < 16 {
                    return Ok(None);
                }
                (16, Some(u64::from_be_bytes(bytes[8..16].try_into().unwrap())))
            }
            n => (8, Some(u64::from(n))),
        };
        if size.is_some_and(|s| s < header_len) {
            return Err(format!("box '{}' is shorter than its header", String::from_utf8_lossy(&kind)));
        }
        Ok(Some(BoxHeader { kind, header_len, size }))
    }

    pub fn is(&self, kind: &[u8; 4]) -> bool {
        &self.kind == kind
    }
}

/// Collects the next box header of a stream in `pending`, taking from `input` only what the header needs (8
/// bytes, or 16 with a 64-bit size). Returns how many bytes it took, and the header once it is complete.
pub fn collect_header(pending: &mut Vec<u8>, input: &[u8]) -> Result<(usize, Option<BoxHeader>), String> {
    let need: usize = if pending.len() >= 4 && pending[..4] == [0, 0, 0, 1] { 16 } else { 8 };
    let take = need.saturating_sub(pending.len()).min(input.len());
    pending.extend_from_slice(&input[..take]);
    Ok((take, BoxHeader::read(pending)?))
}

/// The child boxes of a container body, as `(header, offset of the box within body)`.
pub fn children(body: &[u8]) -> Result<Vec<(BoxHeader, usize)>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < body.len() {
        let header = BoxHeader::read(&body[at..])?.ok_or("truncated child box header")?;
        let size = header.size.map(|s| s as usize).unwrap_or(body.len() - at);
        if at + size > body.len() {
            return Err(format!("child box '{}' runs past its parent", String::from_utf8_lossy(&header.kind)));
        }
        out.push((header, at));
        at += size;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_every_size_form() {
        let mut large = vec![0, 0, 0, 1];
        large.extend_from_slice(b"mdat");
        large.extend_from_slice(&20u64.to_be_bytes());
        assert_eq!(
            BoxHeader::read(&large).unwrap(),
            Some(BoxHeader { kind: *b"mdat", header_len: 16, size: Some(20) })
        );
        assert_eq!(BoxHeader::read(&large[..12]).unwrap(), None, "waits for the 64-bit size");
        assert_eq!(BoxHeader::read(b"\0\0\0\0mdat").unwrap().unwrap().size, None);
        assert!(BoxHeader::read(b"\0\0\0\x04free").is_err());
        let body = [b"\0\0\0\x08free".as_slice(), b"\0\0\0\x09skipX"].concat();
        let kids = children(&body).unwrap();
        assert_eq!(kids.iter().map(|(h, at)| (h.kind, *at)).collect::<Vec<_>>(), [(*b"free", 0), (*b"skip", 8)]);
        assert!(children(&body[..12]).is_err());
        // Streamed a byte at a time, a 64-bit header is complete after 16 bytes and takes nothing more.
        let mut pending = Vec::new();
        let mut found = None;
        for (n, byte) in large.iter().chain(b"body").enumerate() {
            let (took, header) = collect_header(&mut pending, std::slice::from_ref(byte)).unwrap();
            if let Some(header) = header {
                found = Some((n, header));
                break;
            }
            assert_eq!(took, 1);
        }
        assert_eq!(found, Some((15, BoxHeader { kind: *b"mdat", header_len: 16, size: Some(20) })));
    }
}
