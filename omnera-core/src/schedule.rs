//! Cron schedules as the config writes them: 5 fields (`min hour day month weekday`), or 6 with
//! seconds first, weekdays numbered as in Unix cron (0 or 7 is Sunday) or named (`MON-FRI`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A parsed cron schedule in a time zone.
///
/// ```
/// use omnera_core::CronSchedule;
///
/// let weekdays_at_nine = CronSchedule::parse("0 9 * * 1-5", chrono_tz::Europe::Paris).unwrap();
/// let monday = chrono::DateTime::parse_from_rfc3339("2024-05-06T06:00:00Z").unwrap().to_utc();
/// let next = weekdays_at_nine.next_after(monday).unwrap();
/// assert_eq!(next.to_rfc3339(), "2024-05-06T07:00:00+00:00"); // 09:00 in Paris
/// assert!(CronSchedule::parse("0 25 * * *", chrono_tz::UTC).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expression: String,
    schedule: cron::Schedule,
    timezone: Tz,
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.timezone == other.timezone
    }
}

impl CronSchedule {
    /// Parses a 5- or 6-field expression read in `timezone`; the error says what is wrong.
    pub fn parse(expression: &str, timezone: Tz) -> Result<Self, String> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            count => {
                return Err(format!("a cron expression has 5 fields (or 6 with seconds first), not {count}"));
            }
        };
        let weekday = unix_weekdays_to_names(rest[4])?;
        let full = [seconds, rest[0], rest[1], rest[2], rest[3], &weekday];
        let schedule = cron::Schedule::from_str(&full.join(" "))
            .map_err(|error| explain_refusal(&full, &fields, &error))?;
        Ok(Self { expression: expression.to_owned(), schedule, timezone })
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The zone the expression is read in.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The first fire time strictly after `moment`.
    pub fn next_after(&self, moment: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = moment.with_timezone(&self.timezone);
        self.schedule.after(&local).next().map(|next| next.with_timezone(&Utc))
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The six fields the cron crate reads, with the values each takes.
const FIELDS: [(&str, &str); 6] = [
    ("second", "0 to 59"),
    ("minute", "0 to 59"),
    ("hour", "0 to 23"),
    ("day-of-month", "1 to 31"),
    ("month", "1 to 12 or JAN to DEC"),
    ("weekday", "0 to 7 (0 and 7 are Sunday) or SUN to SAT"),
];

/// Says in one line why the cron crate refused `full` (the six fields it read), naming the field
/// as the user wrote it in `written`. The crate's own text spans three lines (the expression it
/// read, a caret, the cause) and shows the rewritten expression, so it is used only as a last
/// resort, reduced to its cause.
fn explain_refusal(full: &[&str; 6], written: &[&str], error: &cron::error::Error) -> String {
    let skipped = full.len() - written.len();
    for (index, (name, values)) in FIELDS.iter().enumerate() {
        let alone: Vec<&str> =
            full.iter().enumerate().map(|(at, field)| if at == index { *field } else { "*" }).collect();
        if cron::Schedule::from_str(&alone.join(" ")).is_err() {
            let shown = index.checked_sub(skipped).and_then(|at| written.get(at)).unwrap_or(&full[index]);
            return format!("the {name} field `{shown}` is not valid: it takes {values}");
        }
    }
    let text = error.to_string();
    let cause = text
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.chars().all(|c| c == '^'))
        .collect::<Vec<_>>()
        .join(" ");
    if cause.is_empty() {
        "not a valid cron expression".to_owned()
    } else {
        format!("not a valid cron expression: {cause}")
    }
}

/// Rewrites Unix weekday numbers (0-7, Sunday is 0 and 7) as names, which the cron crate reads
/// unambiguously (it numbers Sunday 1).
fn unix_weekdays_to_names(field: &str) -> Result<String, String> {
    let name = |number: &str| -> Result<&'static str, String> {
        match number.parse::<usize>() {
            Ok(day @ 0..=7) => Ok(WEEKDAYS[day % 7]),
            Ok(_) => Err(format!("weekday {number} is out of range 0-7")),
            Err(_) => Err(format!("`{number}` is not a weekday")),
        }
    };
    let is_number = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit()) && !part.is_empty();
    let mut items = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let rewritten = match range.split_once('-') {
            Some((from, to)) if is_number(from) && is_number(to) => {
                if to == "7" && from != "0" && from != "7" {
                    items.push("Sun".to_owned());
                    format!("{}-Sat", name(from)?)
                } else {
                    format!("{}-{}", name(from)?, name(to)?)
                }
            }
            None if is_number(range) => name(range)?.to_owned(),
            _ => range.to_owned(),
        };
        items.push(match step {
            Some(step) => format!("{rewritten}/{step}"),
            None => rewritten,
        });
    }
    Ok(items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(expression: &str, after: &str) -> String {
        let schedule = CronSchedule::parse(expression, Tz::UTC).unwrap();
        let after = DateTime::parse_from_rfc3339(after).unwrap().to_utc();
        schedule.next_after(after).unwrap().to_rfc3339()
    }

    #[test]
    fn reads_weekdays_as_unix_cron_does() {
        // 2024-05-04 is a Saturday.
        assert_eq!(next("0 9 * * 0", "2024-05-04T00:00:00Z"), "2024-05-05T09:00:00+00:00");
        assert_eq!(next("0 9 * * 7", "2024-05-04T00:00:00Z"), "2024-05-05T09:00:00+00:00");
        assert_eq!(next("0 9 * * 1-5", "2024-05-04T00:00:00Z"), "2024-05-06T09:00:00+00:00");
        assert_eq!(next("0 9 * * 6-7", "2024-05-04T10:00:00Z"), "2024-05-05T09:00:00+00:00");
        assert_eq!(next("30 0 9 * * MON", "2024-05-04T00:00:00Z"), "2024-05-06T09:00:30+00:00");
    }

    #[test]
    fn refuses_malformed_expressions() {
        for bad in ["* * * *", "61 * * * *", "0 9 * * 8", "0 0 9 * * * * *", "every day"] {
            assert!(CronSchedule::parse(bad, Tz::UTC).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refusal_is_one_line_naming_the_field_as_written() {
        let refusal = |expression: &str| CronSchedule::parse(expression, Tz::UTC).unwrap_err();
        assert_eq!(refusal("0 25 * * *"), "the hour field `25` is not valid: it takes 0 to 23");
        assert_eq!(refusal("61 * * * *"), "the minute field `61` is not valid: it takes 0 to 59");
        assert_eq!(
            refusal("0 0 1 13 *"),
            "the month field `13` is not valid: it takes 1 to 12 or JAN to DEC"
        );
        assert_eq!(refusal("75 0 9 * * *"), "the second field `75` is not valid: it takes 0 to 59");
        assert_eq!(
            refusal("0 9 * * MON-FRY"),
            "the weekday field `MON-FRY` is not valid: it takes 0 to 7 (0 and 7 are Sunday) or SUN to SAT"
        );
        for bad in ["a b c d e", "*/0 * * * *", "0 9 1-40 * *", "0 9 * * MON,,FRI"] {
            let message = refusal(bad);
            assert!(!message.contains('\n'), "{bad}: {message}");
        }
    }
}
