//! Extractors for the parts of a request other than a JSON body, refusing in the API's error
//! shape: a query string that does not fit names the parameter (422), and a path segment that
//! cannot be read (invalid UTF-8, a bad number) is no such thing (404).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::json::misfit;

/// `?a=1&b=x` as `T`; repeated keys are refused like repeated JSON keys.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (i, (k, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(seen, _)| seen == k) {
                return Err(ApiError::field(k, "duplicate_key"));
            }
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(ApiQuery)
            .map_err(|e| {
                let mut field = misfit(&e.path().to_string(), &e.inner().to_string(), "query");
                // serde_urlencoded reports a bad value without its path: name the one given.
                if field.field == "query" && pairs.len() == 1 {
                    field.field = pairs[0].0.clone();
                }
                ApiError::validation(vec![field])
            })
    }
}

/// Path parameters as `T`; a segment that does not read as `T` finds nothing.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| ApiPath(t))
            .map_err(|_| ApiError::not_found())
    }
}
