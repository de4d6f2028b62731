//! The Compose model the passes read: services with merge keys expanded, typed the way
//! Compose types them, every value still pointing at where it is written.

pub mod interpolation;

use crate::edit::Path;
use crate::error::{Error, Location};
use crate::load::tree::Kind;
use crate::load::{Document, Entry, NodeId};
use crate::rules::RuleId;

/// A boolean as Compose reads it: `y`, `yes`, `true`, `on` in any case are true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeBool {
    True,
    False,
    /// `${VAR}`: decided when the file is used, never guessed.
    Expr(String),
    Invalid(String),
}

impl ComposeBool {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => ComposeBool::True,
            "false" | "no" | "off" | "n" => ComposeBool::False,
            _ if s.contains('$') => ComposeBool::Expr(s.to_string()),
            _ => ComposeBool::Invalid(s.to_string()),
        }
    }
}

/// One service, as Compose sees it.
pub struct Service<'a> {
    pub doc: &'a Document,
    pub name: String,
    /// The service's name in `services`.
    pub name_node: NodeId,
    /// The service's value as written (a mapping, or an alias of one).
    pub node: NodeId,
    /// Its keys, merge keys expanded.
    pub entries: Vec<Entry>,
    pub exceptions: Exceptions,
}

/// What a service's `x-harden` says: rules it keeps as accepted risks, and overrides.
#[derive(Debug, Clone, Default)]
pub struct Exceptions {
    pub skip: Vec<RuleId>,
    pub reason: Option<String>,
    pub user: Option<String>,
    pub tmpfs: Vec<String>,
    pub cap_add: Vec<String>,
}

impl Exceptions {
    pub fn skips(&self, rule: RuleId) -> bool {
        self.skip.contains(&rule)
    }
}

impl<'a> Service<'a> {
    pub fn all(doc: &'a Document) -> Result<Vec<Service<'a>>, Error> {
        doc.services()
            .into_iter()
            .map(|e| Service::new(doc, e))
            .collect()
    }

    fn new(doc: &'a Document, entry: Entry) -> Result<Self, Error> {
        let mut entries = doc.tree.entries(entry.value);
        if doc.tree.is_alias(entry.value) {
            // Keys of a bare-alias service (`worker: *base`) are all inherited.
            for e in &mut entries {
                e.local = false;
            }
        }
        let mut svc = Service {
            doc,
            name: entry.key,
            name_node: entry.key_node,
            node: entry.value,
            entries,
            exceptions: Exceptions::default(),
        };
        svc.exceptions = svc.read_exceptions()?;
        Ok(svc)
    }

    pub fn path(&self) -> Path {
        Path::service(&self.name)
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|e| !self.doc.tree.is_null(e.value))
    }

    /// Where a key is written, or the service name when the key is absent.
    pub fn location(&self, key: Option<&str>) -> Location {
        match key.and_then(|k| self.get(k)) {
            Some(e) => self.doc.location(e.key_node),
            None => self.doc.location(self.name_node),
        }
    }

    pub fn location_of(&self, node: NodeId) -> Location {
        self.doc.location(node)
    }

