//! The world's clock values: wall-clock timestamps and durations, both written as text in specs.
//!
//! Timestamps use the scenario packs' form `YYYY-MM-DDTHH:MM:SS` (no zone: the fictional world
//! has one). Durations are whole seconds, written as a number (`90`) or with units (`90s`, `2m`,
//! `1h30m`), so a pack can say "each turn takes two minutes" without arithmetic.

use chrono::{NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The text form of every timestamp, in and out.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A point on the world's clock, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(NaiveDateTime);

impl Timestamp {
    /// Parse `YYYY-MM-DDTHH:MM:SS`; the error says what form was expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        NaiveDateTime::parse_from_str(text.trim(), TIMESTAMP_FORMAT)
            .map(Timestamp)
            .map_err(|_| format!("`{text}` is not a timestamp of the form YYYY-MM-DDTHH:MM:SS"))
    }

    /// This timestamp moved forward by `span` (saturating at the calendar's end).
    pub fn plus(self, span: Span) -> Self {
        let seconds = i64::try_from(span.seconds()).unwrap_or(i64::MAX);
        let delta = chrono::TimeDelta::try_seconds(seconds).unwrap_or(chrono::TimeDelta::MAX);
        Timestamp(
            self.0
                .checked_add_signed(delta)
                .unwrap_or(NaiveDateTime::MAX),
        )
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(moment: NaiveDateTime) -> Timestamp {
        // The world counts whole seconds; sub-second parts would not survive the text form.
        Timestamp(moment.with_nanosecond(0).unwrap_or(moment))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(TIMESTAMP_FORMAT))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A length of time on the world's clock, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span(u64);

impl Span {
    /// A span of `seconds` seconds.
    pub const fn from_seconds(seconds: u64) -> Self {
        Span(seconds)
    }

    /// The length in seconds.
    pub const fn seconds(self) -> u64 {
        self.0
    }

    /// Parse `90`, `90s`, `2m`, `1h30m` or `1h 30m 5s`; units may repeat only in h, m, s order.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a duration: write seconds (`90`) or units (`1h30m`, `2m`, `45s`)"
            )
        };
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(bad());
        }
        if compact.chars().all(|c| c.is_ascii_digit()) {
            return compact.parse().map(Span).map_err(|_| bad());
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut last_unit_rank = 0;
        for c in compact.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let (rank, factor) = match c {
                'h' => (1, 3600),
                'm' => (2, 60),
                's' => (3, 1),
                _ => return Err(bad()),
            };
            if digits.is_empty() || rank <= last_unit_rank {
                return Err(bad());
            }
            let amount: u64 = digits.parse().map_err(|_| bad())?;
            total = amount
                .checked_mul(factor)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(bad)?;
            digits.clear();
            last_unit_rank = rank;
        }
        if !digits.is_empty() {
            return Err(bad());
        }
        Ok(Span(total))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than an untagged enum, so the parser keeps the value's position.
        struct SpanVisitor;
        impl serde::de::Visitor<'_> for SpanVisitor {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: seconds (`90`) or units (`1h30m`, `2m`, `45s`)")
            }
            fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<Span, E> {
                Ok(Span(seconds))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Span, E> {
                Span::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SpanVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_parse_in_every_written_form() {
        assert_eq!(Span::parse("90"), Ok(Span(90)));
        assert_eq!(Span::parse("90s"), Ok(Span(90)));
        assert_eq!(Span::parse("2m"), Ok(Span(120)));
        assert_eq!(Span::parse("1h30m"), Ok(Span(5400)));
        assert_eq!(Span::parse("1h 0m 5s"), Ok(Span(3605)));
    }

    #[test]
    fn malformed_spans_are_rejected_with_the_expected_form() {
        for bad in ["", "m", "5x", "2m1h", "3m3m", "10 minutes", "5m3"] {
            let message = Span::parse(bad).unwrap_err();
            assert!(message.contains("not a duration"), "{bad}: {message}");
        }
    }

    #[test]
    fn timestamps_round_trip_and_add_across_midnight() {
        let start = Timestamp::parse("2026-03-11T23:59:30").unwrap();
        assert_eq!(start.plus(Span(45)).to_string(), "2026-03-12T00:00:15");
        assert!(Timestamp::parse("2026-03-11 23:59").is_err());
        let moment =
            NaiveDateTime::parse_from_str("2026-03-11T08:00:01", TIMESTAMP_FORMAT).unwrap();
        assert_eq!(Timestamp::from(moment).to_string(), "2026-03-11T08:00:01");
    }

    proptest! {
        #[test]
        fn written_units_add_up(h in 0u64..100, m in 0u64..60, s in 0u64..60) {
            let text = format!("{h}h{m}m{s}s");
            prop_assert_eq!(Span::parse(&text), Ok(Span(h * 3600 + m * 60 + s)));
        }
    }
}
