//! The edit IR: what passes want changed, said about the document as Compose sees it
//! (merge keys expanded), independent of how the text gets patched.

pub mod canonical;
pub mod emit;
pub mod patch;
pub mod rebase;
pub mod semantic;
pub mod verify;

use std::fmt;

use crate::load::NodeId;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn service(name: &str) -> Self {
        Path(vec![Seg::Key("services".into()), Seg::Key(name.into())])
    }

    /// Where a node is written in the document (not where it is used through an alias).
    pub fn written(doc: &crate::load::Document, node: NodeId) -> Option<Path> {
        let steps = doc.tree.written_at(node)?;
        Some(Path(
            steps
                .into_iter()
                .map(|(k, i)| match i {
                    Some(i) => Seg::Index(i),
                    None => Seg::Key(k),
                })
                .collect(),
        ))
    }

    pub fn key(mut self, key: &str) -> Self {
        self.0.push(Seg::Key(key.into()));
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Seg::Index(index));
        self
    }

    pub fn segs(&self) -> &[Seg] {
        &self.0
    }

    pub fn parent(&self) -> Path {
        let mut p = self.0.clone();
        p.pop();
        Path(p)
    }

    pub fn last(&self) -> Option<&Seg> {
        self.0.last()
    }

    pub fn starts_with(&self, other: &Path) -> bool {
        self.0.len() >= other.0.len() && self.0[..other.0.len()] == other.0[..]
    }

    pub fn prefix(&self, len: usize) -> Path {
        Path(self.0[..len.min(self.0.len())].to_vec())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A value a pass wants written. `Node` copies an existing node as written (its scalars keep
/// their exact spelling, so `1.10` stays `1.10`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Value>),
    Map(Vec<(String, Value)>),
    Node(NodeId),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    pub fn strs<I, S>(items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Value::Seq(items.into_iter().map(|s| Value::Str(s.into())).collect())
    }

    pub fn map<I, K>(entries: I) -> Self
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// Sets a mapping key (inserting it or replacing its value), or replaces a sequence item.
    Set { path: Path, value: Value },
    /// Removes a mapping key, or a sequence item by its index in the input.
    Remove { path: Path },
    /// Appends items to the sequence at `path`, creating it when absent.
    Append { path: Path, items: Vec<Value> },
}

impl Op {
    /// The same op with the first `depth` segments of its path dropped.
    pub fn relative(&self, depth: usize) -> Op {
        let rel = |p: &Path| Path(p.segs()[depth.min(p.len())..].to_vec());
        match self {
            Op::Set { path, value } => Op::Set {
                path: rel(path),
                value: value.clone(),
            },
            Op::Remove { path } => Op::Remove { path: rel(path) },
            Op::Append { path, items } => Op::Append {
                path: rel(path),
                items: items.clone(),
            },
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Op::Set { path, .. } | Op::Remove { path } | Op::Append { path, .. } => path,
        }
    }
}

/// An operation and who asked for it: a rule id, or `rebase` for paths rewritten for an output
/// in another folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub by: &'static str,
    pub op: Op,
}
