//! Periodic schedules as upstream reads them (robfig/cron with optional seconds and descriptors,
//! evaluated in UTC), and `@every <duration>`, which no cron crate reads and Prow allows.

use prow_api::Duration;

/// A parsed `cron:` value of a periodic.
#[derive(Clone, Debug)]
pub enum CronSchedule {
    /// Five fields, or six with seconds first, or a descriptor such as `@daily`.
    Cron(Box<croner::Cron>),
    /// `@every 1h30m`: runs at once, then at that interval.
    Every(Duration),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron string {expression:?}: {reason}")]
pub struct ScheduleError {
    pub expression: String,
    pub reason: String,
}

impl CronSchedule {
    pub fn parse(expression: &str) -> Result<CronSchedule, ScheduleError> {
        let error = |reason: String| ScheduleError {
            expression: expression.to_string(),
            reason,
        };
        let trimmed = expression.trim();
        if let Some(every) = trimmed.strip_prefix("@every") {
            let duration: Duration = every.trim().parse().map_err(|e| error(format!("{e}")))?;
            if duration.0.is_zero() {
                return Err(error("@every needs a positive duration".to_string()));
            }
            return Ok(CronSchedule::Every(duration));
        }
        let fields = trimmed.split_whitespace().count();
        if !trimmed.starts_with('@') && !(5..=6).contains(&fields) {
            return Err(error(format!("expected 5 or 6 fields, found {fields}")));
        }
        let normalized = if trimmed.starts_with('@') {
            trimmed.to_string()
        } else {
            expand_single_number_steps(trimmed, fields)
        };
        croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .year(croner::parser::Year::Disallowed)
            .build()
            .parse(&normalized)
            .map(|cron| CronSchedule::Cron(Box::new(cron)))
            .map_err(|e| error(e.to_string()))
    }
}

/// robfig reads `5/15` as "from 5 to the field's maximum, every 15"; croner wants that spelled
/// `5-59/15`.
fn expand_single_number_steps(expression: &str, fields: usize) -> String {
    const MAXIMA_FIVE: [u32; 5] = [59, 23, 31, 12, 6];
    const MAXIMA_SIX: [u32; 6] = [59, 59, 23, 31, 12, 6];
    let maxima: &[u32] = if fields == 6 {
        &MAXIMA_SIX
    } else {
        &MAXIMA_FIVE
    };
    expression
        .split_whitespace()
        .zip(maxima)
        .map(|(field, max)| {
            field
                .split(',')
                .map(|part| match part.split_once('/') {
                    Some((start, step))
                        if !start.is_empty() && start.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        format!("{start}-{max}/{step}")
                    }
                    _ => part.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_prow_schedules_use() {
        for expression in [
            "0 */6 * * *",
            "30 2 * * 1-5",
            "0 0 13 * 5",
            "*/10 * * * * *",
            "@hourly",
            "@daily",
            "@weekly",
            "0 8 * * MON",
            "@every 1h30m",
            "0 0/2 * * *",
            "5/15 1,3/4 * * *",
        ] {
            assert!(CronSchedule::parse(expression).is_ok(), "{expression}");
        }
    }

    #[test]
    fn single_number_steps_run_to_the_end_of_the_field_as_robfig() {
        assert_eq!(
            expand_single_number_steps("0 0/2 * * *", 5),
            "0 0-23/2 * * *"
        );
        assert_eq!(
            expand_single_number_steps("5/15 * * * * *", 6),
            "5-59/15 * * * * *"
        );
        assert_eq!(
            expand_single_number_steps("*/5 1-10/2 * * *", 5),
            "*/5 1-10/2 * * *"
        );
    }

    #[test]
    fn rejects_malformed_schedules() {
        for expression in [
            "",
            "* * *",
            "61 * * * *",
            "0 0 * * * * 2030",
            "@sometimes",
            "@every",
            "@every -5m",
        ] {
            assert!(CronSchedule::parse(expression).is_err(), "{expression:?}");
        }
    }
}
