//! One broken config per rule: each must be reported at the right path with the right code,
//! and nothing else may be reported (no noise from one planted problem).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::{ConfigFormat, validate_document, validate_text};
use serde_json::json;

mod support;

use support::Edit::{Push, Remove, Set};
use support::{Edit, base_after};

fn issues_after(edits: Vec<Edit>) -> Vec<(String, String)> {
    match validate_document(base_after(edits)) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .issues()
            .iter()
            .map(|issue| (issue.path.to_string(), issue.code.as_str().to_owned()))
            .collect(),
    }
}

#[test]
fn the_base_config_is_valid() {
    assert_eq!(issues_after(Vec::new()), Vec::<(String, String)>::new());
}

#[test]
fn app_version_is_accepted_as_an_alias_of_version() {
    assert_eq!(issues_after(vec![Remove("/version"), Set("/appVersion", json!("2.1.0"))]), []);
}

#[test]
fn version_and_app_version_together_are_one_issue_at_the_alias() {
    let errors = validate_document(base_after(vec![Set("/appVersion", json!("2.1.0"))])).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "appVersion: `appVersion` is another name for `version`; write only one of them [invalid_value]"
    );
}

#[test]
fn an_auth_email_connection_that_cannot_send_email_is_named_with_what_is_needed() {
    let unknown =
        validate_document(base_after(vec![Set("/auth/emailConnection", json!("mial"))])).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "auth.emailConnection: unknown connection `mial`; did you mean `mail`? [unknown_connection]"
    );
    let http = validate_document(base_after(vec![Set("/auth/emailConnection", json!("api"))])).unwrap_err();
    assert_eq!(
        http.to_string(),
        "auth.emailConnection: connection `api` is of type http; a mail (smtp, resend, sendgrid, postmark) \
         connection is needed here [wrong_connection_type]"
    );
    assert_eq!(issues_after(vec![Set("/auth/emailConnection", json!("mail"))]), []);
}

#[test]
fn a_bad_cron_expression_is_one_line_naming_the_field_as_written() {
    let errors =
        validate_document(base_after(vec![Set("/automations/1/trigger/cron", json!("0 25 * * 1-5"))]))
            .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "automations[nightly].trigger.cron: `0 25 * * 1-5`: the hour field `25` is not valid: it takes 0 to 23 \
         [invalid_cron]"
    );
}

#[test]
fn a_line_break_written_in_a_value_does_not_break_the_report_into_lines() {
    let errors = validate_document(base_after(vec![Set("/icon", json!("rocket\nship"))])).unwrap_err();
    assert!(errors.issues()[0].message.contains("rocket\nship"), "the issue keeps the value as written");
    assert_eq!(errors.to_string().lines().count(), 1, "{errors}");
    assert!(errors.to_string().starts_with("icon: unknown value `rocket\\nship`"), "{errors}");
}