    pub fn str(&self, key: &str) -> Option<&'a str> {
        let e = self.get(key)?;
        self.doc.tree.non_null_scalar(e.value)
    }

    pub fn bool(&self, key: &str) -> Option<ComposeBool> {
        self.str(key).map(ComposeBool::parse)
    }

    pub fn image(&self) -> Option<&'a str> {
        self.str("image")
    }

    /// How to name the service's image in a message: its reference, or "the image built for
    /// `<service>`".
    pub fn image_label(&self) -> String {
        match self.image() {
            Some(i) => format!("`{i}`"),
            None => format!("the image built for `{}`", self.name),
        }
    }

    /// A key that holds a string or a list of strings (`tmpfs`, `cap_add`, `dns`, ...), as
    /// (node, text) pairs; a single string reads as a list of one.
    pub fn strings(&self, key: &str) -> Vec<(NodeId, String)> {
        let Some(e) = self.get(key) else {
            return Vec::new();
        };
        strings_of(self.doc, e.value)
    }

    /// The service's Dockerfile text, when it is built from a readable local one: `build` as a
    /// context path, or `{context, dockerfile}`, or `dockerfile_inline`.
    pub fn dockerfile(&self) -> Option<String> {
        let build = self.get("build")?;
        let tree = &self.doc.tree;
        let (context, dockerfile) = if let Some(c) = tree.non_null_scalar(build.value) {
            (c.to_string(), "Dockerfile".to_string())
        } else {
            let get = |k: &str| {
                tree.get(build.value, k)
                    .and_then(|e| tree.non_null_scalar(e.value).map(str::to_string))
            };
            if let Some(inline) = get("dockerfile_inline") {
                return Some(inline);
            }
            (
                get("context").unwrap_or_else(|| ".".into()),
                get("dockerfile").unwrap_or_else(|| "Dockerfile".into()),
            )
        };
        if context.contains("://") || context.contains('$') || dockerfile.contains('$') {
            return None;
        }
        let path = self.doc.base_dir().join(&context).join(&dockerfile);
        std::fs::read_to_string(path).ok()
    }

    /// The service of this same file that this one `extends`, if any.
    pub fn extends_local(&self) -> Option<&'a str> {
        let e = self.get("extends")?;
        let tree = &self.doc.tree;
        if let Some(name) = tree.non_null_scalar(e.value) {
            return Some(name);
        }
        if tree.get(e.value, "file").is_some() {
            return None;
        }
        tree.get(e.value, "service")
            .and_then(|s| tree.non_null_scalar(s.value))
    }

    pub fn is_skipped(&self, rule: RuleId) -> bool {
        self.exceptions.skips(rule)
    }

    fn read_exceptions(&self) -> Result<Exceptions, Error> {
        let Some(entry) = self.get("x-harden") else {
            return Ok(Exceptions::default());
        };
        let tree = &self.doc.tree;
        let mut ex = Exceptions::default();
        if tree.is_null(entry.value) {
            return Ok(ex);
        }
        if !tree.is_map(entry.value) {
            return Err(Error::invalid(
                self.doc.location(entry.value),
                format!("service `{}`: `x-harden` must be a mapping", self.name),
            ));
        }
        for e in tree.entries(entry.value) {
            match e.key.as_str() {
                "skip" => {
                    for (node, id) in strings_of(self.doc, e.value) {
                        let rule = id.parse::<RuleId>().map_err(|m| {
                            Error::invalid(self.doc.location(node), format!("x-harden.skip: {m}"))
                        })?;
                        if !ex.skip.contains(&rule) {
                            ex.skip.push(rule);
                        }
                    }
                }
                "reason" => ex.reason = tree.non_null_scalar(e.value).map(str::to_string),
                "user" => ex.user = tree.non_null_scalar(e.value).map(str::to_string),
                "tmpfs" => {
                    ex.tmpfs = strings_of(self.doc, e.value)
                        .into_iter()
                        .map(|(_, s)| s)
                        .collect()
                }
                "cap_add" => {
                    ex.cap_add = strings_of(self.doc, e.value)
                        .into_iter()
                        .map(|(_, s)| normalize_cap(&s))
                        .collect()
                }
                _ => {}
            }
        }
        if !ex.skip.is_empty() && ex.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(Error::invalid(
                self.doc.location(entry.key_node),
                format!(
                    "service `{}`: x-harden.skip needs a `reason` (why the risk is accepted)",
                    self.name
                ),
            ));
        }
        Ok(ex)
    }
}

/// A list's string items with their index in the list (nulls skipped, indices kept).
pub fn indexed_strings(svc: &Service, key: &str) -> Vec<(usize, NodeId, String)> {
    let Some(e) = svc.get(key) else {
        return Vec::new();
    };
    let tree = &svc.doc.tree;
    tree.items(e.value)
        .iter()
        .enumerate()
        .filter_map(|(i, &n)| tree.non_null_scalar(n).map(|s| (i, n, s.to_string())))
        .collect()
}

