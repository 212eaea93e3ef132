//! Response bodies streamed from S3 through the fragment rewriter. Nothing is read before the client polls the
//! body (so a HEAD costs no S3 read), and at most one S3 chunk per response is held at a time, so memory per
//! viewer stays flat whatever the length of the clip.
//!
//! While one read streams, the next read's GET is already under way, so a multi-segment export does not pay a
//! round trip at every segment boundary.

use crate::export::Read;
use crate::store::{Store, StoreError};
use aws_sdk_s3::primitives::ByteStream;
use axum::body::Body;
use bytes::Bytes;
use fmp4::rewrite::FragmentRewriter;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::task::JoinHandle;

type Opening = JoinHandle<Result<ByteStream, StoreError>>;

struct Current {
    body: ByteStream,
    rewriter: Option<FragmentRewriter>,
    skip: u64,
    take: u64,
}

struct Reader {
    store: Arc<Store>,
    reads: VecDeque<Read>,
    /// The next read's GET, started early.
    next: Option<(Read, Opening)>,
    current: Option<Current>,
    on_bytes: Box<dyn Fn(u64) + Send>,
}

fn io_error(message: impl Into<String>) -> std::io::Error {
    std::io::Error::other(message.into())
}

impl Reader {
    fn open_next(&mut self) {
        if self.next.is_none()
            && let Some(read) = self.reads.pop_front()
        {
            let store = self.store.clone();
            let (key, offset, length) = (read.key.clone(), read.offset, read.length);
            self.next = Some((read, tokio::spawn(async move { store.open(&key, Some((offset, length))).await })));
        }
    }

    async fn chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        loop {
            if self.current.is_none() {
                self.open_next();
                let (read, opening) = self.next.take()?;
                let body = match opening.await {
                    Ok(Ok(body)) => body,
                    Ok(Err(error)) => return Some(Err(io_error(error.to_string()))),
                    Err(join) => return Some(Err(io_error(join.to_string()))),
                };
                self.open_next();
                self.current = Some(Current {
                    body,
                    rewriter: read.retime.map(FragmentRewriter::new),
                    skip: read.skip,
                    take: read.take,
                });
            }
            let current = self.current.as_mut()?;
            if current.take == 0 {
                self.current = None;
                continue;
            }
            let bytes = match current.body.next().await {
                Some(Ok(bytes)) => bytes,
                Some(Err(error)) => return Some(Err(io_error(format!("reading from storage: {error}")))),
                None => return Some(Err(io_error("storage sent fewer bytes than the object's index promised"))),
            };
            let mut out = match &mut current.rewriter {
                None => bytes,
                Some(rewriter) => {
                    let mut buffer = Vec::with_capacity(bytes.len());
                    if let Err(error) = rewriter.push(&bytes, &mut buffer) {
                        return Some(Err(io_error(error.to_string())));
                    }
                    Bytes::from(buffer)
                }
            };
            let skipped = current.skip.min(out.len() as u64);
            current.skip -= skipped;
            out = out.slice(skipped as usize..);
            let taken = current.take.min(out.len() as u64);
            current.take -= taken;
            out.truncate(taken as usize);
            if !out.is_empty() {
                (self.on_bytes)(out.len() as u64);
                return Some(Ok(out));
            }
        }
    }
}

/// A body of the bytes `reads` produce, in order.
pub fn stream(store: Arc<Store>, reads: Vec<Read>, on_bytes: impl Fn(u64) + Send + 'static) -> Body {
    let reader = Reader { store, reads: reads.into(), next: None, current: None, on_bytes: Box::new(on_bytes) };
    let chunks = futures_util::stream::unfold(reader, |mut reader| async move {
        let chunk = reader.chunk().await?;
        Some((chunk, reader))
    });
    Body::from_stream(chunks)
}
