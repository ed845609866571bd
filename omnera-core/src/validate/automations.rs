//! Automations: triggers, conditions, actions and their templates, retry policies.

use std::time::Duration;

use super::context::CheckContext;
use super::names::{UniqueIn, check_id, check_slug, is_system_field};
use super::templates::{TemplateScope, check_json_templates, check_template};
use super::{ConfigPath, IssueCode};
use crate::CronSchedule;
use crate::config::{
    ActionConfig, AutomationConfig, ConditionConfig, ConnectionConfig, PageConfig, RetryConfig, TableConfig,
    TriggerConfig,
};
use crate::fields::parse_timezone;
use crate::schema::{AutomationSchema, RetryPolicy};

/// The most attempts a retry policy may ask for.
const MAX_ATTEMPTS: u32 = 100;

pub(crate) fn check_automations<'c>(cx: &mut CheckContext<'c>) -> Vec<AutomationSchema> {
    let config = cx.config;
    let mut ids = UniqueIn::new(IssueCode::DuplicateId, "automation id");
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "automation name");
    config
        .automations
        .iter()
        .map(|automation| {
            let path = ConfigPath::root().key("automations").item(&automation.name);
            check_id(automation.id, &path.key("id"), cx);
            ids.check(&automation.id, &path.key("id"), cx);
            check_slug(&automation.name, "automation", &path.key("name"), cx);
            names.check(&automation.name, &path.key("name"), cx);
            check_automation(automation, &path, cx)
        })
        .collect()
}

fn check_automation<'c>(
    automation: &'c AutomationConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'c>,
) -> AutomationSchema {
    let (schedule, mut scope) = check_trigger(&automation.trigger, &path.key("trigger"), cx);
    if let Some(conditions) = &automation.conditions {
        check_condition(conditions, &automation.trigger, &path.key("conditions"), &scope, cx);
    }
    if automation.actions.is_empty() {
        cx.report(
            path.key("actions"),
            IssueCode::TooFewItems,
            "an automation needs at least one action".to_owned(),
        );
    }
    scope.earlier_steps = Some(Vec::new());
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "action name");
    check_actions(&automation.actions, &automation.trigger, &path.key("actions"), &mut scope, &mut names, cx);
    let retry = automation
        .retry
        .as_ref()
        .map_or_else(RetryPolicy::default, |retry| check_retry(retry, &path.key("retry"), cx));
    AutomationSchema { config: automation.clone(), schedule, retry }
}

/// Checks the trigger; returns its schedule and what templates of the automation may refer to.
fn check_trigger<'c>(
    trigger: &'c TriggerConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'c>,
) -> (Option<CronSchedule>, TemplateScope<'c>) {
    let mut scope = TemplateScope::default();
    let table_of = |table: &str, cx: &mut CheckContext<'c>| cx.require_table(table, &path.key("table"));
    match trigger {
        TriggerConfig::RecordCreated { table } | TriggerConfig::RecordDeleted { table } => {
            scope.record_table = table_of(table, cx);
            scope.trigger_keys = Some(vec!["record"]);
        }
        TriggerConfig::RecordUpdated { table, fields } => {
            scope.record_table = table_of(table, cx);
            scope.trigger_keys = Some(vec!["record", "previous"]);
            if let Some(watched) = scope.record_table {
                for (index, field) in fields.iter().flatten().enumerate() {
                    if !is_system_field(field) {
                        cx.require_field(watched, field, &path.key("fields").index(index));
                    }
                }
            }
        }
        TriggerConfig::Schedule { cron, timezone } => {
            scope.trigger_keys = Some(vec!["firedAt"]);
            let zone = match timezone {
                Some(name) => parse_timezone(name, &path.key("timezone"), cx),
                None => Some(chrono_tz::UTC),
            };
            return match (CronSchedule::parse(cron, zone.unwrap_or(chrono_tz::UTC)), zone) {
                (Ok(schedule), Some(_)) => (Some(schedule), scope),
                (Ok(_), None) => (None, scope),
                (Err(problem), _) => {
                    cx.report(path.key("cron"), IssueCode::InvalidCron, format!("`{cron}`: {problem}"));
                    (None, scope)
                }
            };
        }
        TriggerConfig::Webhook { connection, .. } => {
            scope.trigger_keys = Some(vec!["body", "headers", "query"]);
            if let Some(name) = connection {
                cx.require_connection(name, &path.key("connection"), "a stripe", |found| {
                    matches!(found, ConnectionConfig::Stripe(_))
                });
            }
        }
        TriggerConfig::Manual => scope.trigger_keys = Some(vec!["body"]),
        TriggerConfig::FormSubmitted { page } => {
            scope.trigger_keys = Some(vec!["form"]);
            match cx.config.pages.iter().find(|candidate| candidate.name() == page) {
                Some(PageConfig::Form(form)) => {
                    scope.form_inputs = Some(form.inputs.iter().map(|input| input.name.clone()).collect());
                }
                Some(_) => {
                    cx.report(path.key("page"), IssueCode::WrongKind, format!("page `{page}` is not a form"));
                }
                None => cx.require_page_declared(page, &path.key("page")),
            }
        }
    }
    (None, scope)
}

