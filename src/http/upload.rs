//! Uploads: how large a multipart body may be.

/// Uploads: a 10 MiB file plus the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;
