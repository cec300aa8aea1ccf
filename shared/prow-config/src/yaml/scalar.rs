//! Plain scalars resolved as Go's YAML reader resolves them (gopkg.in/yaml.v2, which Prow reads
//! its configuration with through sigs.k8s.io/yaml): YAML 1.1 booleans (`yes`, `on`, `n`...),
//! integers in any base Go's `ParseInt` takes, floats and nulls; and the text those values become
//! when a field wants text, as sigs.k8s.io/yaml converts them. A timestamp stays text: yaml.v2
//! keeps it as its string when reading into generic values, as upstream does.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A resolved scalar.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    /// The same scalar, holding its own text.
    pub(crate) fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::Uint(u) => Scalar::Uint(u),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Str(text) => Scalar::Str(Cow::Owned(text.into_owned())),
        }
    }
}

/// Resolves a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(text: Cow<'_, str>) -> Scalar<'_> {
    let Some(&first) = text.as_bytes().first() else {
        return Scalar::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            keyword(&text).unwrap_or(Scalar::Str(text))
        }
        b'.' => match keyword(&text).or_else(|| go_parse_float(&text).map(Scalar::Float)) {
            Some(scalar) => scalar,
            None => Scalar::Str(text),
        },
        b'+' | b'-' | b'0'..=b'9' => match keyword(&text).or_else(|| number(&text)) {
            Some(scalar) => scalar,
            None => Scalar::Str(text),
        },
        _ => Scalar::Str(text),
    }
}

fn keyword(text: &str) -> Option<Scalar<'static>> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

