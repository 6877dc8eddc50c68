//! Uploads: the one reader of a multipart form (named text fields and one file, `file`, under a
//! byte cap) for the API and the pages alike, and its one set of refusals — an unreadable body
//! is `malformed_request` (400), a file or body over its cap `too_large` (413 on the API, a
//! form error on a page), a field the form does not have `unknown_field`, a missing one
//! `required` (422), an API field sent twice `repeated` and text that is not UTF-8 `encoding`
//! (422: a part's text was decoded lossily, or by the charset the part named, and stored
//! garbled). What the file holds is the workflow's to judge.

use axum::extract::multipart::MultipartError;
use axum::extract::Multipart;
use axum::http::StatusCode;

use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::web::forms::{self, FormData};
use crate::workflows::Error;

/// Uploads: a 10 MiB file plus the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;

/// The name of the file's field in every upload form.
const FILE_FIELD: &str = "file";

/// A multipart form as read: its text fields, its files, and the first refusal met, if any (the
/// fields read before it are kept, so a page can still check the form's CSRF token).
pub struct Upload {
    pub fields: FormData,
    /// (field, bytes) of each file sent; a file input left empty sends none.
    files: Vec<(String, Vec<u8>)>,
    /// Files refused on their own (over the cap): the form goes on, the field is named.
    pub file_refusals: Vec<(String, &'static str)>,
    refusal: Option<ApiError>,
}

impl Upload {
    /// Reads the text fields named in `texts` and the file, at most `max_file_bytes` of it;
    /// stops at the first refusal. (A body that is no multipart form at all is refused by the
    /// `Multipart` extractor, before this: `ApiError::malformed`.)
    pub async fn read(multipart: Multipart, texts: &[&str], max_file_bytes: usize) -> Upload {
        Upload::read_form(multipart, texts, &[FILE_FIELD], max_file_bytes, false).await
    }

    /// A form with file inputs among its fields (`files`, each at most `max_file_bytes`). On a
    /// `page`, a file over the cap is refused on its own (`file_refusals`) and the rest of the
    /// form is still read, so what was typed beside it is not lost, and a text field may repeat
    /// (a list of checkboxes); through the API every field comes once.
    pub async fn read_form(
        mut multipart: Multipart,
        texts: &[&str],
        files: &[&str],
        max_file_bytes: usize,
        page: bool,
    ) -> Upload {
        let mut upload = Upload {
            fields: FormData::new(),
            files: Vec::new(),
            file_refusals: Vec::new(),
            refusal: None,
        };
        upload.refusal = upload
            .read_fields(&mut multipart, texts, files, max_file_bytes, page)
            .await
            .err();
        upload
    }

    async fn read_fields(
        &mut self,
        multipart: &mut Multipart,
        texts: &[&str],
        files: &[&str],
        max_file_bytes: usize,
        page: bool,
    ) -> Result<(), ApiError> {
        let go_on_past_large_files = page;
        while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or("").to_string();
            let seen =
                self.fields.contains_key(&name) || self.files.iter().any(|(n, _)| *n == name);
            if !page && seen {
                return Err(Error::field(&name, "repeated").into());
            }
            if files.contains(&name.as_str()) {
                // A file input left empty: a part without a file name or bytes.
                let chosen = field.file_name().is_some_and(|f| !f.is_empty());
                let mut bytes = Vec::new();
                let mut too_large = false;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    // Counted as it arrives: a file over the cap is never held whole.
                    if too_large || bytes.len() + chunk.len() > max_file_bytes {
                        if !go_on_past_large_files {
                            return Err(Error::Upload("too_large").into());
                        }
                        too_large = true;
                        bytes = Vec::new();
                        continue;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if too_large {
                    self.file_refusals.push((name, "too_large"));
                } else if chosen || !bytes.is_empty() || !go_on_past_large_files {
                    self.files.push((name, bytes));
                }
            } else if texts.contains(&name.as_str()) {
                // The bytes as sent, UTF-8 or refused: never decoded lossily or by another charset.
                let bytes = field.bytes().await.map_err(unreadable)?;
                let Ok(text) = String::from_utf8(bytes.to_vec()) else {
                    return Err(Error::field(&name, "encoding").into());
                };
                self.fields.entry(name).or_default().push(text);
            } else {
                let name = if name.is_empty() { "body" } else { &name };
                return Err(Error::field(name, "unknown_field").into());
            }
        }
        Ok(())
    }

    /// The text fields and the file if one was sent (a form where the file is optional), when
    /// the form was read whole.
    pub fn into_optional_file(self) -> Result<(FormData, Option<Vec<u8>>), ApiError> {
        if let Some(refusal) = self.refusal {
            return Err(refusal);
        }
        let file = self
            .files
            .into_iter()
            .find(|(name, _)| name == FILE_FIELD)
            .map(|(_, bytes)| bytes)
            .filter(|bytes| !bytes.is_empty());
        Ok((self.fields, file))
    }

    /// The text fields and the file, when the form was read whole and carries the file and every
    /// field in `required` (each one missing is named); otherwise the refusal.
    pub fn into_file(self, required: &[&str]) -> Result<(FormData, Vec<u8>), ApiError> {
        if let Some(refusal) = self.refusal {
            return Err(refusal);
        }
        let mut missing: Vec<FieldError> = required
            .iter()
            .filter(|name| forms::first(&self.fields, name).is_none())
            .map(|name| FieldError::new(*name, "required"))
            .collect();
        let file = self
            .files
            .into_iter()
            .find(|(name, _)| name == FILE_FIELD)
            .map(|(_, bytes)| bytes);
        match file {
            Some(file) if missing.is_empty() => Ok((self.fields, file)),
            file => {
                if file.is_none() {
                    missing.push(FieldError::new(FILE_FIELD, "required"));
                }
                Err(Error::Validation(missing).into())
            }
        }
    }
}

/// A body that cannot be read: too large when it passed the body limit, otherwise malformed.
fn unreadable(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::Upload("too_large").into()
    } else {
        ApiError::malformed()
    }
}

/// A page's form with files, as read: the text fields, each file chosen (field, bytes), the
/// files refused on their own, or the refusal of the whole body.
pub struct FormWithFiles {
    pub fields: FormData,
    pub files: Vec<(String, Vec<u8>)>,
    pub file_refusals: Vec<(String, &'static str)>,
    pub refusal: Option<ApiError>,
}

impl From<Upload> for FormWithFiles {
    fn from(u: Upload) -> FormWithFiles {
        FormWithFiles {
            fields: u.fields,
            files: u.files,
            file_refusals: u.file_refusals,
            refusal: u.refusal,
        }
    }
}
