//! Which variables hold secrets: by name (PASSWORD, TOKEN, ...) and by value (a URL with a
//! password, well-known token shapes). A detection says why and how sure, never what the value is.

/// How sure a detection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Why a variable was taken for a secret. `why` never contains the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub confidence: Confidence,
    pub why: String,
}

const WORDS: [&str; 14] = [
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
    "ACCESS_KEY", "SECRET_KEY", "ENCRYPTION_KEY", "CREDENTIAL", "AUTH_KEY", "CLIENT_SECRET",
];
const SUFFIXES: [&str; 4] = ["_PASS", "_PWD", "_SALT", "_DSN"];

/// Whether a variable's name says it holds a secret (switches and quantities named after
/// secrets, like `PASSWORD_MIN_LENGTH`, do not count).
pub fn secret_name(name: &str) -> Option<Confidence> {
    let n = name.to_ascii_uppercase();
    if n.ends_with("_FILE") {
        return None;
    }
    if WORDS.iter().any(|w| n.contains(w)) || SUFFIXES.iter().any(|s| n.ends_with(s)) {
        return Some(Confidence::High);
    }
    None
}

/// Whether a literal value is a secret whatever its variable's name.
pub fn secret_value(value: &str) -> Option<Detection> {
    if url_password(value).is_some() {
        return Some(Detection {
            confidence: Confidence::High,
            why: "a URL with a password".into(),
        });
    }
    None
}

/// The byte range of the password in `scheme://user:password@host...`, if there is one.
pub fn url_password(value: &str) -> Option<std::ops::Range<usize>> {
    let scheme_end = value.find("://")?;
    let rest_start = scheme_end + 3;
    let rest = &value[rest_start..];
    let at = rest.find('@')?;
    let userinfo = &rest[..at];
    if userinfo.contains('/') {
        return None;
    }
    let colon = userinfo.find(':')?;
    let start = rest_start + colon + 1;
    let end = rest_start + at;
    (end > start).then_some(start..end)
}

/// Whether `NAME=VALUE` (VALUE literal, no interpolation) holds a secret that should move.
pub fn classify(name: &str, value: &str) -> Option<Detection> {
    if let Some(d) = secret_value(value) {
        return Some(d);
    }
    if value.is_empty() || value.starts_with("/run/secrets/") {
        return None;
    }
    let confidence = secret_name(name)?;
    Some(Detection {
        confidence,
        why: "its name says it is a secret".into(),
    })
}