pub fn strings_of(doc: &Document, node: NodeId) -> Vec<(NodeId, String)> {
    let tree = &doc.tree;
    let id = tree.deref(node);
    match &tree.node(id).kind {
        Kind::Seq { items, .. } => items
            .iter()
            .filter_map(|&i| tree.non_null_scalar(i).map(|s| (i, s.to_string())))
            .collect(),
        Kind::Scalar { .. } => tree
            .non_null_scalar(id)
            .map(|s| vec![(id, s.to_string())])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `CAP_NET_ADMIN` and `net_admin` are the same capability as `NET_ADMIN`.
pub fn normalize_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// Whether a `user` runs as root: `root` or uid 0 with any group. An empty user is the image's
/// default, which is root for most images.
pub fn is_root_user(user: &str) -> bool {
    let uid = user.split(':').next().unwrap_or("").trim();
    uid == "root" || uid.chars().all(|c| c == '0')
}

/// How a service writes `environment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvForm {
    Map,
    List,
    Absent,
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    /// `None`: taken from the host environment (`- NAME` or `NAME:` with no value).
    pub value: Option<String>,
    /// The list item (list form) or the value (map form).
    pub node: NodeId,
    /// The key (map form).
    pub key_node: Option<NodeId>,
    /// Position in the list (list form).
    pub index: Option<usize>,
}

pub fn environment(svc: &Service) -> (EnvForm, Vec<EnvVar>) {
    let Some(e) = svc.get("environment") else {
        return (EnvForm::Absent, Vec::new());
    };
    let doc = svc.doc;
    let tree = &doc.tree;
    let id = tree.deref(e.value);
    match &tree.node(id).kind {
        Kind::Map { .. } => {
            let vars = tree
                .entries(id)
                .into_iter()
                .map(|en| EnvVar {
                    value: tree
                        .non_null_scalar(en.value)
                        .map(|_| scalar_as_written(doc, en.value)),
                    name: en.key,
                    node: en.value,
                    key_node: Some(en.key_node),
                    index: None,
                })
                .collect();
            (EnvForm::Map, vars)
        }
        Kind::Seq { items, .. } => {
            let vars = items
                .iter()
                .enumerate()
                .filter_map(|(i, &item)| {
                    let s = tree.non_null_scalar(item)?;
                    let (name, value) = match s.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(v.to_string())),
                        None => (s.to_string(), None),
                    };
                    Some(EnvVar {
                        name: name.trim().to_string(),
                        value,
                        node: item,
                        key_node: None,
                        index: Some(i),
                    })
                })
                .collect();
            (EnvForm::List, vars)
        }
        _ => (EnvForm::Absent, Vec::new()),
    }
}

/// A scalar's value the way Compose passes it into the container: `1.10` stays `1.10`.
pub fn scalar_as_written(doc: &Document, node: NodeId) -> String {
    let tree = &doc.tree;
    let id = tree.deref(node);
    match &tree.node(id).kind {
        Kind::Scalar { value, .. } => value.clone(),
        _ => String::new(),
    }
}

/// A `volumes` entry of a service.
#[derive(Debug, Clone)]
pub struct Mount {
    pub index: usize,
    pub node: NodeId,
    pub bind: bool,
    pub source: Option<String>,
    pub target: Option<String>,
    pub read_only: bool,
}

pub fn mounts(svc: &Service) -> Vec<Mount> {
    let Some(e) = svc.get("volumes") else {
        return Vec::new();
    };
    let tree = &svc.doc.tree;
    tree.items(e.value)
        .iter()
        .enumerate()
        .filter_map(|(index, &item)| {
            let id = tree.deref(item);
            if let Some(s) = tree.non_null_scalar(id) {
                let (source, target, mode) = split_short_volume(s);
                let bind = source.as_deref().is_some_and(looks_like_path);
                Some(Mount {
                    index,
                    node: item,
                    bind,
                    read_only: mode.split(',').any(|m| m == "ro"),
                    source,
                    target,
                })
            } else if tree.is_map(id) {
                let get = |k: &str| {
                    tree.get(id, k)
                        .and_then(|e| tree.non_null_scalar(e.value).map(str::to_string))
                };
                let kind = get("type").unwrap_or_default();
                let source = get("source");
                Some(Mount {
                    index,
                    node: item,
                    bind: kind == "bind"
                        || (kind.is_empty() && source.as_deref().is_some_and(looks_like_path)),
                    read_only: get("read_only")
                        .is_some_and(|v| ComposeBool::parse(&v) == ComposeBool::True),
                    source,
                    target: get("target"),
                })
            } else {
                None
            }
        })
        .collect()
}

/// Whether a host path is a container engine's API socket, or a folder holding one (`/run`).
/// A bind of `/` holds one too, but it is the sensitive-mount rule's: removing it would break
/// the host monitors that need it.
pub fn is_engine_socket(source: &str) -> bool {
    let s = source.trim_end_matches('/');
    if s.is_empty() {
        return false;
    }
    let file = s.rsplit('/').next().unwrap_or(s);
    matches!(
        file,
        "docker.sock" | "podman.sock" | "containerd.sock" | "crio.sock" | "dockershim.sock"
    ) || matches!(
        s,
        "/run"
            | "/var/run"
            | "/run/docker"
            | "/var/run/docker"
            | "/run/podman"
            | "/run/containerd"
            | "/var/run/containerd"
    )
}

