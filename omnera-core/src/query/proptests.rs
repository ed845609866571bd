//! Property tests: printed trees parse back to themselves, and no text makes
//! the parser panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use crate::query::{
    BracketOperator, CompareOp, Condition, FieldPath, FilterExpr, FilterList, FilterNumber, FilterValue,
    MAX_FILTER_LENGTH, Predicate, parse_filter,
};

/// Keywords are valid field names too.
const KEYWORDS: [&str; 9] = ["in", "not", "is", "has", "null", "TRUE", "false", "and", "Or"];

/// Pieces of filter text, whole tokens and broken ones, to glue together.
const FRAGMENTS: [&str; 44] = [
    "a",
    "b.c",
    " ",
    "in",
    "NOT",
    "is",
    "null",
    "has",
    "true",
    "'x'",
    "\"y\"",
    "'",
    "\"",
    "\\",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "&&",
    "||",
    "!",
    "=",
    "!=",
    ">",
    ">=",
    "<=",
    "~",
    "!~",
    "^~",
    "$~",
    "@user.id",
    "@now",
    "@user.roles",
    "@",
    "1",
    "-2.5e3",
    "1.",
    "&",
    "|",
    "==",
    "-",
    "é",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z_][A-Za-z0-9_]{0,6}",
        1 => prop::sample::select(&KEYWORDS[..]).prop_map(str::to_owned),
    ]
}

fn path() -> impl Strategy<Value = FieldPath> {
    prop::collection::vec(name(), 1..=3).prop_map(|segments| FieldPath::new(segments).unwrap())
}

fn value() -> impl Strategy<Value = FilterValue> {
    prop_oneof![
        "(?s).{0,8}".prop_map(FilterValue::String),
        "[\"'\\\\ a]{0,6}".prop_map(FilterValue::String),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?"
            .prop_map(|text| FilterValue::Number(FilterNumber::new(text).unwrap())),
        any::<bool>().prop_map(FilterValue::Bool),
        Just(FilterValue::UserId),
        Just(FilterValue::Now),
    ]
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let list = prop_oneof![
        prop::collection::vec(value(), 1..4).prop_map(FilterList::Values),
        Just(FilterList::UserRoles),
    ];
    prop_oneof![
        (prop::sample::select(&CompareOp::ALL[..]), value())
            .prop_map(|(op, value)| Predicate::Compare { op, value }),
        (any::<bool>(), list).prop_map(|(negated, list)| Predicate::In { negated, list }),
        value().prop_map(Predicate::Has),
        any::<bool>().prop_map(|negated| Predicate::IsNull { negated }),
    ]
}

/// Trees in the parser's normal form (the `and`/`or` constructors flatten).
fn filter_expr() -> impl Strategy<Value = FilterExpr> {
    let leaf = (path(), predicate())
        .prop_map(|(path, predicate)| FilterExpr::Condition(Condition { path, predicate }));
    leaf.prop_recursive(6, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(FilterExpr::and),
            prop::collection::vec(inner.clone(), 2..4).prop_map(FilterExpr::or),
            inner.prop_map(|expr| FilterExpr::Not(Box::new(expr))),
        ]
    })
}

/// Whether `expr` is in the normal form the parser promises.
fn is_normalised(expr: &FilterExpr) -> bool {
    match expr {
        FilterExpr::And(children) => {
            children.len() >= 2
                && children.iter().all(|child| !matches!(child, FilterExpr::And(_)) && is_normalised(child))
        }
        FilterExpr::Or(children) => {
            children.len() >= 2
                && children.iter().all(|child| !matches!(child, FilterExpr::Or(_)) && is_normalised(child))
        }
        FilterExpr::Not(inner) => is_normalised(inner),
        FilterExpr::Condition(condition) => match &condition.predicate {
            Predicate::In { list: FilterList::Values(values), .. } => !values.is_empty(),
            _ => true,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_trees_parse_back_equal(expr in filter_expr()) {
        prop_assert!(is_normalised(&expr));
        let text = expr.to_string();
        prop_assume!(text.len() <= MAX_FILTER_LENGTH);
        prop_assert_eq!(parse_filter(&text), Ok(expr), "printed as {}", text);
    }

    #[test]
    fn conditions_are_listed_left_to_right(expr in filter_expr()) {
        let from_iterator: Vec<String> = expr.conditions().map(ToString::to_string).collect();
        let mut from_recursion = Vec::new();
        collect_conditions(&expr, &mut from_recursion);
        prop_assert_eq!(from_iterator, from_recursion);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        check_any_outcome(&text)?;
    }

    #[test]
    fn parser_never_panics_on_filter_like_text(
        fragments in prop::collection::vec(prop::sample::select(&FRAGMENTS[..]), 0..24)
    ) {
        check_any_outcome(&fragments.concat())?;
    }

    #[test]
    fn parser_never_panics_on_mangled_filters(expr in filter_expr(), cut in any::<prop::sample::Index>()) {
        let text = expr.to_string();
        let mut end = cut.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        check_any_outcome(&text[..end])?;
        check_any_outcome(&text[end..])?;
    }

    #[test]
    fn bracket_operators_never_panic(name in "[a-z_]{0,12}", raw in any::<String>()) {
        if let Ok(operator) = name.parse::<BracketOperator>()
            && let Ok(predicate) = operator.predicate(&raw)
        {
            let condition = Condition { path: FieldPath::new(["f"]).unwrap(), predicate };
            prop_assert_eq!(
                parse_filter(&condition.to_string()),
                Ok(FilterExpr::Condition(condition))
            );
        }
    }
}

/// Any outcome is fine but a panic; an accepted text must print to text that
/// parses to the same tree, and an error's position must lie inside the text.
fn check_any_outcome(text: &str) -> Result<(), TestCaseError> {
    match parse_filter(text) {
        Ok(expr) => {
            prop_assert!(is_normalised(&expr));
            let printed = expr.to_string();
            if printed.len() <= MAX_FILTER_LENGTH {
                prop_assert_eq!(parse_filter(&printed), Ok(expr), "{} printed as {}", text, printed);
            }
        }
        Err(error) => {
            let position = error.position().unwrap_or(0);
            prop_assert!(position <= text.len(), "{error} in {text:?}");
            prop_assert!(text.is_char_boundary(position));
        }
    }
    Ok(())
}

fn collect_conditions(expr: &FilterExpr, out: &mut Vec<String>) {
    match expr {
        FilterExpr::And(children) | FilterExpr::Or(children) => {
            children.iter().for_each(|child| collect_conditions(child, out));
        }
        FilterExpr::Not(inner) => collect_conditions(inner, out),
        FilterExpr::Condition(condition) => out.push(condition.to_string()),
    }
}
