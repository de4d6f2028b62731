//! Compose's `${VAR}` interpolation, read (never expanded): which parts of a value are literal
//! text and which come from the environment when the stack starts.

/// A piece of a value as Compose reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, with `$$` already turned into `$`.
    Text(String),
    /// `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR?err}`, ...
    Var {
        name: String,
        /// The operator after the name (`:-`, `-`, `:?`, `?`, `:+`, `+`), if any.
        op: Option<String>,
        /// What follows the operator (a default, an error message, an alternative).
        arg: Option<String>,
    },
}

/// Splits a value into literal text and variables. Unterminated `${` is taken as text.
pub fn pieces(value: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    let flush = |text: &mut String, out: &mut Vec<Piece>| {
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(text)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            text.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                text.push('$');
                i += 2;
            }
            Some('{') => {
                // Find the matching brace (defaults may nest `${...}`).
                let mut depth = 0;
                let mut j = i + 1;
                let mut end = None;
                while j < chars.len() {
                    match chars[j] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let Some(end) = end else {
                    text.extend(&chars[i..]);
                    break;
                };
                let inner: String = chars[i + 2..end].iter().collect();
                let name_len = inner
                    .char_indices()
                    .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .map_or(inner.len(), |(k, _)| k);
                let name = inner[..name_len].to_string();
                let rest = &inner[name_len..];
                let op = [":-", ":?", ":+", "-", "?", "+"]
                    .iter()
                    .find(|o| rest.starts_with(*o))
                    .map(|o| o.to_string());
                let arg = op.as_ref().map(|o| rest[o.len()..].to_string());
                flush(&mut text, &mut out);
                out.push(Piece::Var { name, op, arg });
                i = end + 1;
            }
            Some(c2) if c2.is_ascii_alphabetic() || *c2 == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                flush(&mut text, &mut out);
                out.push(Piece::Var {
                    name: chars[i + 1..j].iter().collect(),
                    op: None,
                    arg: None,
                });
                i = j;
            }
            _ => {
                text.push('$');
                i += 1;
            }
        }
    }
    flush(&mut text, &mut out);
    out
}

/// What a value is, for the secret passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// No interpolation: the text Compose passes on.
    Literal(String),
    /// The whole value is one variable; `default` is the literal used when it is unset.
    Variable {
        name: String,
        default: Option<String>,
    },
    /// Literal text and variables mixed: cannot be split into a secret.
    Mixed,
}

pub fn shape(value: &str) -> Shape {
    let p = pieces(value);
    match p.as_slice() {
        [] => Shape::Literal(String::new()),
        [Piece::Text(t)] => Shape::Literal(t.clone()),
        [Piece::Var { name, op, arg }] => {
            let default = match op.as_deref() {
                Some(":-") | Some("-") => arg.clone().filter(|a| !a.is_empty()),
                _ => None,
            };
            Shape::Variable {
                name: name.clone(),
                default,
            }
        }
        _ if p.iter().all(|x| matches!(x, Piece::Text(_))) => Shape::Literal(
            p.iter()
                .map(|x| match x {
                    Piece::Text(t) => t.as_str(),
                    Piece::Var { .. } => "",
                })
                .collect(),
        ),
        _ => Shape::Mixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_values() {
        assert_eq!(shape("s3cret"), Shape::Literal("s3cret".into()));
        assert_eq!(shape("pa$$word"), Shape::Literal("pa$word".into()));
        assert_eq!(
            shape("${DB_PASSWORD}"),
            Shape::Variable {
                name: "DB_PASSWORD".into(),
                default: None
            }
        );
        assert_eq!(
            shape("$DB_PASSWORD"),
            Shape::Variable {
                name: "DB_PASSWORD".into(),
                default: None
            }
        );
        assert_eq!(
            shape("${DB_PASSWORD:?set it}"),
            Shape::Variable {
                name: "DB_PASSWORD".into(),
                default: None
            }
        );
        assert_eq!(
            shape("${DB_PASSWORD:-changeme}"),
            Shape::Variable {
                name: "DB_PASSWORD".into(),
                default: Some("changeme".into())
            }
        );
        assert_eq!(
            shape("${DB_PASSWORD:-}"),
            Shape::Variable {
                name: "DB_PASSWORD".into(),
                default: None
            }
        );
        assert_eq!(shape("postgres://app:${PW}@db/app"), Shape::Mixed);
        assert_eq!(shape("${A}${B}"), Shape::Mixed);
        assert_eq!(shape("cost: 5$"), Shape::Literal("cost: 5$".into()));
        assert_eq!(
            shape("${unterminated"),
            Shape::Literal("${unterminated".into())
        );
    }
}