fn looks_like_path(s: &str) -> bool {
    s.starts_with('/')
        || s.starts_with('.')
        || s.starts_with('~')
        || s.starts_with('$')
        || s.contains('/')
}

/// `SRC:DST:MODE`, `DST` alone, or a Windows `C:\\src:DST`; colons inside `${...}` are not
/// separators (`${DATA:-/srv}/x:/data`).
fn split_short_volume(s: &str) -> (Option<String>, Option<String>, String) {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut prev = ' ';
    for c in s.chars() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                prev = c;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        prev = c;
    }
    parts.push(cur);
    // A drive letter makes the first colon part of the source.
    if parts.len() > 2 && parts[0].len() == 1 && parts[1].starts_with('\\') {
        let drive = parts.remove(0);
        parts[0] = format!("{drive}:{}", parts[0]);
    }
    match parts.len() {
        0 => (None, None, String::new()),
        1 => (None, Some(parts[0].clone()), String::new()),
        2 => (
            Some(parts[0].clone()),
            Some(parts[1].clone()),
            String::new(),
        ),
        _ => (
            Some(parts[0].clone()),
            Some(parts[1].clone()),
            parts[2..].join(":"),
        ),
    }
}

/// A relative host path written in the file.
#[derive(Debug, Clone)]
pub struct RelativePath {
    /// Where the scalar holding it is, as Compose sees the document (merge keys expanded).
    pub path: Path,
    pub node: NodeId,
    /// The relative path itself.
    pub source: String,
    /// What comes before it in the same scalar (`name=` of a build context), kept as is.
    pub prefix: String,
    /// What follows it in the same scalar (`:/data:ro` of a short volume), kept as is.
    pub suffix: String,
}

fn is_relative(s: &str) -> bool {
    let absolute = s.starts_with(['/', '~', '$'])
        || s.contains("://")
        || (s.len() > 1 && s.as_bytes()[1] == b':');
    !s.is_empty() && !absolute
}

#[derive(Default)]
struct Found(Vec<RelativePath>);

impl Found {
    fn push(&mut self, path: Path, node: NodeId, source: &str, suffix: &str) {
        self.push_with(path, node, "", source, suffix);
    }

    fn push_with(&mut self, path: Path, node: NodeId, prefix: &str, source: &str, suffix: &str) {
        if is_relative(source) {
            self.0.push(RelativePath {
                path,
                node,
                prefix: prefix.to_string(),
                source: source.to_string(),
                suffix: suffix.to_string(),
            });
        }
    }
}

