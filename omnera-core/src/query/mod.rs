//! Filter expressions of the HTTP API.
//!
//! A filter selects records with conditions on their fields, joined with `&&`,
//! `||` and `!`:
//!
//! ```text
//! status = 'open' && (priority >= 3 || assignee.id = @user.id) && !(title ~ 'draft')
//! ```
//!
//! [`parse_filter`] turns such text into a [`FilterExpr`] tree, and printing a
//! tree with `Display` gives text that parses back to an equal tree.
//! [`FilterExpr::conditions`] lists every condition, so that each path can be
//! checked against the real fields; [`check_filter_fits`] does that for a table of a
//! [`Schema`](crate::Schema): paths, operators and values by the fields' types.
//!
//! # Grammar
//!
//! ```text
//! expr       := or
//! or         := and ( "||" and )*
//! and        := unary ( "&&" unary )*
//! unary      := "!" unary | "(" expr ")" | comparison
//! comparison := path op value
//!             | path "in" list | path "not" "in" list
//!             | path "has" value
//!             | path "is" "null" | path "is" "not" "null"
//! op         := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~" | "!~" | "^~" | "$~"
//! value      := string | number | "true" | "false" | "null" | "@user.id" | "@now"
//! list       := "[" value ( "," value )* "]" | "@user.roles"
//! path       := name ( "." name )*
//! ```
//!
//! `&&` binds tighter than `||`, and `!` tighter than both: `!a = 1 && b = 2 || c = 3`
//! means `((!(a = 1)) && b = 2) || c = 3`. Whitespace may stand between any two
//! tokens.
//!
//! ## Conditions
//!
//! | written | matches when the field |
//! | --- | --- |
//! | `=`, `!=` | equals, does not equal the value |
//! | `>`, `>=`, `<`, `<=` | is greater, greater or equal, less, less or equal |
//! | `~`, `!~` | contains, does not contain the text (case-insensitive) |
//! | `^~`, `$~` | starts, ends with the text (case-insensitive) |
//! | `in [..]`, `not in [..]` | equals one, none of the values |
//! | `has` | (a multi-valued field) contains the value |
//! | `is null`, `is not null` | has no value, has a value |
//!
//! In the text operators `%` and `_` are plain characters. `= null` means
//! `is null` and `!= null` means `is not null`; null is accepted nowhere else.
//! The keywords `in`, `not`, `has`, `is`, `null`, `true` and `false` may be
//! written in any case, and fields may carry these names too (`is is null`).
//!
//! ## Paths, values and lists
//!
//! - A **path** is one or more names (`[A-Za-z_][A-Za-z0-9_]*`) joined by `.`;
//!   each name but the last follows a relationship to a related table:
//!   `customer.address.city`.
//! - A **string** is quoted with `'` or `"`; inside it, `\'`, `\"` and `\\`
//!   stand for `'`, `"` and `\`, and no other backslash escape is allowed.
//! - A **number** is an optional `-`, digits, an optional fraction (`.50`) and
//!   an optional exponent (`e-3`). It is kept exactly as written.
//! - `@user.id` is the requesting user's id, `@now` the current time and
//!   `@user.roles` the list of the user's roles.
//! - A **list** holds at least one value: `[]` is an error.
//!
//! ## Limits
//!
//! Filters are at most [`MAX_FILTER_LENGTH`] bytes long, and parentheses and
//! `!` nest at most [`MAX_NESTING_DEPTH`] levels deep.
//!
//! # The bracket form
//!
//! Query strings may also filter one field at a time, as `field[operator]=value`.
//! [`BracketOperator`] reads the operator names `eq`, `ne`, `gt`, `gte`, `lt`,
//! `lte`, `in`, `nin`, `contains`, `starts_with`, `ends_with`, `is_null` and
//! `has`, and builds the matching [`Predicate`].
//!
//! # Examples
//!
//! ```
//! use omnera_core::query::{FilterExpr, FilterParseError, parse_filter};
//!
//! let filter = parse_filter("status IN ['open', 'new'] && !(owner.id = null)")?;
//! assert_eq!(filter.to_string(), "status in ['open', 'new'] && !(owner.id is null)");
//! let paths: Vec<String> = filter.conditions().map(|c| c.path.to_string()).collect();
//! assert_eq!(paths, ["status", "owner.id"]);
//!
//! let error = parse_filter("price > 'cheap' &&").unwrap_err();
//! assert_eq!(error.to_string(), "expected a field name at position 18, found end of input");
//! assert_eq!(error.position(), Some(18));
//! # Ok::<(), FilterParseError>(())
//! ```

mod bracket;
mod condition;
mod condition_parser;
mod error;
mod filter;
mod fit;
mod lexer;
mod parser;
#[cfg(test)]
mod proptests;
mod value;

pub use bracket::BracketOperator;
pub use condition::{CompareOp, Condition, Predicate};
pub use error::FilterParseError;
pub use filter::FilterExpr;
pub use fit::{FilterMismatch, check_filter_fits};
pub use parser::{MAX_FILTER_LENGTH, MAX_NESTING_DEPTH, parse_filter};
pub use value::{FieldPath, FilterList, FilterNumber, FilterValue};
