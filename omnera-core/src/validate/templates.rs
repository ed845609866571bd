//! Handlebars templates: they must parse, and every variable must name a known namespace,
//! an earlier step, a field of the trigger's table or an input of the form.

use handlebars::Path;
use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};

use super::context::CheckContext;
use super::names::is_system_field;
use super::suggest::did_you_mean;
use super::{ConfigPath, IssueCode};
use crate::config::TableConfig;

/// What a template may refer to where it is written.
#[derive(Debug, Clone, Default)]
pub(crate) struct TemplateScope<'c> {
    /// The keys of `trigger` (`record`, `previous`, `body`, ...); `None`: no `trigger` here.
    pub(crate) trigger_keys: Option<Vec<&'static str>>,
    /// The table whose fields `trigger.record` and `trigger.previous` hold.
    pub(crate) record_table: Option<&'c TableConfig>,
    /// The inputs that `trigger.form` (automations) or `form` (form emails) holds.
    pub(crate) form_inputs: Option<Vec<String>>,
    /// Whether `form` is a namespace of its own (form emails) rather than `trigger.form`.
    pub(crate) form_at_root: bool,
    /// The actions that ran before this one; `None`: no `steps` here.
    pub(crate) earlier_steps: Option<Vec<String>>,
}

/// Checks a template; reports where it fails to parse or names something unknown.
pub(crate) fn check_template(
    text: &str,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    match Template::compile(text) {
        Ok(template) => check_elements(&template, path, scope, cx),
        Err(error) => {
            let reason = error.reason().to_string();
            // The grammar's list of expected tokens helps no one; keep the sentence before it.
            let reason = reason.split_once(": expected").map_or(reason.as_str(), |(sentence, _)| sentence);
            let at = error
                .pos()
                .map(|(line, column)| format!(" at line {line}, column {column}"))
                .unwrap_or_default();
            cx.report(
                path.clone(),
                IssueCode::InvalidTemplate,
                format!("the template does not parse{at}: {reason}"),
            );
        }
    }
}

/// Checks every string inside a JSON value as a template.
pub(crate) fn check_json_templates(
    value: &serde_json::Value,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    match value {
        serde_json::Value::String(text) => check_template(text, path, scope, cx),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_json_templates(item, &path.index(index), scope, cx);
            }
        }
        serde_json::Value::Object(entries) => {
            for (key, item) in entries {
                check_json_templates(item, &path.key(key), scope, cx);
            }
        }
        _ => {}
    }
}