/// Relative host paths the file names (build contexts, bind mounts, env files, secret and config
/// files, `extends` and `include` files): they resolve against the compose file's folder.
pub fn relative_paths(doc: &Document) -> Vec<RelativePath> {
    let tree = &doc.tree;
    let mut out = Found::default();
    let Ok(services) = Service::all(doc) else {
        return Vec::new();
    };
    for svc in &services {
        let base = svc.path();
        if let Some(b) = svc.get("build") {
            match tree.non_null_scalar(b.value) {
                Some(s) => out.push(base.clone().key("build"), b.value, s, ""),
                None => {
                    if let Some(c) = tree.get(b.value, "context")
                        && let Some(s) = tree.non_null_scalar(c.value)
                    {
                        out.push(base.clone().key("build").key("context"), c.value, s, "");
                    }
                }
            }
        }
        for m in mounts(svc) {
            let Some(src) = &m.source else { continue };
            if !(src.starts_with('.') || (m.bind && !src.starts_with('/'))) {
                continue;
            }
            let at = base.clone().key("volumes").index(m.index);
            let id = tree.deref(m.node);
            match tree.non_null_scalar(id) {
                Some(whole) => {
                    let suffix = whole.strip_prefix(src.as_str()).unwrap_or("");
                    out.push(at, m.node, src, suffix);
                }
                None => {
                    if let Some(e) = tree.get(id, "source") {
                        out.push(at.key("source"), e.value, src, "");
                    }
                }
            }
        }
        if let Some(e) = svc.get("env_file") {
            let at = base.clone().key("env_file");
            if let Some(s) = tree.non_null_scalar(e.value) {
                out.push(at, e.value, s, "");
            } else {
                for (i, &item) in tree.items(e.value).iter().enumerate() {
                    if let Some(s) = tree.non_null_scalar(item) {
                        out.push(at.clone().index(i), item, s, "");
                    } else if let Some(p) = tree.get(item, "path")
                        && let Some(s) = tree.non_null_scalar(p.value)
                    {
                        out.push(at.clone().index(i).key("path"), p.value, s, "");
                    }
                }
            }
        }
        if let Some(e) = svc.get("extends")
            && let Some(f) = tree.get(e.value, "file")
            && let Some(s) = tree.non_null_scalar(f.value)
        {
            out.push(base.clone().key("extends").key("file"), f.value, s, "");
        }
        if let Some(e) = svc.get("label_file") {
            let at = base.clone().key("label_file");
            match tree.non_null_scalar(e.value) {
                Some(s) => out.push(at, e.value, s, ""),
                None => {
                    for (i, &item) in tree.items(e.value).iter().enumerate() {
                        if let Some(s) = tree.non_null_scalar(item) {
                            out.push(at.clone().index(i), item, s, "");
                        }
                    }
                }
            }
        }
        // Named build contexts: local folders only (not `docker-image://`, `service:`, URLs).
        if let Some(b) = svc.get("build")
            && let Some(c) = tree.get(b.value, "additional_contexts")
        {
            let at = base.clone().key("build").key("additional_contexts");
            if tree.is_map(c.value) {
                for e in tree.entries(c.value) {
                    if let Some(s) = tree.non_null_scalar(e.value).filter(|s| !s.contains(':')) {
                        out.push(at.clone().key(&e.key), e.value, s, "");
                    }
                }
            } else {
                for (i, &item) in tree.items(c.value).iter().enumerate() {
                    if let Some((name, s)) =
                        tree.non_null_scalar(item).and_then(|s| s.split_once('='))
                        && !s.contains(':')
                    {
                        out.push_with(at.clone().index(i), item, &format!("{name}="), s, "");
                    }
                }
            }
        }
    }
    for top in ["secrets", "configs"] {
        if let Some(t) = tree.get(doc.root(), top) {
            for e in tree.entries(t.value) {
                if let Some(f) = tree.get(e.value, "file")
                    && let Some(s) = tree.non_null_scalar(f.value)
                {
                    out.push(
                        Path::root().key(top).key(&e.key).key("file"),
                        f.value,
                        s,
                        "",
                    );
                }
            }
        }
    }
    if let Some(inc) = tree.get(doc.root(), "include") {
        for (i, &item) in tree.items(inc.value).iter().enumerate() {
            let at = Path::root().key("include").index(i);
            match tree.non_null_scalar(item) {
                Some(s) => out.push(at, item, s, ""),
                None => {
                    if let Some(p) = tree.get(item, "path") {
                        if let Some(s) = tree.non_null_scalar(p.value) {
                            out.push(at.key("path"), p.value, s, "");
                        } else {
                            for (j, &n) in tree.items(p.value).iter().enumerate() {
                                if let Some(s) = tree.non_null_scalar(n) {
                                    out.push(at.clone().key("path").index(j), n, s, "");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_bool_reads_like_compose() {
        for t in ["true", "True", "yes", "YES", "on", "On", "y"] {
            assert_eq!(ComposeBool::parse(t), ComposeBool::True, "{t}");
        }
        for f in ["false", "no", "Off", "n"] {
            assert_eq!(ComposeBool::parse(f), ComposeBool::False, "{f}");
        }
        assert_eq!(
            ComposeBool::parse("${PRIV}"),
            ComposeBool::Expr("${PRIV}".into())
        );
        assert_eq!(
            ComposeBool::parse("maybe"),
            ComposeBool::Invalid("maybe".into())
        );
    }

    #[test]
    fn short_volume_syntax() {
        assert_eq!(
            split_short_volume("/var/run/docker.sock:/var/run/docker.sock:ro"),
            (
                Some("/var/run/docker.sock".into()),
                Some("/var/run/docker.sock".into()),
                "ro".into()
            )
        );
        assert_eq!(
            split_short_volume("/data"),
            (None, Some("/data".into()), String::new())
        );
        assert_eq!(
            split_short_volume("${STORE:-/mnt/v}/t:/tmp"),
            (
                Some("${STORE:-/mnt/v}/t".into()),
                Some("/tmp".into()),
                String::new()
            )
        );
        assert_eq!(
            split_short_volume("C:\\data:/data"),
            (Some("C:\\data".into()), Some("/data".into()), String::new())
        );
    }
}
