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
        let full = format!("{seconds} {} {} {} {} {weekday}", rest[0], rest[1], rest[2], rest[3]);
        let schedule = cron::Schedule::from_str(&full)
            .map_err(|error| format!("not a valid cron expression: {error}"))?;
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
}