#[test]
fn every_rule_reports_its_problem_at_the_right_path() {
    let long_name = "x".repeat(64);
    let cases: Vec<(&str, Vec<Edit>, &str, &str)> = vec![
        ("unknown root key", vec![Set("/colour", json!("red"))], "colour", "unknown_key"),
        (
            "unknown field key",
            vec![Set("/tables/0/fields/0/requird", json!(true))],
            "tables[companies].fields[name].requird",
            "unknown_key",
        ),
        (
            "wrong type",
            vec![Set("/tables/0/fields/0/required", json!("yes"))],
            "tables[companies].fields[name].required",
            "wrong_type",
        ),
        ("missing app name", vec![Remove("/name")], "name", "missing_key"),
        (
            "missing field id",
            vec![Remove("/tables/0/fields/1/id")],
            "tables[companies].fields[website].id",
            "missing_key",
        ),
        (
            "unknown field type",
            vec![Set("/tables/1/fields/1/type", json!("text"))],
            "tables[contacts].fields[full_name].type",
            "unknown_field_type",
        ),
        ("unknown enum value", vec![Set("/icon", json!("rocket"))], "icon", "invalid_value"),
        (
            "unknown page type",
            vec![Set("/pages/0/type", json!("landing"))],
            "pages[home].type",
            "unknown_page_type",
        ),
        (
            "unknown trigger type",
            vec![Set("/automations/1/trigger/type", json!("hourly"))],
            "automations[nightly].trigger.type",
            "unknown_trigger_type",
        ),
        (
            "unknown connection type",
            vec![Set("/connections/1/type", json!("grpc"))],
            "connections[api].type",
            "unknown_connection_type",
        ),
        (
            "unknown action type",
            vec![Set("/automations/1/actions/0/type", json!("send-sms"))],
            "automations[nightly].actions[ping].type",
            "unknown_action_type",
        ),
        (
            "clear-text credential",
            vec![Set("/connections/1/auth/token", json!("abc123"))],
            "connections[api].auth.token",
            "clear_text_secret",
        ),
        (
            "vault secret name",
            vec![Set("/connections/1/auth/token", json!({"secret": "my token"}))],
            "connections[api].auth.token.secret",
            "invalid_name",
        ),
        (
            "field name pattern",
            vec![Set("/tables/0/fields/1/name", json!("Web Site"))],
            "tables[companies].fields[Web Site].name",
            "invalid_name",
        ),
        (
            "field name length",
            vec![Set("/tables/0/fields/1/name", json!(long_name))],
            &*format!("tables[companies].fields[{long_name}].name").leak(),
            "invalid_length",
        ),
        (
            "reserved table prefix",
            vec![Push(
                "/tables",
                json!({"id": 9, "name": "_secret", "fields": [{"id": 1, "name": "a", "type": "checkbox"}]}),
            )],
            "tables[_secret].name",
            "reserved_name",
        ),
        (
            "system field declared",
            vec![Push("/tables/1/fields", json!({"id": 11, "name": "created_at", "type": "date"}))],
            "tables[contacts].fields[created_at].name",
            "reserved_name",
        ),
        ("table id out of range", vec![Set("/tables/0/id", json!(0))], "tables[companies].id", "invalid_id"),
        (
            "table id beyond 64 bits",
            vec![Set("/tables/0/id", json!(u64::MAX))],
            "tables[companies].id",
            "out_of_range",
        ),
        (
            "duplicate table id",
            vec![Push(
                "/tables",
                json!({"id": 1, "name": "other", "fields": [{"id": 1, "name": "a", "type": "checkbox"}]}),
            )],
            "tables[other].id",
            "duplicate_id",
        ),
        (
            "duplicate field id",
            vec![Push("/tables/1/fields", json!({"id": 2, "name": "nickname", "type": "single-line-text"}))],
            "tables[contacts].fields[nickname].id",
            "duplicate_id",
        ),
        (
            "duplicate field name",
            vec![Push("/tables/1/fields", json!({"id": 12, "name": "email", "type": "email"}))],
            "tables[contacts].fields[email].name",
            "duplicate_name",
        ),
        (
            "duplicate page path",
            vec![Push("/pages", json!({"name": "again", "path": "/contacts/:key", "type": "custom-html"}))],
            "pages[again].path",
            "duplicate_path",
        ),
        (
            "duplicate page name",
            vec![Push("/pages", json!({"name": "home", "path": "/home", "type": "custom-html"}))],
            "pages[home].name",
            "duplicate_name",
        ),
        (
            "duplicate automation name",
            vec![Set("/automations/1/name", json!("welcome"))],
            "automations[welcome].name",
            "duplicate_name",
        ),
        (
            "duplicate automation id",
            vec![Set("/automations/1/id", json!(1))],
            "automations[nightly].id",
            "duplicate_id",
        ),
        (
            "duplicate action name",
            vec![Set("/automations/0/actions/1/name", json!("greet"))],
            "automations[welcome].actions[greet].name",
            "duplicate_name",
        ),
        (
            "duplicate connection name",
            vec![Push(
                "/connections",
                json!({"name": "mail", "type": "resend", "apiKey": {"env": "RESEND_KEY"}, "from": "a@example.com"}),
            )],
            "connections[mail].name",
            "duplicate_name",
        ),
        (
            "relatedTable",
            vec![Set("/tables/1/fields/2/relatedTable", json!("companys"))],
            "tables[contacts].fields[company].relatedTable",
            "unknown_table",
        ),
        (
            "displayField",
            vec![Set("/tables/1/fields/2/displayField", json!("title"))],
            "tables[contacts].fields[company].displayField",
            "unknown_field",
        ),
        (
            "page table",
            vec![Set("/pages/2/table", json!("contact"))],
            "pages[contact-list].table",
            "unknown_table",
        ),
        (
            "table-view column",
            vec![Set("/pages/2/columns/0", json!("fullname"))],
            "pages[contact-list].columns[0]",
            "unknown_field",
        ),
        (
            "table-view sort",
            vec![Set("/pages/2/defaultSort", json!("-createdAt"))],
            "pages[contact-list].defaultSort",
            "unknown_field",
        ),
        (
            "section field",
            vec![Push("/pages/3/sections/0/fields", json!("phone"))],
            "pages[contact].sections[0].fields[2]",
            "unknown_field",
        ),
        (
            "form input vs table field",
            vec![Set("/pages/1/inputs/1/name", json!("nickname"))],
            "pages[new-contact].inputs[nickname].name",
            "unknown_field",
        ),
        (
            "form input type vs field type",
            vec![Set("/pages/1/inputs/1/type", json!("integer"))],
            "pages[new-contact].inputs[full_name].type",
            "input_mismatch",
        ),
        (
            "form misses a required field",
            vec![Remove("/pages/1/inputs/0")],
            "pages[new-contact].inputs",
            "missing_required_input",
        ),
        (
            "form automation",
            vec![Push(
                "/pages",
                json!({"name": "go", "path": "/go", "type": "form", "action": "trigger-automation", "automation": "welcom", "inputs": [{"name": "ok", "type": "checkbox"}]}),
            )],
            "pages[go].automation",
            "unknown_automation",
        ),
        (
            "form without its target",
            vec![Remove("/pages/4/email")],
            "pages[feedback].email",
            "missing_option",
        ),
        (
            "form redirect",
            vec![Set("/pages/1/redirectUrl", json!("thanks"))],
            "pages[new-contact].redirectUrl",
            "invalid_url",
        ),
        (
            "form email template input",
            vec![Set("/pages/4/email/subject", json!("From {{form.nam}}"))],
            "pages[feedback].email.subject",
            "unknown_template_variable",
        ),
        (
            "page path pattern",
            vec![Set("/pages/2/path", json!("/Contacts"))],
            "pages[contact-list].path",
            "invalid_path",
        ),
        (
            "page path reserved",
            vec![Set("/pages/2/path", json!("/api/contacts"))],
            "pages[contact-list].path",
            "reserved_path",
        ),
        (
            "detail view without :id",
            vec![Set("/pages/3/path", json!("/contact"))],
            "pages[contact].path",
            "invalid_path",
        ),
        (
            "trigger table",
            vec![Set("/automations/0/trigger/table", json!("contact"))],
            "automations[welcome].trigger.table",
            "unknown_table",
        ),
        (
            "trigger page",
            vec![Set("/automations/1/trigger", json!({"type": "form-submitted", "page": "nope"}))],
            "automations[nightly].trigger.page",
            "unknown_page",
        ),
        (
            "trigger page of the wrong kind",
            vec![Set("/automations/1/trigger", json!({"type": "form-submitted", "page": "home"}))],
            "automations[nightly].trigger.page",
            "wrong_kind",
        ),
        (
            "update-record table",
            vec![Set(
                "/automations/0/actions/1",
                json!({"type": "update-record", "name": "log", "table": "companiez", "id": "{{trigger.record.id}}", "fields": {}}),
            )],
            "automations[welcome].actions[log].table",
            "unknown_table",
        ),
        (
            "record action field",
            vec![Set("/automations/0/actions/1/fields/nam", json!("x"))],
            "automations[welcome].actions[log].fields.nam",
            "unknown_field",
        ),
        (
            "action connection",
            vec![Set("/automations/0/actions/0/connection", json!("mailer"))],
            "automations[welcome].actions[greet].connection",
            "unknown_connection",
        ),
        (
            "action connection type",
            vec![Set("/automations/0/actions/0/connection", json!("api"))],
            "automations[welcome].actions[greet].connection",
            "wrong_connection_type",
        ),
        (
            "permission table",
            vec![Set("/auth/permissions/1/table", json!("deal"))],
            "auth.permissions[1].table",
            "unknown_table",
        ),
        (
            "permission role",
            vec![Set("/auth/permissions/1/role", json!("boss"))],
            "auth.permissions[1].role",
            "unknown_role",
        ),
        (
            "default role",
            vec![Set("/auth/defaultRoles/0", json!("intern"))],
            "auth.defaultRoles[0]",
            "unknown_role",
        ),
        (
            "built-in role declared",
            vec![Push("/auth/roles", json!("admin"))],
            "auth.roles[2]",
            "reserved_name",
        ),
        (
            "sign-in provider",
            vec![Set("/auth/providers", json!(["password", "google"]))],
            "auth.providers[1]",
            "unknown_connection",
        ),
        (
            "auth email connection",
            vec![Set("/auth/emailConnection", json!("mial"))],
            "auth.emailConnection",
            "unknown_connection",
        ),
        (
            "auth email connection type",
            vec![Set("/auth/emailConnection", json!("api"))],
            "auth.emailConnection",
            "wrong_connection_type",
        ),
        (
            "filter syntax",
            vec![Set("/auth/permissions/0/where", json!("owner_id = = 1"))],
            "auth.permissions[0].where",
            "invalid_filter",
        ),
        (
            "filter field",
            vec![Set("/auth/permissions/0/where", json!("owner = @user.id"))],
            "auth.permissions[0].where",
            "unknown_field",
        ),
        (
            "filter relationship path",
            vec![Set("/auth/permissions/0/where", json!("company.nam ~ 'a'"))],
            "auth.permissions[0].where",
            "unknown_field",
        ),
        (
            "default not an option",
            vec![Set("/tables/1/fields/3/default", json!("prospect"))],
            "tables[contacts].fields[stage].default",
            "invalid_default",
        ),
        (
            "default out of range",
            vec![Set("/tables/1/fields/5/default", json!(101))],
            "tables[contacts].fields[score].default",
            "invalid_default",
        ),
        (
            "default of the wrong type",
            vec![Set("/tables/1/fields/5/default", json!("ten"))],
            "tables[contacts].fields[score].default",
            "invalid_default",
        ),
        (
            "today on a datetime",
            vec![Set("/tables/1/fields/8/default", json!("today"))],
            "tables[contacts].fields[last_seen].default",
            "invalid_default",
        ),
        (
            "now on a date",
            vec![Set("/tables/1/fields/7/default", json!("now"))],
            "tables[contacts].fields[born].default",
            "invalid_default",
        ),
        (
            "impossible date",
            vec![Set("/tables/1/fields/7/default", json!("2024-02-30"))],
            "tables[contacts].fields[born].default",
            "invalid_default",
        ),
        (
            "too many currency decimals",
            vec![Set("/tables/1/fields/6/default", json!(10.005))],
            "tables[contacts].fields[budget].default",
            "invalid_default",
        ),
        (
            "min above max",
            vec![Set("/tables/1/fields/5/min", json!(200))],
            "tables[contacts].fields[score].min",
            "min_greater_than_max",
        ),
        (
            "maxSelections above options",
            vec![Set("/tables/1/fields/4/maxSelections", json!(3))],
            "tables[contacts].fields[tags].maxSelections",
            "out_of_range",
        ),
        (
            "option of another type",
            vec![Set("/tables/1/fields/5/maxLength", json!(10))],
            "tables[contacts].fields[score].maxLength",
            "option_not_allowed",
        ),
        (
            "select without options",
            vec![Remove("/tables/1/fields/4/options"), Remove("/tables/1/fields/4/maxSelections")],
            "tables[contacts].fields[tags].options",
            "missing_option",
        ),
        (
            "duplicate option",
            vec![Set("/tables/1/fields/4/options", json!(["vip", "vip"]))],
            "tables[contacts].fields[tags].options[1]",
            "duplicate_value",
        ),
        (
            "currency code",
            vec![Set("/tables/1/fields/6/currency", json!("EURO"))],
            "tables[contacts].fields[budget].currency",
            "invalid_currency",
        ),
        (
            "precision",
            vec![Push(
                "/tables/1/fields",
                json!({"id": 20, "name": "ratio", "type": "decimal", "precision": 11}),
            )],
            "tables[contacts].fields[ratio].precision",
            "out_of_range",
        ),
        (
            "attachment type pattern",
            vec![Set("/tables/0/fields/2/storage/allowedTypes", json!(["images"]))],
            "tables[companies].fields[logo].storage.allowedTypes[0]",
            "invalid_mime_type",
        ),
        (
            "field timezone",
            vec![Set("/tables/1/fields/8/timezone", json!("Europe/Pariss"))],
            "tables[contacts].fields[last_seen].timezone",
            "invalid_timezone",
        ),
        (
            "index field",
            vec![Set("/tables/1/indexes/0/fields/1", json!("scor"))],
            "tables[contacts].indexes[contacts_by_stage].fields[1]",
            "unknown_field",
        ),
        (
            "unique constraint size",
            vec![Set("/tables/1/uniqueConstraints/0/fields", json!(["email"]))],
            "tables[contacts].uniqueConstraints[one_name_per_company].fields",
            "too_few_items",
        ),
        (
            "table without fields",
            vec![Push("/tables", json!({"id": 5, "name": "empty", "fields": []}))],
            "tables[empty].fields",
            "too_few_items",
        ),
        (
            "automation without actions",
            vec![Set("/automations/1/actions", json!([]))],
            "automations[nightly].actions",
            "too_few_items",
        ),
        (
            "cron",
            vec![Set("/automations/1/trigger/cron", json!("0 25 * * *"))],
            "automations[nightly].trigger.cron",
            "invalid_cron",
        ),
        (
            "trigger timezone",
            vec![Set("/automations/1/trigger/timezone", json!("Mars/Olympus"))],
            "automations[nightly].trigger.timezone",
            "invalid_timezone",
        ),
        (
            "retry duration",
            vec![Set("/automations/1/retry/initialDelay", json!("soon"))],
            "automations[nightly].retry.initialDelay",
            "invalid_duration",
        ),
        (
            "changed outside record-updated",
            vec![Set("/automations/0/conditions/all/0/operator", json!("changed"))],
            "automations[welcome].conditions.all[0].operator",
            "invalid_value",
        ),
        (
            "template syntax",
            vec![Set("/automations/0/actions/0/subject", json!("Hi {{trigger.record.full_name"))],
            "automations[welcome].actions[greet].subject",
            "invalid_template",
        ),
        (
            "template unknown step",
            vec![Set("/automations/0/actions/1/fields/name", json!("{{steps.gret.output}}"))],
            "automations[welcome].actions[log].fields.name",
            "unknown_template_variable",
        ),
        (
            "template later step",
            vec![Set("/automations/0/actions/0/text", json!("{{steps.log.output.id}}"))],
            "automations[welcome].actions[greet].text",
            "unknown_template_variable",
        ),
        (
            "template namespace",
            vec![Set("/automations/0/actions/0/text", json!("{{user.name}}"))],
            "automations[welcome].actions[greet].text",
            "unknown_template_variable",
        ),
        (
            "template record field",
            vec![Set("/automations/0/actions/0/to", json!("{{trigger.record.emial}}"))],
            "automations[welcome].actions[greet].to",
            "unknown_template_variable",
        ),
        (
            "template trigger key",
            vec![Set("/automations/0/actions/0/text", json!("{{trigger.previous.email}}"))],
            "automations[welcome].actions[greet].text",
            "unknown_template_variable",
        ),
        ("app version", vec![Set("/version", json!("1.0"))], "version", "invalid_version"),
        (
            "format version",
            vec![Set("/schemaVersion", json!("2"))],
            "schemaVersion",
            "unsupported_schema_version",
        ),
        ("app name length", vec![Set("/name", json!("n".repeat(101)))], "name", "invalid_length"),
        (
            "smtp sender",
            vec![Set("/connections/0/from", json!("crm at example"))],
            "connections[mail].from",
            "invalid_email",
        ),
        (
            "connection name",
            vec![
                Set("/connections/1/name", json!("API")),
                Set("/automations/1/actions/0/connection", json!("API")),
            ],
            "connections[API].name",
            "invalid_name",
        ),
    ];
    let mut failures = Vec::new();
    for (name, edits, path, code) in cases {
        let found = issues_after(edits);
        let expected = vec![(path.to_owned(), code.to_owned())];
        if found != expected {
            failures.push(format!("{name}: expected {expected:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_syntax_error_is_one_issue_with_its_place() {
    let errors = validate_text("{\"name\": \"x\",,}", ConfigFormat::Json).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.issues()[0].code.as_str(), "invalid_syntax");
    assert!(errors.issues()[0].message.contains("line 1 column 14"), "{}", errors.issues()[0].message);
}

#[test]
fn every_key_of_the_format_is_accepted() {
    let errors = validate_text(include_str!("every_key.json"), ConfigFormat::Json).err();
    assert!(errors.is_none(), "{}", errors.map(|errors| errors.to_string()).unwrap_or_default());
}
