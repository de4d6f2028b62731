//! Env files (`env_file:`), read the way Compose reads them.
//!
//! The default format follows compose-go's dotenv parser (Docker Compose v2):
//!
//! * `KEY=VALUE`, `KEY: VALUE` (yaml style) and `export KEY=VALUE`; blank lines and lines whose
//!   first non-blank character is `#` are skipped; spaces around the separator are ignored.
//! * A key is made of letters, digits, `_`, `.`, `-`, `[` and `]`; any other character is an
//!   error, and so is a space inside a key.
//! * Unquoted values run to the end of the line, stop at ` #` (an inline comment) and are
//!   trimmed. Backslashes are literal.
//! * Single-quoted values are literal (only `\'` is unescaped) and may span lines.
//! * Double-quoted values may span lines and process escapes: `\n`, `\r`, `\t`, `\a`, `\b`,
//!   `\f`, `\v`, `\\`, `\"`, octal `\0NNN`, and `\$` (kept as `$$`, Compose's escaped dollar).
//!   Anything after the closing quote on the same line is a comment or the next statement.
//! * `KEY` alone means "take KEY from the environment" (value `None`); `KEY=` is empty.
//! * A UTF-8 byte order mark at the start is skipped.
//!
//! Values are returned *before* interpolation: `${VAR}`, `$VAR` and `$$` stay as written in
//! unquoted and double-quoted values (Compose interpolates those, never single-quoted ones);
//! [`EnvEntry::literal_value`] gives the value the container gets when there is nothing to
//! interpolate.
//!
//! `format: raw` follows `docker run --env-file`: everything after the first `=` verbatim (no
//! quotes, no comments, trailing blanks kept, a final `\r` dropped), a line without `=` is
//! inherited, a key may not contain blanks.
//!
//! Differences from compose-go, on files compose-go mishandles: a bare `KEY` on the last line
//! without a newline is an inherited key (compose-go takes it for the value of an empty key),
//! and `=VALUE` (no key) is an error (compose-go sets an empty-named variable).

use std::ops::Range;

/// How an entry's value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Unquoted (also used for inherited `KEY` entries).
    Bare,
    Single,
    Double,
    /// `format: raw`: verbatim, never interpolated.
    Raw,
}

/// One `KEY=VALUE` entry of an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    /// The value after unquoting; `None` for a bare `KEY` (taken from the environment).
    pub value: Option<String>,
    /// 1-based line of the entry.
    pub line: usize,
    /// Byte range of the entry's whole line(s), newline included: removing it removes the entry.
    /// When two statements share a line (`A="x" B=y`), the first one's span stops where the
    /// second one starts.
    pub span: Range<usize>,
    /// How the value was written; it decides whether Compose interpolates it.
    pub quoting: Quoting,
}

impl EnvEntry {
    /// Whether Compose interpolates this entry's value (`${VAR}`/`$VAR` inside an unquoted or
    /// double-quoted value).
    pub fn interpolates(&self) -> bool {
        match (&self.value, self.quoting) {
            (Some(v), Quoting::Bare | Quoting::Double) => resolve_dollars(v).is_none(),
            _ => false,
        }
    }

    /// The value the container gets, when it does not depend on interpolation: `$$` becomes
    /// `$` in unquoted and double-quoted values. `None` for inherited entries and for values
    /// that interpolate a variable.
    pub fn literal_value(&self) -> Option<String> {
        let v = self.value.as_ref()?;
        match self.quoting {
            Quoting::Bare | Quoting::Double => resolve_dollars(v),
            Quoting::Single | Quoting::Raw => Some(v.clone()),
        }
    }
}

