//! Writes [`Value`]s as YAML text in the layout of the file being patched.

use super::Value;
use crate::load::tree::{Kind, QuoteStyle};
use crate::load::{Document, NodeId};

/// How the file being patched lays out nested blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Spaces a nested mapping is indented by.
    pub unit: usize,
    /// Spaces a block sequence's dashes sit right of its key (0 when the file writes
    /// `key:\n- item`).
    pub seq_offset: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            unit: 2,
            seq_offset: 2,
        }
    }
}

pub struct Emitter<'a> {
    pub doc: &'a Document,
    pub layout: Layout,
}

impl Emitter<'_> {
    /// `key: value` lines at `indent`, each ending with a newline.
    pub fn entry(&self, key: &str, value: &Value, indent: usize) -> String {
        let mut out = " ".repeat(indent);
        out.push_str(&key_text(key));
        out.push(':');
        out.push_str(&self.after_key(value, indent));
        out
    }

    /// What follows `key:`: ` scalar\n` or a newline and the nested block.
    pub fn after_key(&self, value: &Value, indent: usize) -> String {
        let value = self.open(value);
        match &value {
            Value::Seq(items) if !items.is_empty() => {
                let mut out = String::from("\n");
                for item in items {
                    out.push_str(&self.item(item, indent + self.layout.seq_offset));
                }
                out
            }
            Value::Map(entries) if !entries.is_empty() => {
                let mut out = String::from("\n");
                for (k, v) in entries {
                    out.push_str(&self.entry(k, v, indent + self.layout.unit));
                }
                out
            }
            other => format!(" {}\n", self.inline(other)),
        }
    }

    /// A `- item` block at `dash_indent`, ending with a newline.
    pub fn item(&self, value: &Value, dash_indent: usize) -> String {
        let value = self.open(value);
        let pad = " ".repeat(dash_indent);
        match &value {
            Value::Map(entries) if !entries.is_empty() => {
                let mut out = String::new();
                for (i, (k, v)) in entries.iter().enumerate() {
                    let line = self.entry(k, v, dash_indent + 2);
                    if i == 0 {
                        out.push_str(&pad);
                        out.push_str("- ");
                        out.push_str(&line[dash_indent + 2..]);
                    } else {
                        out.push_str(&line);
                    }
                }
                out
            }
            other => format!("{pad}- {}\n", self.inline(other)),
        }
    }

    /// A value on one line: a scalar or a flow collection.
    pub fn inline(&self, value: &Value) -> String {
        match value {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => scalar_text(s),
            Value::Seq(items) => {
                let parts: Vec<String> = items.iter().map(|v| self.inline(v)).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", key_text(k), self.inline(v)))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            Value::Node(id) => self.node_inline(*id),
        }
    }

    fn node_inline(&self, id: NodeId) -> String {
        let tree = &self.doc.tree;
        let id = tree.deref(id);
        let node = tree.node(id);
        match &node.kind {
            Kind::Scalar { value, quote } => {
                let tag = node
                    .tag
                    .as_deref()
                    .map(|t| format!("{t} "))
                    .unwrap_or_default();
                let written = &self.doc.text[node.start..node.end];
                let single_line = !written.contains('\n');
                if single_line && !matches!(quote, QuoteStyle::Literal | QuoteStyle::Folded) {
                    format!("{tag}{written}")
                } else {
                    format!("{tag}{}", double_quoted(value))
                }
            }
            _ => {
                let opened = self.open(&Value::Node(id));
                self.inline(&opened)
            }
        }
    }

    /// Turns a collection node into a `Value` whose children are nodes, so it can be laid out
    /// afresh; scalars stay as they are.
    fn open(&self, value: &Value) -> Value {
        match value {
            Value::Node(_) => super::semantic::expand(self.doc, value),
            other => other.clone(),
        }
    }
}

fn key_text(key: &str) -> String {
    scalar_text(key)
}

/// A string as a YAML scalar: plain where every YAML reader (1.1 or 1.2) reads it back as the
/// same string, double-quoted otherwise.
pub fn scalar_text(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plain_is_safe(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return false;
    }
    let mut chars = s.chars();
    let first = chars.next().unwrap_or(' ');
    // `-`, `?` and `:` start a plain scalar when a non-blank follows (`--flag=x`).
    let indicator_alone = "-?:".contains(first) && chars.next().is_none_or(|c| c == ' ');
    if indicator_alone || ",[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || "[]{},".contains(c) || c == '\u{feff}')
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n"
            | "yes"
            | "no"
            | "true"
            | "false"
            | "on"
            | "off"
            | "null"
            | "~"
            | ".nan"
            | ".inf"
            | "-.inf"
            | "+.inf"
    ) {
        return false;
    }
    // Anything a YAML 1.1 reader could take for a number (including `1000:1000`, base 60).
    let numberish = s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || "+-._:xXoObB".contains(c));
    if numberish && s.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_would_misread() {
        assert_eq!(scalar_text("1000:1000"), "\"1000:1000\"");
        assert_eq!(scalar_text("22:22"), "\"22:22\"");
        assert_eq!(scalar_text("on"), "\"on\"");
        assert_eq!(scalar_text("0440"), "\"0440\"");
        assert_eq!(scalar_text("1.10"), "\"1.10\"");
        assert_eq!(scalar_text(""), "\"\"");
        assert_eq!(scalar_text("a: b"), "\"a: b\"");
        assert_eq!(scalar_text("${VAR}"), "\"${VAR}\"");
        assert_eq!(scalar_text("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
    }

    #[test]
    fn leaves_ordinary_strings_plain() {
        assert_eq!(
            scalar_text("no-new-privileges:true"),
            "no-new-privileges:true"
        );
        assert_eq!(scalar_text("ALL"), "ALL");
        assert_eq!(
            scalar_text("/run/secrets/db_password"),
            "/run/secrets/db_password"
        );
        assert_eq!(
            scalar_text("tcp://docker-socket-proxy:2375"),
            "tcp://docker-socket-proxy:2375"
        );
        assert_eq!(scalar_text("deadbeef-x"), "deadbeef-x");
        assert_eq!(
            scalar_text("--providers.docker=true"),
            "--providers.docker=true"
        );
        assert_eq!(scalar_text("-"), "\"-\"");
        assert_eq!(scalar_text("- x"), "\"- x\"");
        assert_eq!(scalar_text("-1"), "\"-1\"");
    }
}
