//! Env files (`env_file:`), read the way Compose reads them.

/// One `KEY=VALUE` entry of an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    /// The value after unquoting; `None` for a bare `KEY` (taken from the environment).
    pub value: Option<String>,
    /// 1-based line of the entry.
    pub line: usize,
    /// Byte range of the entry's whole line(s), newline included: removing it removes the entry.
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses an env file. `raw` is Compose's `format: raw`: values are taken verbatim.
pub fn parse(text: &str, raw: bool) -> Result<Vec<EnvEntry>, EnvFileError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let (key, value) = match t.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(unquote(v.trim(), raw))),
            None => (t.to_string(), None),
        };
        out.push(EnvEntry {
            key,
            value,
            line: i + 1,
            span: start..offset,
        });
    }
    Ok(out)
}

fn unquote(v: &str, raw: bool) -> String {
    if raw {
        return v.to_string();
    }
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        return v[1..v.len() - 1].to_string();
    }
    match v.find(" #") {
        Some(i) => v[..i].trim_end().to_string(),
        None => v.to_string(),
    }
}