/// Resolves Compose's `$$` escapes; `None` if the text interpolates (`$NAME`, `${...}`).
/// A `$` followed by anything else stays a literal `$`, as in Compose.
fn resolve_dollars(v: &str) -> Option<String> {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some(&n) if n == '{' || n == '_' || n.is_ascii_alphabetic() => return None,
            _ => out.push('$'),
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for EnvFileError {}

const BOM: &str = "\u{feff}";

/// Parses an env file. `raw` is Compose's `format: raw`: values are taken verbatim.
/// Error messages never quote a value (it may be a secret).
pub fn parse(text: &str, raw: bool) -> Result<Vec<EnvEntry>, EnvFileError> {
    if raw {
        parse_raw(text)
    } else {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Parser { text, line_starts }.parse()
    }
}

/// Blanks inside a line (compose-go's `isSpace`): not the newline.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_start = if line_start == 0 && text.starts_with(BOM) {
        BOM.len().min(offset)
    } else {
        line_start
    };
    (line, text[line_start..offset].chars().count() + 1)
}

fn error(text: &str, offset: usize, message: impl Into<String>) -> EnvFileError {
    let (line, column) = position(text, offset);
    EnvFileError {
        line,
        column,
        message: message.into(),
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offsets where lines start.
    line_starts: Vec<usize>,
}

impl Parser<'_> {
    fn parse(&self) -> Result<Vec<EnvEntry>, EnvFileError> {
        let text = self.text;
        let mut out = Vec::new();
        let mut pos = if text.starts_with(BOM) { BOM.len() } else { 0 };
        loop {
            pos = self.statement_start(pos);
            if pos >= text.len() {
                break;
            }
            let (entry, next) = self.statement(pos)?;
            out.extend(entry);
            pos = next;
        }
        Ok(out)
    }

    /// The next statement's start from `pos`, past blanks, newlines and comment lines.
    fn statement_start(&self, mut pos: usize) -> usize {
        let text = self.text;
        loop {
            let rest = &text[pos..];
            match rest.find(|c: char| !c.is_whitespace()) {
                None => return text.len(),
                Some(i) => pos += i,
            }
            if !text[pos..].starts_with('#') {
                return pos;
            }
            match text[pos..].find('\n') {
                None => return text.len(),
                Some(i) => pos += i,
            }
        }
    }

    /// Where a statement's span starts: its line's start when only blanks precede it there.
    fn span_start(&self, stmt: usize) -> usize {
        let text = self.text;
        let floor = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let line_start = text[..stmt].rfind('\n').map_or(floor, |i| i + 1).max(floor);
        if text[line_start..stmt].chars().all(is_space) {
            line_start
        } else {
            stmt
        }
    }

    /// Where a span ends after a value ending at `end`: past the end of the line when only
    /// blanks or a comment follow, else where the next statement starts on the same line.
    fn span_end_after(&self, end: usize) -> usize {
        let text = self.text;
        let rest = &text[end..];
        let skip = rest.find(|c: char| !is_space(c)).unwrap_or(rest.len());
        let at = end + skip;
        match text[at..].chars().next() {
            None => text.len(),
            Some('\n') => at + 1,
            Some('#') => text[at..].find('\n').map_or(text.len(), |i| at + i + 1),
            Some(_) => at,
        }
    }

    /// Parses the statement at `stmt`: the entry (if it sets anything) and where to go on.
    fn statement(&self, stmt: usize) -> Result<(Option<EnvEntry>, usize), EnvFileError> {
        let text = self.text;
        let line = self.line_starts.partition_point(|&s| s <= stmt);
        let span_start = self.span_start(stmt);
        let mut p = stmt;
        // `export` followed by any blank (a newline too, as compose-go's `^export\s+`).
        if let Some(after) = text[p..].strip_prefix("export")
            && after.starts_with(|c: char| c.is_ascii_whitespace())
        {
            p += "export".len();
            p += text[p..]
                .find(|c: char| !is_space(c))
                .unwrap_or(text.len() - p);
            if p >= text.len() {
                return Err(error(text, stmt, "nothing follows `export`"));
            }
        }
        let key_start = p;
        let mut sep = None;
        for (i, c) in text[p..].char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    sep = Some((p + i, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    return Err(error(
                        text,
                        p + i,
                        format!("unexpected character {c:?} in variable name"),
                    ));
                }
            }
        }
        let Some((sep_at, sep_char)) = sep else {
            // A bare key on the last line, without a newline.
            let key = text[key_start..].trim_end();
            if key.contains(' ') {
                return Ok((None, text.len()));
            }
            let entry = EnvEntry {
                key: key.to_string(),
                value: None,
                line,
                span: span_start..text.len(),
                quoting: Quoting::Bare,
            };
            return Ok((Some(entry), text.len()));
        };
        let key = text[key_start..sep_at].trim_end();
        if let Some(i) = key.find(' ') {
            return Err(error(
                text,
                key_start + i,
                "a variable name cannot contain a space",
            ));
        }
        if sep_char == '\n' {
            let entry = (!key.is_empty()).then(|| EnvEntry {
                key: key.to_string(),
                value: None,
                line,
                span: span_start..sep_at + 1,
                quoting: Quoting::Bare,
            });
            return Ok((entry, sep_at + 1));
        }
        if key.is_empty() {
            return Err(error(text, sep_at, "missing variable name"));
        }
        let mut v = sep_at + 1;
        v += text[v..]
            .find(|c: char| !is_space(c))
            .unwrap_or(text.len() - v);
        let (value, quoting, end) = match text[v..].chars().next() {
            Some(q @ ('"' | '\'')) => {
                let (inner, close) = quoted(text, v, q)?;
                let (value, quoting) = if q == '"' {
                    (expand_escapes(&inner), Quoting::Double)
                } else {
                    (inner, Quoting::Single)
                };
                (value, quoting, self.span_end_after(close + 1))
            }
            _ => {
                let line_end = text[v..].find('\n').map_or(text.len(), |i| v + i);
                let raw = &text[v..line_end];
                let raw = raw.split_once(" #").map_or(raw, |(before, _)| before);
                let end = if line_end < text.len() {
                    line_end + 1
                } else {
                    line_end
                };
                (raw.trim_end().to_string(), Quoting::Bare, end)
            }
        };
        let entry = EnvEntry {
            key: key.to_string(),
            value: Some(value),
            line,
            span: span_start..end,
            quoting,
        };
        Ok((Some(entry), end))
    }
}