fn check_elements(
    template: &Template,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    for element in &template.elements {
        match element {
            TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => {
                check_helper(helper, path, scope, cx);
            }
            TemplateElement::HelperBlock(helper) => {
                check_helper(helper, path, scope, cx);
                // `each` and `with` change the context: names inside are relative to the item.
                let keeps_context =
                    matches!(&helper.name, Parameter::Name(name) if name == "if" || name == "unless");
                if keeps_context {
                    for inner in helper.template.iter().chain(helper.inverse.iter()) {
                        check_elements(inner, path, scope, cx);
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_helper(
    helper: &HelperTemplate,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    let is_plain_variable = helper.params.is_empty() && helper.hash.is_empty() && !helper.block;
    if is_plain_variable {
        check_parameter(&helper.name, path, scope, cx);
    }
    for parameter in helper.params.iter().chain(helper.hash.values()) {
        check_parameter(parameter, path, scope, cx);
    }
}

fn check_parameter(
    parameter: &Parameter,
    path: &ConfigPath,
    scope: &TemplateScope<'_>,
    cx: &mut CheckContext<'_>,
) {
    match parameter {
        Parameter::Name(name) => check_variable(name, path, scope, cx),
        Parameter::Path(Path::Relative((_, raw))) => check_variable(raw, path, scope, cx),
        Parameter::Subexpression(subexpression) => {
            if let TemplateElement::Expression(helper) = subexpression.element.as_ref() {
                for parameter in &helper.params {
                    check_parameter(parameter, path, scope, cx);
                }
            }
        }
        _ => {}
    }
}

fn check_variable(raw: &str, path: &ConfigPath, scope: &TemplateScope<'_>, cx: &mut CheckContext<'_>) {
    let segments: Vec<&str> = raw.split(['.', '/']).filter(|segment| !segment.is_empty()).collect();
    let Some((&root, rest)) = segments.split_first() else { return };
    if root == "this" || root == ".." || root.starts_with('@') || root.starts_with('[') {
        return;
    }
    let problem = match root {
        "trigger" if scope.trigger_keys.is_some() => trigger_problem(rest, scope, cx),
        "steps" if scope.earlier_steps.is_some() => steps_problem(rest, scope),
        "form" if scope.form_at_root => inputs_problem(rest.first().copied(), scope, "form"),
        "app" => member_problem(rest.first().copied(), &["name", "description", "version"], "app"),
        "now" => (!rest.is_empty()).then(|| "`now` has no members".to_owned()),
        "env" => rest.is_empty().then(|| "write `env.NAME` to read an environment variable".to_owned()),
        _ => {
            let roots = namespaces(scope);
            let suggestion = did_you_mean(root, roots.iter().copied());
            Some(format!(
                "`{root}` is not known here{suggestion}; templates here can use {}",
                roots.join(", ")
            ))
        }
    };
    if let Some(problem) = problem {
        cx.report(path.clone(), IssueCode::UnknownTemplateVariable, format!("in `{{{{{raw}}}}}`: {problem}"));
    }
}

fn namespaces(scope: &TemplateScope<'_>) -> Vec<&'static str> {
    let mut roots = Vec::new();
    if scope.trigger_keys.is_some() {
        roots.push("trigger");
    }
    if scope.earlier_steps.is_some() {
        roots.push("steps");
    }
    if scope.form_at_root {
        roots.push("form");
    }
    roots.extend(["app", "now", "env"]);
    roots
}

fn trigger_problem(rest: &[&str], scope: &TemplateScope<'_>, cx: &CheckContext<'_>) -> Option<String> {
    let keys = scope.trigger_keys.as_deref().unwrap_or_default();
    let (&key, members) = rest.split_first()?;
    if !keys.contains(&key) {
        return Some(format!(
            "this trigger has no `{key}`{}; it has {}",
            did_you_mean(key, keys.iter().copied()),
            keys.join(", ")
        ));
    }
    match key {
        "record" | "previous" => {
            let table = scope.record_table?;
            let field = *members.first()?;
            let exists = is_system_field(field) || cx.field_declared(&table.name, field);
            (!exists).then(|| {
                let known = table.fields.iter().map(|candidate| candidate.name.as_str());
                format!("table `{}` has no field `{field}`{}", table.name, did_you_mean(field, known))
            })
        }
        "form" => inputs_problem(members.first().copied(), scope, "the form"),
        _ => None,
    }
}

fn inputs_problem(input: Option<&str>, scope: &TemplateScope<'_>, owner: &str) -> Option<String> {
    let input = input?;
    let inputs = scope.form_inputs.as_ref()?;
    (!inputs.iter().any(|known| known == input)).then(|| {
        format!("{owner} has no input `{input}`{}", did_you_mean(input, inputs.iter().map(String::as_str)))
    })
}

fn steps_problem(rest: &[&str], scope: &TemplateScope<'_>) -> Option<String> {
    let earlier = scope.earlier_steps.as_deref().unwrap_or_default();
    let step = *rest.first()?;
    if !earlier.iter().any(|name| name == step) {
        let suggestion = did_you_mean(step, earlier.iter().map(String::as_str));
        return Some(format!("no earlier step is named `{step}`{suggestion}"));
    }
    member_problem(rest.get(1).copied(), &["output", "status", "error"], "a step")
}

fn member_problem(member: Option<&str>, members: &[&str], owner: &str) -> Option<String> {
    let member = member?;
    (!members.contains(&member)).then(|| {
        format!(
            "{owner} has no `{member}`{}; it has {}",
            did_you_mean(member, members.iter().copied()),
            members.join(", ")
        )
    })
}