fn check_condition(
    condition: &ConditionConfig,
    trigger: &TriggerConfig,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    match condition {
        ConditionConfig::All { all: conditions } | ConditionConfig::Any { any: conditions } => {
            let key = if matches!(condition, ConditionConfig::All { .. }) { "all" } else { "any" };
            if conditions.is_empty() {
                cx.report(
                    path.key(key),
                    IssueCode::TooFewItems,
                    format!("`{key}` needs at least one condition"),
                );
            }
            for (index, inner) in conditions.iter().enumerate() {
                check_condition(inner, trigger, &path.key(key).index(index), scope, cx);
            }
        }
        ConditionConfig::Not { not } => check_condition(not, trigger, &path.key("not"), scope, cx),
        ConditionConfig::Compare { left, operator, right } => {
            check_json_templates(left, &path.key("left"), scope, cx);
            if let Some(right) = right {
                check_json_templates(right, &path.key("right"), scope, cx);
            }
            match (operator.is_unary(), right.is_some()) {
                (true, true) => cx.report(
                    path.key("right"),
                    IssueCode::OptionNotAllowed,
                    "this operator compares `left` only".to_owned(),
                ),
                (false, false) => cx.report(
                    path.key("right"),
                    IssueCode::MissingKey,
                    "this operator needs `right`".to_owned(),
                ),
                _ => {}
            }
            if *operator == crate::config::ConditionOperator::Changed
                && !matches!(trigger, TriggerConfig::RecordUpdated { .. })
            {
                let message = "`changed` applies to record-updated triggers only".to_owned();
                cx.report(path.key("operator"), IssueCode::InvalidValue, message);
            }
        }
    }
}

fn check_actions<'c>(
    actions: &'c [ActionConfig],
    trigger: &TriggerConfig,
    path: &ConfigPath,
    scope: &mut TemplateScope<'c>,
    names: &mut UniqueIn<String>,
    cx: &mut CheckContext<'c>,
) {
    for (index, action) in actions.iter().enumerate() {
        let action_path = if action.name().is_empty() { path.index(index) } else { path.item(action.name()) };
        check_slug(action.name(), "action", &action_path.key("name"), cx);
        names.check(&action.name().to_owned(), &action_path.key("name"), cx);
        check_action(action, trigger, &action_path, scope, names, cx);
        if let Some(steps) = scope.earlier_steps.as_mut() {
            steps.push(action.name().to_owned());
        }
    }
}

