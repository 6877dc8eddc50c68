//! The catalog's vocabulary: the two lists operators keep (categories, service types) and an
//! entry of either.

/// A category or a service type.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub retired: bool,
    /// Categories: the deposit a provider declaring it owes, in fen (0: none; always 0 for a
    /// service type).
    pub deposit_fen: i64,
}

#[derive(Debug, Clone, Copy)]
pub enum CatalogList {
    Categories,
    ServiceTypes,
}
