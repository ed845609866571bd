//! The syntax tree of a filter expression and its printed form.

use std::fmt;

use serde::Serialize;

use crate::query::Condition;

/// A filter expression: conditions on fields joined by `&&`, `||` and `!`.
///
/// [`parse_filter`](crate::query::parse_filter) builds trees in a normal form:
/// every `And` and `Or` has at least two children, an `And` never has an `And`
/// child and an `Or` never has an `Or` child (`a && (b && c)` parses as one
/// `And` of three conditions), and parentheses leave no trace. The
/// [`and`](FilterExpr::and) and [`or`](FilterExpr::or) constructors keep that
/// form. A normal tree printed with `Display` parses back to an equal tree.
///
/// `Display` prints any other tree as equivalent text, except that an `And` or
/// `Or` without children has no textual form: it prints as `()`, which does
/// not parse.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterExpr, parse_filter};
///
/// let filter = parse_filter("status = 'open' && (priority > 2 || owner.id = @user.id)")?;
/// assert!(matches!(&filter, FilterExpr::And(children) if children.len() == 2));
/// assert_eq!(filter.to_string(), "status = 'open' && (priority > 2 || owner.id = @user.id)");
/// assert_eq!(filter.to_string().parse::<FilterExpr>()?, filter);
///
/// let fields: Vec<String> = filter.conditions().map(|c| c.path.to_string()).collect();
/// assert_eq!(fields, ["status", "priority", "owner.id"]);
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterExpr {
    /// Every child matches: `a && b && c`.
    And(Vec<FilterExpr>),
    /// At least one child matches: `a || b`.
    Or(Vec<FilterExpr>),
    /// The child does not match: `!(a)`.
    Not(Box<FilterExpr>),
    /// A test on one field.
    Condition(Condition),
}

impl FilterExpr {
    /// Joins expressions with `&&`, merging children that are themselves `And`s.
    ///
    /// A single expression is returned as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use omnera_core::query::{FilterExpr, parse_filter};
    ///
    /// let joined = FilterExpr::and([parse_filter("a = 1 && b = 2")?, parse_filter("c = 3")?]);
    /// assert_eq!(joined, parse_filter("a = 1 && b = 2 && c = 3")?);
    /// # Ok::<(), omnera_core::query::FilterParseError>(())
    /// ```
    #[must_use]
    pub fn and(children: impl IntoIterator<Item = FilterExpr>) -> FilterExpr {
        Self::join(children, Junction::And)
    }

    /// Joins expressions with `||`, merging children that are themselves `Or`s.
    ///
    /// A single expression is returned as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use omnera_core::query::{FilterExpr, parse_filter};
    ///
    /// let joined = FilterExpr::or([parse_filter("a = 1")?, parse_filter("b = 2 || c = 3")?]);
    /// assert_eq!(joined.to_string(), "a = 1 || b = 2 || c = 3");
    /// # Ok::<(), omnera_core::query::FilterParseError>(())
    /// ```
    #[must_use]
    pub fn or(children: impl IntoIterator<Item = FilterExpr>) -> FilterExpr {
        Self::join(children, Junction::Or)
    }

    fn join(children: impl IntoIterator<Item = FilterExpr>, junction: Junction) -> FilterExpr {
        let mut flat = Vec::new();
        for child in children {
            match (junction, child) {
                (Junction::And, FilterExpr::And(grandchildren))
                | (Junction::Or, FilterExpr::Or(grandchildren)) => flat.extend(grandchildren),
                (_, other) => flat.push(other),
            }
        }
        if flat.len() == 1
            && let Some(only) = flat.pop()
        {
            return only;
        }
        match junction {
            Junction::And => FilterExpr::And(flat),
            Junction::Or => FilterExpr::Or(flat),
        }
    }