fn check_action<'c>(
    action: &'c ActionConfig,
    trigger: &TriggerConfig,
    path: &ConfigPath,
    scope: &mut TemplateScope<'c>,
    names: &mut UniqueIn<String>,
    cx: &mut CheckContext<'c>,
) {
    match action {
        ActionConfig::SendEmail(email) => {
            if let Some(name) = &email.connection {
                cx.require_connection(
                    name,
                    &path.key("connection"),
                    "a mail (smtp, resend, sendgrid, postmark)",
                    ConnectionConfig::sends_email,
                );
            }
            let recipients =
                [("to", Some(&email.to)), ("cc", email.cc.as_ref()), ("bcc", email.bcc.as_ref())];
            for (key, list) in recipients {
                for (index, recipient) in list.into_iter().flat_map(|list| list.iter()).enumerate() {
                    let recipient_path = if matches!(list, Some(crate::config::Recipients::Many(_))) {
                        path.key(key).index(index)
                    } else {
                        path.key(key)
                    };
                    check_template(recipient, &recipient_path, scope, cx);
                }
            }
            check_template(&email.subject, &path.key("subject"), scope, cx);
            for (key, body) in [("text", &email.text), ("html", &email.html)] {
                if let Some(body) = body {
                    check_template(body, &path.key(key), scope, cx);
                }
            }
            if email.text.is_none() && email.html.is_none() {
                cx.report(
                    path.key("text"),
                    IssueCode::MissingOption,
                    "an email needs `text`, `html` or both".to_owned(),
                );
            }
        }
        ActionConfig::CreateRecord(create) => {
            if let Some(table) = cx.require_table(&create.table, &path.key("table")) {
                check_record_fields(table, create.fields.iter(), &path.key("fields"), scope, cx);
                for field in table.fields.iter().filter(|field| field.required && field.default.is_none()) {
                    if !create.fields.contains_key(&field.name)
                        && field.field_type != crate::config::FieldType::Checkbox
                    {
                        let message =
                            format!("required field `{}` of table `{}` is not set", field.name, table.name);
                        cx.report(path.key("fields"), IssueCode::MissingRequiredInput, message);
                    }
                }
            }
        }
        ActionConfig::UpdateRecord(update) => {
            check_json_templates(&update.id, &path.key("id"), scope, cx);
            if let Some(table) = cx.require_table(&update.table, &path.key("table")) {
                check_record_fields(table, update.fields.iter(), &path.key("fields"), scope, cx);
            }
        }
        ActionConfig::DeleteRecord(delete) => {
            check_json_templates(&delete.id, &path.key("id"), scope, cx);
            cx.require_table(&delete.table, &path.key("table"));
        }
        ActionConfig::HttpRequest(request) => {
            if let Some(name) = &request.connection {
                let fits = |found: &ConnectionConfig| {
                    matches!(
                        found,
                        ConnectionConfig::Http(_) | ConnectionConfig::Oauth(_) | ConnectionConfig::Stripe(_)
                    )
                };
                cx.require_connection(name, &path.key("connection"), "an http, oauth or stripe", fits);
            } else if !request.url.contains("{{")
                && url::Url::parse(&request.url).map_or(true, |url| !matches!(url.scheme(), "http" | "https"))
            {
                let message = format!(
                    "`{}` is not an absolute http(s) URL (a relative URL needs a `connection` with a baseUrl)",
                    request.url
                );
                cx.report(path.key("url"), IssueCode::InvalidUrl, message);
            }
            check_template(&request.url, &path.key("url"), scope, cx);
            for (key, map) in [("headers", &request.headers), ("query", &request.query)] {
                for (name, value) in map.iter().flatten() {
                    check_template(value, &path.key(key).key(name), scope, cx);
                }
            }
            if let Some(body) = &request.body {
                check_json_templates(body, &path.key("body"), scope, cx);
            }
        }
        ActionConfig::Branch(branch) => {
            check_condition(&branch.condition, trigger, &path.key("if"), scope, cx);
            if branch.then_actions.is_empty() && branch.else_actions.is_empty() {
                cx.report(
                    path.key("then"),
                    IssueCode::TooFewItems,
                    "a branch needs actions in `then` or `else`".to_owned(),
                );
            }
            check_actions(&branch.then_actions, trigger, &path.key("then"), scope, names, cx);
            check_actions(&branch.else_actions, trigger, &path.key("else"), scope, names, cx);
        }
        ActionConfig::Delay(delay) => {
            parse_duration(&delay.duration, &path.key("duration"), cx);
        }
        ActionConfig::Custom(custom) => {
            if custom.action.trim().is_empty() {
                cx.report(
                    path.key("action"),
                    IssueCode::InvalidLength,
                    "name the action the host registered".to_owned(),
                );
            }
            if let Some(input) = &custom.input {
                check_json_templates(input, &path.key("input"), scope, cx);
            }
        }
    }
}

fn check_record_fields<'c, 'v>(
    table: &'c TableConfig,
    fields: impl Iterator<Item = (&'v String, &'v serde_json::Value)>,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'c>,
) {
    for (name, value) in fields {
        let field_path = path.key(name);
        if is_system_field(name) {
            let message = format!("`{name}` is set by the engine and cannot be written");
            cx.report(field_path, IssueCode::ReservedName, message);
            continue;
        }
        cx.require_field(table, name, &field_path);
        check_json_templates(value, &field_path, scope, cx);
    }
}

/// Parses a duration such as `1s`, `10m`, `2h 30m` or `1d`.
pub(crate) fn parse_duration(text: &str, path: &ConfigPath, cx: &mut CheckContext<'_>) -> Option<Duration> {
    match humantime::parse_duration(text) {
        Ok(duration) if !duration.is_zero() => Some(duration),
        _ => {
            let message = format!("`{text}` is not a duration such as 30s, 10m, 2h or 1d");
            cx.report(path.clone(), IssueCode::InvalidDuration, message);
            None
        }
    }
}

pub(crate) fn check_retry(retry: &RetryConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    let max_attempts = match retry.max_attempts {
        Some(attempts) if attempts == 0 || attempts > MAX_ATTEMPTS => {
            let message = format!("maxAttempts {attempts} is out of range 1..={MAX_ATTEMPTS}");
            cx.report(path.key("maxAttempts"), IssueCode::OutOfRange, message);
            defaults.max_attempts
        }
        Some(attempts) => attempts,
        None => defaults.max_attempts,
    };
    let initial_delay =
        retry.initial_delay.as_deref().and_then(|text| parse_duration(text, &path.key("initialDelay"), cx));
    let max_delay =
        retry.max_delay.as_deref().and_then(|text| parse_duration(text, &path.key("maxDelay"), cx));
    if let (Some(initial), Some(max)) = (initial_delay, max_delay)
        && initial > max
    {
        let message = "initialDelay is longer than maxDelay".to_owned();
        cx.report(path.key("initialDelay"), IssueCode::MinGreaterThanMax, message);
    }
    RetryPolicy {
        max_attempts,
        backoff: retry.backoff,
        initial_delay: initial_delay.unwrap_or(defaults.initial_delay),
        max_delay: max_delay.or(defaults.max_delay),
    }
}
