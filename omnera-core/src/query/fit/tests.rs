//! Which filters fit the tables of a small library app, and which are refused.

use super::*;
use crate::Config;
use crate::query::parse_filter;

const LIBRARY: &str = r#"{"name": "Library", "tables": [
    {"id": 1, "name": "authors", "fields": [{"id": 1, "name": "name", "type": "single-line-text"}]},
    {"id": 2, "name": "books", "fields": [
        {"id": 1, "name": "title", "type": "single-line-text"},
        {"id": 2, "name": "pages", "type": "integer"},
        {"id": 3, "name": "published", "type": "date"},
        {"id": 4, "name": "in_print", "type": "checkbox"},
        {"id": 5, "name": "genre", "type": "single-select", "options": ["novel", "essay"]},
        {"id": 6, "name": "read_at", "type": "time"},
        {"id": 7, "name": "owner_id", "type": "integer"},
        {"id": 8, "name": "author", "type": "relationship", "relatedTable": "authors"},
        {"id": 9, "name": "tags", "type": "multi-select", "options": ["new", "old"]},
        {"id": 10, "name": "price", "type": "decimal"},
        {"id": 11, "name": "cover", "type": "single-attachment"},
        {"id": 12, "name": "editors", "type": "relationship", "relatedTable": "authors", "relationType": "many-to-many"}]}]}"#;

fn check(text: &str) -> Result<(), FilterMismatch> {
    let schema = Config::from_json_str(LIBRARY).unwrap().validate().unwrap();
    let books = schema.table("books").unwrap();
    check_filter_fits(&schema, books, &parse_filter(text).unwrap())
}

/// Asserts that each of `texts` is refused with the kind of mismatch `kind` accepts.
fn refused_as(texts: &[&str], kind: fn(&FilterMismatch) -> bool) {
    for text in texts {
        let outcome = check(text);
        assert!(outcome.as_ref().is_err_and(kind), "{text}: {outcome:?}");
    }
}

#[test]
fn filters_that_fit_pass() {
    for text in [
        "pages >= 100 && title ~ 'rust' && in_print = true",
        "published < @now && created_at > @now && published = '2024-02-29'",
        "owner_id = @user.id && author = @user.id && id != @user.id",
        "genre in ['novel', 'essay'] && tags has 'new' && editors has 3",
        "author.name ^~ 'ann' && price > 9.99 && read_at < '12:00:00'",
        "genre ~ 'nov' && title in @user.roles && pages = '12'",
    ] {
        assert_eq!(check(text), Ok(()), "{text}");
    }
}

#[test]
fn values_that_do_not_parse_for_the_field_are_refused() {
    let texts = &[
        "pages > @now",
        "title = @now",
        "owner_id = @now",
        "read_at > @now",
        "title = @user.id",
        "published = @user.id",
        "pages = 'abc'",
        "published = '2024-02-30'",
        "genre = 'poetry'",
        "tags has 'poetry'",
        "in_print = 'yes'",
        "pages = true",
        "editors has 'x'",
        "price in [1, 'cheap']",
    ];
    refused_as(texts, |mismatch| matches!(mismatch, FilterMismatch::ValueDoesNotFit { .. }));
}

#[test]
fn operators_that_do_not_fit_the_type_are_refused() {
    let texts =
        ["pages ~ 3", "in_print > true", "tags = 'new'", "editors = 3", "title has 'x'", "author ^~ '1'"];
    refused_as(&texts, |mismatch| matches!(mismatch, FilterMismatch::OperatorDoesNotFit { .. }));
}

#[test]
fn paths_must_lead_somewhere() {
    assert_eq!(check("nope = 1").unwrap_err().to_string(), "table books has no field `nope`");
    assert_eq!(
        check("author.nope = 1"),
        Err(FilterMismatch::UnknownField { table: "authors".into(), field: "nope".into() })
    );
    assert!(matches!(check("title.x = 1"), Err(FilterMismatch::NotAPath { .. })));
    assert!(matches!(check("editors.name = 'x'"), Err(FilterMismatch::NotAPath { .. })));
    assert!(matches!(check("cover = 1"), Err(FilterMismatch::NotFilterable { .. })));
}

#[test]
fn nul_characters_are_refused_in_every_text_value() {
    for text in ["title = 'a\0b'", "title ~ 'a\0b'", "genre in ['a\0b']", "tags has 'a\0b'"] {
        assert_eq!(
            check(text),
            Err(FilterMismatch::NulCharacter { path: text.split(' ').next().unwrap().into() })
        );
    }
}
