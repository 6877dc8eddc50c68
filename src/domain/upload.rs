//! Uploaded files: the type comes from the magic bytes, never from the name or the declared
//! type; images are limited in pixels as well as in bytes.

pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_PIXELS: u64 = 40_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    Empty,
    TooLarge,
    UnsupportedType,
    TooManyPixels,
}

impl UploadError {
    pub fn code(self) -> &'static str {
        match self {
            UploadError::Empty => "required",
            UploadError::TooLarge => "too_large",
            UploadError::UnsupportedType => "unsupported_media_type",
            UploadError::TooManyPixels => "too_many_pixels",
        }
    }
}

pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileType::Png)
    } else {
        None
    }
}

/// Width and height of a PNG (IHDR) or JPEG (first SOFn marker), when they can be read.
pub fn image_dimensions(t: FileType, b: &[u8]) -> Option<(u32, u32)> {
    match t {
        FileType::Png => {
            if b.len() < 24 || &b[12..16] != b"IHDR" {
                return None;
            }
            let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
            let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
            Some((w, h))
        }
        FileType::Jpeg => {
            let mut i = 2;
            while i + 9 < b.len() {
                if b[i] != 0xFF {
                    i += 1;
                    continue;
                }
                let marker = b[i + 1];
                if marker == 0xFF {
                    i += 1;
                    continue;
                }
                let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
                let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if is_sof {
                    let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
                    let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
                    return Some((w, h));
                }
                i += 2 + len;
            }
            None
        }
        FileType::Pdf => None,
    }
}

/// Checks an upload of at most `max_bytes` whose type must be one of `allowed`.
pub fn check(
    bytes: &[u8],
    max_bytes: usize,
    allowed: &[FileType],
) -> Result<FileType, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(UploadError::TooLarge);
    }
    let t = sniff(bytes)
        .filter(|t| allowed.contains(t))
        .ok_or(UploadError::UnsupportedType)?;
    if t != FileType::Pdf {
        // An image whose size cannot be read is not an image we accept.
        let (w, h) = image_dimensions(t, bytes).ok_or(UploadError::UnsupportedType)?;
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(UploadError::TooManyPixels);
        }
    }
    Ok(t)
}

#[cfg(test)]
pub mod samples {
    /// A 1×1 PNG.
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_magic_bytes() {
        assert_eq!(
            check(b"%PDF-1.7 ...", 100, &[FileType::Pdf]),
            Ok(FileType::Pdf)
        );
        assert_eq!(
            check(b"GIF89a", 100, &[FileType::Pdf]),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(
            check(b"<html>%PDF-", 100, &[FileType::Pdf]),
            Err(UploadError::UnsupportedType)
        );
        assert_eq!(check(b"", 100, &[FileType::Pdf]), Err(UploadError::Empty));
        assert_eq!(
            check(&[b'%'; 101], 100, &[FileType::Pdf]),
            Err(UploadError::TooLarge)
        );
    }

    #[test]
    fn images_are_limited_in_pixels() {
        assert_eq!(
            check(&samples::png(100, 100), 1000, &[FileType::Png]),
            Ok(FileType::Png)
        );
        assert_eq!(
            check(&samples::png(10_000, 5_000), 1000, &[FileType::Png]),
            Err(UploadError::TooManyPixels)
        );
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8];
        jpeg.extend_from_slice(&480u16.to_be_bytes());
        jpeg.extend_from_slice(&640u16.to_be_bytes());
        jpeg.extend_from_slice(&[3, 0, 0, 0]);
        assert_eq!(image_dimensions(FileType::Jpeg, &jpeg), Some((640, 480)));
    }
}
