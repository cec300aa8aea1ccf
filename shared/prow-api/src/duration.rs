//! Go-style durations (`"2h"`, `"1h30m"`, `"15s"`, `"1.5h"`), as upstream's config and ProwJobs
//! write them. Upstream also accepts a bare integer of nanoseconds; so does this type.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// A duration written the way Go's `time.ParseDuration` reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub std::time::Duration);

/// Why a duration string did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationParseError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for DurationParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid duration {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for DurationParseError {}

impl Duration {
    pub const fn from_secs(secs: u64) -> Self {
        Duration(std::time::Duration::from_secs(secs))
    }

    pub fn as_std(self) -> std::time::Duration {
        self.0
    }
}

const UNITS: [(&str, f64); 8] = [
    ("ns", 1.0),
    ("us", 1e3),
    ("µs", 1e3),
    ("μs", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
    ("m", 60e9),
    ("h", 3600e9),
];

impl FromStr for Duration {
    type Err = DurationParseError;

    /// Parses as Go's `time.ParseDuration`: a sequence of decimal numbers each with a unit, for
    /// example `"300ms"`, `"1.5h"` or `"2h45m"`; `"0"` alone needs no unit. Negative durations are
    /// rejected: nothing in Prow's configuration means a negative time.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| DurationParseError {
            input: input.to_string(),
            reason,
        };
        let mut rest = input.strip_prefix('+').unwrap_or(input);
        if rest.starts_with('-') {
            return Err(error("negative durations are not allowed"));
        }
        if rest == "0" {
            return Ok(Duration::default());
        }
        if rest.is_empty() {
            return Err(error("empty"));
        }
        let mut total_nanos = 0f64;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(number_len);
            if number.is_empty() || number == "." {
                return Err(error("expected a number"));
            }
            let value: f64 = number.parse().map_err(|_| error("malformed number"))?;
            let unit_len = after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len());
            let (unit, remaining) = after.split_at(unit_len);
            if unit.is_empty() {
                return Err(error("missing unit"));
            }
            let scale = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(|| error("unknown unit"))?;
            total_nanos += value * scale;
            rest = remaining;
        }
        if !total_nanos.is_finite() || total_nanos > u64::MAX as f64 {
            return Err(error("out of range"));
        }
        Ok(Duration(std::time::Duration::from_nanos(
            total_nanos as u64,
        )))
    }
}

impl fmt::Display for Duration {
    /// Writes as Go's `Duration.String()`: `"2h0m0s"`, `"1m30s"`, `"1.5s"`, `"300ms"`, `"0s"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return f.write_str("0s");
        }
        if nanos < 1_000_000_000 {
            let (value, unit) = if nanos < 1_000 {
                (nanos as f64, "ns")
            } else if nanos < 1_000_000 {
                (nanos as f64 / 1e3, "µs")
            } else {
                (nanos as f64 / 1e6, "ms")
            };
            return write!(f, "{value}{unit}");
        }
        let total_secs = self.0.as_secs();
        let hours = total_secs / 3600;
        let minutes = (total_secs % 3600) / 60;
        let secs = total_secs % 60;
        let frac = self.0.subsec_nanos();
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if hours > 0 || minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        if frac == 0 {
            write!(f, "{secs}s")
        } else {
            let fraction = format!("{:09}", frac);
            write!(f, "{secs}.{}s", fraction.trim_end_matches('0'))
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl de::Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"1h30m\" or an integer number of nanoseconds")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Duration, E> {
                value.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, nanos: u64) -> Result<Duration, E> {
                Ok(Duration(std::time::Duration::from_nanos(nanos)))
            }
            fn visit_i64<E: de::Error>(self, nanos: i64) -> Result<Duration, E> {
                u64::try_from(nanos)
                    .map(|n| Duration(std::time::Duration::from_nanos(n)))
                    .map_err(|_| E::custom("negative durations are not allowed"))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Written as a Go duration string in schemas (CRDs) too.
impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string"})
    }

    fn inline_schema() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_duration_strings() {
        let cases = [
            ("0", 0),
            ("2h", 7_200_000_000_000),
            ("15m", 900_000_000_000),
            ("1h30m", 5_400_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("300ms", 300_000_000),
            ("10us", 10_000),
            ("45s", 45_000_000_000),
            ("48h", 172_800_000_000_000),
        ];
        for (input, nanos) in cases {
            let parsed: Duration = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.0.as_nanos(), nanos, "{input}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for input in ["", "5", "h", "1x", "-5m", "1h-5m", "."] {
            assert!(input.parse::<Duration>().is_err(), "{input:?} should fail");
        }
    }

    #[test]
    fn writes_like_go() {
        let cases = [
            (0, "0s"),
            (7_200_000_000_000, "2h0m0s"),
            (90_000_000_000, "1m30s"),
            (1_500_000_000, "1.5s"),
            (300_000_000, "300ms"),
        ];
        for (nanos, text) in cases {
            assert_eq!(
                Duration(std::time::Duration::from_nanos(nanos)).to_string(),
                text
            );
        }
    }

    #[test]
    fn reads_strings_and_nanosecond_integers_from_json() {
        let parsed: Vec<Duration> = serde_json::from_str(r#"["2h", 1000000000]"#).unwrap();
        assert_eq!(parsed, [Duration::from_secs(7200), Duration::from_secs(1)]);
    }
}
