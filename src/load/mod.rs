//! Reading compose files: bytes -> checked text -> YAML tree + the value Compose would see.

pub mod envfile;
mod gate;
pub mod tree;

use std::path::{Path, PathBuf};

use crate::error::{Error, Location};
pub use tree::{Entry, Kind, NodeId, Tree};

/// Compose's own discovery order when no file is given.
pub const DISCOVERY: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A loaded compose file: its text, its tree with positions, and its resolved value.
#[derive(Debug, Clone)]
pub struct Document {
    /// How the file is named in messages (`-` is `<stdin>`).
    pub name: String,
    /// The file on disk, `None` for stdin.
    pub path: Option<PathBuf>,
    /// The text without a leading UTF-8 BOM.
    pub text: String,
    pub bom: bool,
    pub crlf: bool,
    pub tree: Tree,
    /// The document as Compose reads it (merge keys expanded), for schema and semantic checks.
    pub value: serde_json::Value,
}

impl Document {
    /// The folder relative paths in the file resolve against.
    pub fn base_dir(&self) -> PathBuf {
        match &self.path {
            Some(p) => p
                .parent()
                .map(|d| {
                    if d.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        d.to_path_buf()
                    }
                })
                .unwrap_or_else(|| PathBuf::from(".")),
            None => PathBuf::from("."),
        }
    }

    pub fn location(&self, node: NodeId) -> Location {
        let n = self.tree.node(node);
        Location::new(&self.name, n.line, n.column)
    }

    pub fn root(&self) -> NodeId {
        // `parse` refuses documents without a mapping at the top.
        self.tree.root.unwrap_or(0)
    }

    /// The `services` mapping node.
    pub fn services_node(&self) -> Option<NodeId> {
        self.tree.get(self.root(), "services").map(|e| e.value)
    }

    /// Every service as (name, entry in `services`), in file order.
    pub fn services(&self) -> Vec<Entry> {
        match self.services_node() {
            Some(s) => self.tree.entries(s),
            None => Vec::new(),
        }
    }
}

/// Resolves the file to read: the one given, or the first of Compose's discovery names.
pub fn discover(given: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    DISCOVERY
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Usage(format!(
                "no compose file given and none of {} in the current folder",
                DISCOVERY.join(", ")
            ))
        })
}

/// Reads and parses a compose file; `-` reads standard input.
pub fn load_path(path: &Path) -> Result<Document, Error> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| Error::io("<stdin>", &e))?;
        return load_bytes("<stdin>", None, &bytes);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    load_bytes(
        &path.display().to_string(),
        Some(path.to_path_buf()),
        &bytes,
    )
}

pub fn load_bytes(name: &str, path: Option<PathBuf>, bytes: &[u8]) -> Result<Document, Error> {
    let text = decode(name, bytes)?;
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest.to_string()),
        None => (false, text.to_string()),
    };
    load_text(name, path, text, bom)
}

/// The value Compose would see for a text, without building the positioned tree: enough to
/// check what a patched text means.
pub fn semantic_value(name: &str, text: &str) -> Result<serde_json::Value, Error> {
    gate::semantic_value(name, text)
}

pub fn load_text(
    name: &str,
    path: Option<PathBuf>,
    text: String,
    bom: bool,
) -> Result<Document, Error> {
    let value = gate::semantic_value(name, &text)?;
    let tree = tree::parse(&text, name)?;
    let crlf = text.contains("\r\n");
    let doc = Document {
        name: name.to_string(),
        path,
        text,
        bom,
        crlf,
        tree,
        value,
    };
    check_shape(&doc)?;
    Ok(doc)
}

fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        Error::invalid(
            Location::new(name, line, column),
            "not valid UTF-8: compose files must be UTF-8 text",
        )
    })
}

/// Compose refuses these shapes; so do we, before any pass sees them.
fn check_shape(doc: &Document) -> Result<(), Error> {
    let Some(root) = doc.tree.root else {
        return Err(Error::invalid(
            Location::new(&doc.name, 1, 1),
            "the file is empty: a compose file is a mapping with a `services` key",
        ));
    };
    if !doc.tree.is_map(root) {
        return Err(Error::invalid(
            doc.location(root),
            "the top level must be a mapping (with a `services` key)",
        ));
    }
    let Some(entry) = doc.tree.get(root, "services") else {
        return Ok(());
    };
    let services = entry.value;
    if doc.tree.is_null(services) {
        return Ok(());
    }
    if !doc.tree.is_map(services) {
        return Err(Error::invalid(
            doc.location(services),
            "`services` must be a mapping of service names to service definitions",
        ));
    }
    for svc in doc.tree.entries(services) {
        if !doc.tree.is_map(svc.value) {
            return Err(Error::invalid(
                doc.location(svc.value),
                format!("service `{}` must be a mapping", svc.key),
            ));
        }
    }
    Ok(())
}