/// The inside of the quoted value opening at `open` (`\` + the quote gives the quote, any
/// other escape is kept whole), and the offset of the closing quote.
fn quoted(text: &str, open: usize, quote: char) -> Result<(String, usize), EnvFileError> {
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in text[open + 1..].char_indices() {
        if escaped {
            escaped = false;
            if c != quote {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Ok((out, open + 1 + i));
        } else {
            out.push(c);
        }
    }
    Err(error(text, open, "unterminated quoted value"))
}

/// compose-go's `expandEscapes` for double-quoted values.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, n)) = chars.peek() else {
            out.push(c);
            continue;
        };
        let simple = match n {
            'a' => Some("\u{7}"),
            'b' => Some("\u{8}"),
            'f' => Some("\u{c}"),
            'n' => Some("\n"),
            'r' => Some("\r"),
            't' => Some("\t"),
            'v' => Some("\u{b}"),
            '"' => Some("\""),
            '\\' => Some("\\"),
            '$' => Some("$$"),
            _ => None,
        };
        if let Some(rep) = simple {
            chars.next();
            out.push_str(rep);
            continue;
        }
        if n == '0' {
            // `\0` and up to three digits; compose-go reads `\0NNN` as the octal `\NNN` and
            // keeps anything else as written.
            let digits: String = s[i + 2..]
                .chars()
                .take_while(char::is_ascii_digit)
                .take(3)
                .collect();
            chars.next();
            for _ in 0..digits.len() {
                chars.next();
            }
            let decoded = (digits.len() == 3)
                .then(|| u32::from_str_radix(&digits, 8).ok())
                .flatten()
                .filter(|v| *v <= 0o377)
                .and_then(char::from_u32);
            match decoded {
                Some(ch) => out.push(ch),
                None => {
                    out.push_str("\\0");
                    out.push_str(&digits);
                }
            }
            continue;
        }
        // `\c` and any other escape stay as written.
        out.push(c);
    }
    out
}