fn number(text: &str) -> Option<Scalar<'static>> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(value) = go_parse_int(&plain) {
        return Some(value);
    }
    if yaml_style_float(&plain) {
        return plain.parse::<f64>().ok().map(Scalar::Float);
    }
    let (negative, digits) = match plain.strip_prefix("-0b") {
        Some(digits) => (true, digits),
        None => (false, plain.strip_prefix("0b")?),
    };
    let magnitude = u64::from_str_radix(digits, 2).ok()?;
    Some(if negative {
        Scalar::Int(0i64.checked_sub_unsigned(magnitude)?)
    } else {
        i64::try_from(magnitude).map_or(Scalar::Uint(magnitude), Scalar::Int)
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: a sign, then `0x`, `0o`, `0b` or a
/// leading `0` (octal) choose the base.
fn go_parse_int(text: &str) -> Option<Scalar<'static>> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, d)
    } else if rest.len() > 1 && rest.starts_with('0') {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude).map(Scalar::Int)
    } else {
        Some(i64::try_from(magnitude).map_or(Scalar::Uint(magnitude), Scalar::Int))
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, the shape Go's reader accepts as a float.
fn yaml_style_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the text a `.` starts (`.5`, `.5e3`).
fn go_parse_float(text: &str) -> Option<f64> {
    yaml_style_float(text).then(|| text.parse().ok()).flatten()
}

/// The text a scalar becomes where a field wants text (sigs.k8s.io/yaml): integers in decimal,
/// floats as Go's `FormatFloat(f, 'g', -1, 32)`, booleans as `true`/`false`. `None` for null,
/// which leaves the field empty.
pub(crate) fn as_text<'s>(scalar: &'s Scalar<'_>) -> Option<Cow<'s, str>> {
    Some(match scalar {
        Scalar::Null => return None,
        Scalar::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Scalar::Int(i) => Cow::Owned(i.to_string()),
        Scalar::Uint(u) => Cow::Owned(u.to_string()),
        Scalar::Float(f) => Cow::Owned(go_float32_text(*f)),
        Scalar::Str(t) => Cow::Borrowed(t.as_ref()),
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that read back as the same
/// 32-bit float, in exponent form when the exponent is below -4 or at least 6 (so `1.10` is
/// `1.1` and `1e6` is `1e+06`).
pub(crate) fn go_float32_text(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "Go formats the value as a 32-bit float"
    )]
    let single = value as f32;
    if single.is_infinite() {
        return if single > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if single == 0.0 {
        return if single.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let scientific = format!("{single:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.abs());
    } else if exponent < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(usize::try_from(-exponent - 1).unwrap_or(0)));
        out.push_str(&digits);
    } else {
        let point = usize::try_from(exponent + 1).unwrap_or(1);
        if digits.len() <= point {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_go_yaml_v2_resolves_them() {
        use Scalar::*;
        let table: &[(&str, Scalar<'static>)] = &[
            ("", Null),
            ("~", Null),
            ("null", Null),
            ("NULL", Null),
            ("nil", Str(Cow::Borrowed("nil"))),
            ("yes", Bool(true)),
            ("Y", Bool(true)),
            ("on", Bool(true)),
            ("OFF", Bool(false)),
            ("n", Bool(false)),
            ("True", Bool(true)),
            ("tRUE", Str(Cow::Borrowed("tRUE"))),
            ("42", Int(42)),
            ("-42", Int(-42)),
            ("+7", Int(7)),
            ("0777", Int(511)),
            ("0o17", Int(15)),
            ("0x1F", Int(31)),
            ("0b101", Int(5)),
            ("-0b11", Int(-3)),
            ("1_000", Int(1000)),
            ("09", Float(9.0)),
            ("18446744073709551615", Uint(u64::MAX)),
            ("1.5", Float(1.5)),
            ("1.", Float(1.0)),
            (".5", Float(0.5)),
            ("1e3", Float(1000.0)),
            ("-1.5E-2", Float(-0.015)),
            ("1.2.3", Str(Cow::Borrowed("1.2.3"))),
            (".", Str(Cow::Borrowed("."))),
            ("+", Str(Cow::Borrowed("+"))),
            ("-", Str(Cow::Borrowed("-"))),
            ("nan", Str(Cow::Borrowed("nan"))),
            ("inf", Str(Cow::Borrowed("inf"))),
            ("10Gi", Str(Cow::Borrowed("10Gi"))),
            ("1h30m", Str(Cow::Borrowed("1h30m"))),
            ("2024-01-02", Str(Cow::Borrowed("2024-01-02"))),
            (
                "2024-01-02T03:04:05Z",
                Str(Cow::Borrowed("2024-01-02T03:04:05Z")),
            ),
            ("v1.2", Str(Cow::Borrowed("v1.2"))),
        ];
        for (text, expected) in table {
            assert_eq!(&resolve_plain(Cow::Borrowed(text)), expected, "{text:?}");
        }
        assert!(matches!(resolve_plain(Cow::Borrowed(".nan")), Float(f) if f.is_nan()));
        assert_eq!(
            resolve_plain(Cow::Borrowed("-.inf")),
            Float(f64::NEG_INFINITY)
        );
    }

    #[test]
    fn scalars_become_the_text_sigs_yaml_gives_a_string_field() {
        let table: &[(Scalar<'static>, Option<&str>)] = &[
            (Scalar::Null, None),
            (Scalar::Bool(true), Some("true")),
            (Scalar::Int(511), Some("511")),
            (Scalar::Uint(u64::MAX), Some("18446744073709551615")),
            (Scalar::Float(1.10), Some("1.1")),
            (Scalar::Float(1.0), Some("1")),
            (Scalar::Float(1.234_567_89), Some("1.2345679")),
            (Scalar::Float(1e6), Some("1e+06")),
            (Scalar::Float(123_456.0), Some("123456")),
            (Scalar::Float(1_234_567.0), Some("1.234567e+06")),
            (Scalar::Float(0.0001), Some("0.0001")),
            (Scalar::Float(0.000_01), Some("1e-05")),
            (Scalar::Float(-2.5), Some("-2.5")),
            (Scalar::Float(1e20), Some("1e+20")),
            (Scalar::Float(f64::INFINITY), Some("+Inf")),
        ];
        for (scalar, expected) in table {
            assert_eq!(as_text(scalar).as_deref(), *expected, "{scalar:?}");
        }
    }
}
