//! What a list asks for (filter, search, sort, page, expand, fields) and the page it gets.

use super::{Caller, Record};
use crate::query::FilterExpr;

/// A sort key: a field (or `id`, `created_at`, `updated_at`) and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The field's name.
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

/// Which page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageRequest {
    /// The 1-based page `page` of `limit` records.
    Offset {
        /// 1-based page number.
        page: u64,
        /// Records per page.
        limit: u64,
    },
    /// `limit` records after the one the cursor names (keyset pagination); `None`: the first page.
    After {
        /// The opaque cursor of the previous page.
        cursor: Option<String>,
        /// Records per page.
        limit: u64,
    },
}

/// What a list asks for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Rows must match this filter.
    pub filter: Option<FilterExpr>,
    /// Rows must contain this text in one of their text fields (case-insensitive).
    pub search: Option<String>,
    /// The order; ties are broken by `id` ascending.
    pub sort: Vec<SortKey>,
    /// The page.
    pub page: PageRequest,
    /// Relationship fields whose records to embed (paths with `.` for nested ones).
    pub expand: Vec<String>,
    /// Only these fields (the system fields always come); `None`: every field.
    pub fields: Option<Vec<String>>,
    /// Whether to count every matching row.
    pub count_total: bool,
    /// Who asks: the values of `@user.id` and `@user.roles` in the filter.
    pub caller: Caller,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            search: None,
            sort: Vec::new(),
            page: PageRequest::Offset { page: 1, limit: 50 },
            expand: Vec::new(),
            fields: None,
            count_total: true,
            caller: Caller::anonymous(),
        }
    }
}

impl ListQuery {
    /// Only rows matching `filter`.
    ///
    /// ```
    /// use omnera_core::backend::{ListQuery, PageRequest, SortKey};
    /// use omnera_core::query::parse_filter;
    ///
    /// let query = ListQuery::default()
    ///     .filtered(parse_filter("active = true && price > 500").unwrap())
    ///     .sorted_by(vec![SortKey { field: "price".into(), descending: true }])
    ///     .paged(PageRequest::After { cursor: None, limit: 50 })
    ///     .without_total();
    /// assert!(!query.count_total);
    /// ```
    #[must_use]
    pub fn filtered(mut self, filter: FilterExpr) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Only rows containing `text` in a text field.
    #[must_use]
    pub fn searching(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// In this order (ties broken by `id`).
    #[must_use]
    pub fn sorted_by(mut self, sort: Vec<SortKey>) -> Self {
        self.sort = sort;
        self
    }

    /// This page.
    #[must_use]
    pub fn paged(mut self, page: PageRequest) -> Self {
        self.page = page;
        self
    }

    /// With these relationships embedded.
    #[must_use]
    pub fn expanding(mut self, paths: Vec<String>) -> Self {
        self.expand = paths;
        self
    }

    /// With only these fields (and the system fields).
    #[must_use]
    pub fn selecting(mut self, fields: Vec<String>) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Without counting every matching row.
    #[must_use]
    pub fn without_total(mut self) -> Self {
        self.count_total = false;
        self
    }

    /// Asked by `caller` (for `@user.id` and `@user.roles`).
    #[must_use]
    pub fn as_caller(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordPage {
    /// The records, in order.
    pub records: Vec<Record>,
    /// Every matching row, when counted.
    pub total: Option<u64>,
    /// Whether more records follow.
    pub has_next: bool,
    /// The cursor of the next page, when one follows.
    pub next_cursor: Option<String>,
}

impl RecordPage {
    /// A page of records.
    pub fn new(records: Vec<Record>, total: Option<u64>, has_next: bool) -> Self {
        Self { records, total, has_next, next_cursor: None }
    }
}