/// `docker run --env-file` semantics (docker/cli `kvfile`).
fn parse_raw(text: &str) -> Result<Vec<EnvEntry>, EnvFileError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let mut content_start = offset;
        offset += line.len();
        let mut content = line.strip_suffix('\n').unwrap_or(line);
        content = content.strip_suffix('\r').unwrap_or(content);
        if i == 0 && content.starts_with(BOM) {
            content = &content[BOM.len()..];
            content_start += BOM.len();
        }
        let trimmed = content.trim_start();
        let lead = content.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (trimmed, None),
        };
        if key.is_empty() {
            return Err(error(text, content_start + lead, "missing variable name"));
        }
        if let Some(j) = key.find([' ', '\t']) {
            return Err(error(
                text,
                content_start + lead + j,
                "a variable name cannot contain blanks",
            ));
        }
        out.push(EnvEntry {
            key: key.to_string(),
            value,
            line: i + 1,
            span: content_start..offset,
            quoting: Quoting::Raw,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, Option<String>)> {
        parse(text, false)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn one(text: &str) -> EnvEntry {
        let mut v = parse(text, false).unwrap();
        assert_eq!(v.len(), 1, "{text:?}");
        v.remove(0)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    /// The file with the given entries' spans removed.
    fn without(text: &str, entries: &[EnvEntry], keys: &[&str]) -> String {
        let mut out = text.to_string();
        for e in entries.iter().rev() {
            if keys.contains(&e.key.as_str()) {
                out.replace_range(e.span.clone(), "");
            }
        }
        out
    }

    #[test]
    fn key_value_and_comments() {
        let text = "# a comment\n\nA=1\n  # indented comment\nB = two words \n";
        assert_eq!(
            kv(text),
            vec![("A".into(), s("1")), ("B".into(), s("two words"))]
        );
        let e = parse(text, false).unwrap();
        assert_eq!(e[0].line, 3);
        assert_eq!(e[1].line, 5);
        assert_eq!(&text[e[0].span.clone()], "A=1\n");
        assert_eq!(&text[e[1].span.clone()], "B = two words \n");
    }

    #[test]
    fn export_prefix() {
        assert_eq!(kv("export A=1\n"), vec![("A".into(), s("1"))]);
        assert_eq!(kv("export\tA=1\n"), vec![("A".into(), s("1"))]);
        assert_eq!(kv("exportA=1\n"), vec![("exportA".into(), s("1"))]);
        assert_eq!(kv("export=1\n"), vec![("export".into(), s("1"))]);
        let e = one("  export A=1\n");
        assert_eq!(e.span, 0..13);
    }

    #[test]
    fn yaml_style_separator() {
        assert_eq!(
            kv("A: 1\nB:http://x\n"),
            vec![("A".into(), s("1")), ("B".into(), s("http://x"))]
        );
    }

    #[test]
    fn unquoted_values() {
        assert_eq!(one("A=abc # comment\n").value, s("abc"));
        assert_eq!(one("A=abc#not-a-comment\n").value, s("abc#not-a-comment"));
        assert_eq!(one("A=  padded  \n").value, s("padded"));
        assert_eq!(one("A=back\\slash\\n\n").value, s("back\\slash\\n"));
        assert_eq!(one("A=it's \"fine\"\n").value, s("it's \"fine\""));
        assert_eq!(one("A=x=y=z\n").value, s("x=y=z"));
        // compose-go trims the blanks after `=` before looking for ` #`.
        assert_eq!(one("A= # nothing\n").value, s("# nothing"));
        assert_eq!(one("A=\n").value, s(""));
        assert_eq!(one("A=   \n").value, s(""));
        assert_eq!(one("A=\n").quoting, Quoting::Bare);
    }

    #[test]
    fn empty_and_inherited() {
        let e = parse("A=\nB\n  C  \nD=\"\"\n", false).unwrap();
        assert_eq!(e[0].value, s(""));
        assert_eq!((e[1].key.as_str(), e[1].value.clone()), ("B", None));
        assert_eq!((e[2].key.as_str(), e[2].value.clone()), ("C", None));
        assert_eq!(e[3].value, s(""));
        assert_eq!(e[1].literal_value(), None);
    }

    #[test]
    fn single_quotes_are_literal() {
        let e = one("A='a $B \\n \\\\ # x' # comment\n");
        assert_eq!(e.value, s("a $B \\n \\\\ # x"));
        assert_eq!(e.quoting, Quoting::Single);
        assert!(!e.interpolates());
        assert_eq!(e.literal_value(), s("a $B \\n \\\\ # x"));
        assert_eq!(one("A='it\\'s'\n").value, s("it's"));
        assert_eq!(one("A='multi\nline'\n").value, s("multi\nline"));
    }

    #[test]
    fn double_quotes_process_escapes() {
        assert_eq!(one(r#"A="a\nb""#).value, s("a\nb"));
        assert_eq!(one(r#"A="tab\there""#).value, s("tab\there"));
        assert_eq!(one(r#"A="say \"hi\"""#).value, s("say \"hi\""));
        assert_eq!(one(r#"A="back\\slash""#).value, s("back\\slash"));
        assert_eq!(one(r#"A="back\\""#).value, s("back\\"));
        assert_eq!(one(r#"A="keep \q and \c""#).value, s("keep \\q and \\c"));
        assert_eq!(one(r#"A="octal \0101""#).value, s("octal A"));
        assert_eq!(one(r#"A="short \012""#).value, s("short \\012"));
        assert_eq!(one(r#"A="it\'s""#).value, s("it\\'s"));
        let e = one(r#"A="cost \$5 and $$6""#);
        assert_eq!(e.value, s("cost $$5 and $$6"));
        assert_eq!(e.literal_value(), s("cost $5 and $6"));
        assert!(!e.interpolates());
        assert_eq!(one("A=\"x\" # comment\n").value, s("x"));
        assert_eq!(one("A=\"x\"# comment\n").value, s("x"));
        assert_eq!(
            one("A=\"x # not a comment\"\n").value,
            s("x # not a comment")
        );
    }

    #[test]
    fn multi_line_double_quotes() {
        let text = "A=1\nKEY=\"-----BEGIN KEY-----\nabc\n-----END KEY-----\"\nB=2\n";
        let e = parse(text, false).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].value, s("-----BEGIN KEY-----\nabc\n-----END KEY-----"));
        assert_eq!(e[1].line, 2);
        assert_eq!(e[2].line, 5);
        assert_eq!(without(text, &e, &["KEY"]), "A=1\nB=2\n");
    }

    #[test]
    fn interpolation_is_left_alone() {
        let e = one("A=${B:-x}/$C\n");
        assert_eq!(e.value, s("${B:-x}/$C"));
        assert!(e.interpolates());
        assert_eq!(e.literal_value(), None);
        let e = one("A=price$$ $1 $\n");
        assert!(!e.interpolates());
        assert_eq!(e.literal_value(), s("price$ $1 $"));
        assert!(one("A=\"${B}\"\n").interpolates());
    }

    #[test]
    fn crlf_files() {
        let text = "# c\r\nA=1\r\nB=\"two\"\r\nC='x'  # c\r\nD\r\nE=\"l1\r\nl2\"\r\n";
        let e = parse(text, false).unwrap();
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", s("1")),
                ("B", s("two")),
                ("C", s("x")),
                ("D", None),
                ("E", s("l1\r\nl2")),
            ]
        );
        assert_eq!(&text[e[0].span.clone()], "A=1\r\n");
        assert_eq!(&text[e[2].span.clone()], "C='x'  # c\r\n");
        assert_eq!(
            without(text, &e, &["B", "E"]),
            "# c\r\nA=1\r\nC='x'  # c\r\nD\r\n"
        );
    }

    #[test]
    fn no_trailing_newline() {
        let text = "A=1\nB=two";
        let e = parse(text, false).unwrap();
        assert_eq!(e[1].value, s("two"));
        assert_eq!(e[1].span, 4..text.len());
        assert_eq!(one("A=\"x\"").value, s("x"));
        assert_eq!(one("A='x'  ").span, 0..7);
        let e = parse("A=1\nB", false).unwrap();
        assert_eq!(
            (e[1].key.as_str(), e[1].value.clone(), e[1].span.clone()),
            ("B", None, 4..5)
        );
        assert_eq!(without(text, &parse(text, false).unwrap(), &["B"]), "A=1\n");
    }

    #[test]
    fn spans_remove_entries_cleanly() {
        let text = "# head\nA=1 # keep?\n\n  B='x'\nexport C=\"y\" # trailing\nD=4\n";
        let e = parse(text, false).unwrap();
        assert_eq!(without(text, &e, &["A", "B", "C"]), "# head\n\nD=4\n");
        assert_eq!(
            without(text, &e, &["D"]),
            "# head\nA=1 # keep?\n\n  B='x'\nexport C=\"y\" # trailing\n"
        );
    }

    #[test]
    fn two_statements_on_a_line() {
        let text = "A=\"x\" B=y\n";
        let e = parse(text, false).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].span, 0..6);
        assert_eq!(e[1].span, 6..text.len());
        assert_eq!(without(text, &e, &["A"]), "B=y\n");
    }

    #[test]
    fn bom_is_skipped() {
        let text = "\u{feff}A=1\n";
        let e = one(text);
        assert_eq!(e.key, "A");
        assert_eq!(e.span, 3..text.len());
    }

    #[test]
    fn key_characters() {
        assert_eq!(kv("a.b-c[0]_D=1\n"), vec![("a.b-c[0]_D".into(), s("1"))]);
        assert_eq!(kv("ÜBER=1\n"), vec![("ÜBER".into(), s("1"))]);
        let err = parse("A=1\nBAD$KEY=1\n", false).unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
        assert!(
            err.message.contains("unexpected character"),
            "{}",
            err.message
        );
        let err = parse("KEY # comment\n", false).unwrap_err();
        assert_eq!((err.line, err.column), (1, 5));
        let err = parse("MY KEY=1\n", false).unwrap_err();
        assert_eq!((err.line, err.column), (1, 3));
        assert!(err.message.contains("space"));
        assert!(parse("=value\n", false).is_err());
    }

    #[test]
    fn unterminated_quotes() {
        let err = parse("A=1\nB=\"open\nC=2\n", false).unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("unterminated"));
        assert!(!err.message.contains("open"), "no value in messages");
        let err = parse("A='x", false).unwrap_err();
        assert_eq!((err.line, err.column), (1, 3));
        assert!(parse("A=\"x\\\"", false).is_err());
    }

    #[test]
    fn export_alone() {
        assert!(parse("export   ", false).is_err());
        assert_eq!(kv("export\nA=1\n"), vec![("A".into(), s("1"))]);
    }

    #[test]
    fn raw_format() {
        let text = "# comment\nA=\"quoted\" # not a comment \r\n  B=${X}\nC\n\nD==x\n";
        let e = parse(text, true).unwrap();
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", s("\"quoted\" # not a comment ")),
                ("B", s("${X}")),
                ("C", None),
                ("D", s("=x")),
            ]
        );
        assert!(e.iter().all(|e| e.quoting == Quoting::Raw));
        assert_eq!(e[1].literal_value(), s("${X}"));
        assert!(!e[1].interpolates());
        assert_eq!(e[0].line, 2);
        assert_eq!(without(text, &e, &["A", "B"]), "# comment\nC\n\nD==x\n");
        let err = parse("A=1\nB C=1\n", true).unwrap_err();
        assert_eq!((err.line, err.column), (2, 2));
        let err = parse("  =x\n", true).unwrap_err();
        assert_eq!((err.line, err.column), (1, 3));
        assert!(parse("KEY =x\n", true).is_err());
        let e = parse("\u{feff}A=1", true).unwrap();
        assert_eq!((e[0].key.as_str(), e[0].span.clone()), ("A", 3..6));
    }
}
