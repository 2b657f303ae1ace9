//! `xs:dateTime` instants as WS-Security writes them (`wsu:Created`,
//! `wsu:Expires`): UTC, `Z` or an explicit offset. A time without a zone is
//! refused: its instant is unknown, and the Basic Security Profile asks
//! for UTC.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

pub fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]` (zone required).
pub fn parse(s: &str) -> Option<Millis> {
    let s = s.trim();
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-');
    let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || date.len() != 10 || !(1..=12).contains(&mo) || !(1..=31).contains(&da)
    {
        return None;
    }
    let (clock, offset_min) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (c, z) = rest.split_at(at);
        let (sign, z) = z.split_at(1);
        let (h, m) = z.split_once(':')?;
        let (h, m) = (num(h)?, num(m)?);
        if h > 14 || m > 59 {
            return None;
        }
        let off = h * 60 + m;
        (c, if sign == "-" { -off } else { off })
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (clock, None),
    };
    let mut t = hms.split(':');
    let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if t.next().is_some() || hms.len() != 8 || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let ms = match frac {
        Some(f) => {
            num(f)?;
            let mut digits: String = f.chars().take(3).collect();
            while digits.len() < 3 {
                digits.push('0');
            }
            num(&digits)?
        }
        None => 0,
    };
    let days = days_from_civil(y, mo, da);
    Some(((days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60) * 1000) + ms)
}

/// `YYYY-MM-DDThh:mm:ss.fffZ`.
pub fn format(t: Millis) -> String {
    let (secs, ms) = (t.div_euclid(1000), t.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_and_format() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse("2026-11-26T00:44:55.123456Z"),
            parse("2026-11-26T00:44:55.123Z")
        );
        assert_eq!(parse("2026-11-26T00:44:55"), None, "no zone");
        assert_eq!(parse("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse("2026-11-26T24:00:00Z"), None);
        assert_eq!(parse("2026-11-26 00:00:00Z"), None);
        assert_eq!(parse("x"), None);
        let t = parse("2026-02-28T23:59:59.999Z").unwrap();
        assert_eq!(format(t), "2026-02-28T23:59:59.999Z");
        assert_eq!(format(t + 1), "2026-03-01T00:00:00.000Z");
        let n = now();
        assert_eq!(parse(&format(n)), Some(n));
    }
}