    /// All conditions of the expression, depth-first from left to right.
    ///
    /// # Examples
    ///
    /// ```
    /// use omnera_core::query::parse_filter;
    ///
    /// let filter = parse_filter("!(a = 1 || b.c is null) && d in [1, 2]")?;
    /// let paths: Vec<String> = filter.conditions().map(|c| c.path.to_string()).collect();
    /// assert_eq!(paths, ["a", "b.c", "d"]);
    /// # Ok::<(), omnera_core::query::FilterParseError>(())
    /// ```
    pub fn conditions(&self) -> impl Iterator<Item = &Condition> {
        let mut pending = vec![self];
        std::iter::from_fn(move || {
            while let Some(expr) = pending.pop() {
                match expr {
                    FilterExpr::Condition(condition) => return Some(condition),
                    FilterExpr::Not(inner) => pending.push(inner),
                    FilterExpr::And(children) | FilterExpr::Or(children) => {
                        pending.extend(children.iter().rev());
                    }
                }
            }
            None
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Junction {
    And,
    Or,
}

impl fmt::Display for FilterExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // An `Or` inside an `And` needs parentheses; a nested `And` gets
            // them too so that trees outside the normal form keep their shape.
            FilterExpr::And(children) => write_joined(f, children, " && ", |child| {
                matches!(child, FilterExpr::And(_) | FilterExpr::Or(_))
            }),
            FilterExpr::Or(children) => {
                write_joined(f, children, " || ", |child| matches!(child, FilterExpr::Or(_)))
            }
            FilterExpr::Not(inner) => match inner.as_ref() {
                FilterExpr::Not(_) => write!(f, "!{inner}"),
                _ => write!(f, "!({inner})"),
            },
            FilterExpr::Condition(condition) => condition.fmt(f),
        }
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    children: &[FilterExpr],
    separator: &str,
    needs_parentheses: impl Fn(&FilterExpr) -> bool,
) -> fmt::Result {
    if children.is_empty() {
        return f.write_str("()");
    }
    for (index, child) in children.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        if needs_parentheses(child) {
            write!(f, "({child})")?;
        } else {
            write!(f, "{child}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::query::Predicate;

    fn condition(name: &str, predicate: Predicate) -> FilterExpr {
        FilterExpr::Condition(Condition { path: name.parse().unwrap(), predicate })
    }

    fn is_null(name: &str) -> FilterExpr {
        condition(name, Predicate::IsNull { negated: false })
    }

    #[test]
    fn constructors_flatten_the_same_junction_only() {
        let inner_and = FilterExpr::and([is_null("a"), is_null("b")]);
        let inner_or = FilterExpr::or([is_null("c"), is_null("d")]);
        let joined = FilterExpr::and([inner_and, inner_or.clone(), is_null("e")]);
        assert_eq!(joined, FilterExpr::And(vec![is_null("a"), is_null("b"), inner_or, is_null("e")]));
    }

    #[test]
    fn constructors_unwrap_a_single_child() {
        assert_eq!(FilterExpr::or([is_null("a")]), is_null("a"));
        assert_eq!(FilterExpr::and([]), FilterExpr::And(vec![]));
    }

    #[test]
    fn conditions_are_listed_depth_first() {
        let expr = FilterExpr::or([
            FilterExpr::Not(Box::new(FilterExpr::and([is_null("a"), is_null("b")]))),
            is_null("c"),
        ]);
        let names: Vec<&str> = expr.conditions().map(|c| c.path.first()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn display_adds_parentheses_only_where_needed() {
        let or = FilterExpr::or([is_null("a"), is_null("b")]);
        let and = FilterExpr::and([or, is_null("c")]);
        assert_eq!(and.to_string(), "(a is null || b is null) && c is null");
        let or_of_and = FilterExpr::or([and, is_null("d")]);
        assert_eq!(or_of_and.to_string(), "(a is null || b is null) && c is null || d is null");
        let nested = FilterExpr::And(vec![FilterExpr::And(vec![is_null("a"), is_null("b")])]);
        assert_eq!(nested.to_string(), "(a is null && b is null)");
    }

    #[test]
    fn display_of_negation() {
        let not = FilterExpr::Not(Box::new(is_null("a")));
        assert_eq!(not.to_string(), "!(a is null)");
        assert_eq!(FilterExpr::Not(Box::new(not)).to_string(), "!!(a is null)");
    }

    #[test]
    fn display_of_empty_junctions() {
        assert_eq!(FilterExpr::Or(vec![]).to_string(), "()");
    }
}
