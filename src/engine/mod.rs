//! A minimal Docker Engine API client: plain HTTP/1.1 over the engine's unix socket, JSON
//! bodies read with `serde_json`. Only what `verify` needs (GET requests); no async runtime.

pub mod verify;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;

/// The socket Docker listens on when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How long one request may take before the engine is taken for unreachable.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Where the engine is: a unix socket path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    pub socket: PathBuf,
}

impl Engine {
    /// The engine named by `DOCKER_HOST` (only `unix://` is supported), else the default socket.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_host(std::env::var("DOCKER_HOST").ok().as_deref())
    }

    /// The engine for a `DOCKER_HOST` value (`None` or empty: the default socket).
    pub fn from_host(host: Option<&str>) -> Result<Self, Error> {
        let host = host.map(str::trim).filter(|h| !h.is_empty());
        let Some(host) = host else {
            return Ok(Engine {
                socket: PathBuf::from(DEFAULT_SOCKET),
            });
        };
        if let Some(path) = host.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(Error::Usage(format!(
                    "DOCKER_HOST=`{host}` names no socket path (expected unix:///path/to/docker.sock)"
                )));
            }
            return Ok(Engine {
                socket: PathBuf::from(path),
            });
        }
        if host.starts_with('/') {
            return Ok(Engine {
                socket: PathBuf::from(host),
            });
        }
        let scheme = host.split("://").next().unwrap_or(host);
        Err(Error::Usage(format!(
            "DOCKER_HOST=`{host}`: `{scheme}://` engines are not supported by `verify`; only a local unix socket is (unix:///var/run/docker.sock)"
        )))
    }

    /// `GET path` and the body parsed as JSON; an HTTP error status is an error naming it.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, Error> {
        let resp = self.request("GET", path)?;
        if !(200..300).contains(&resp.status) {
            let msg = serde_json::from_slice::<serde_json::Value>(&resp.body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
                .unwrap_or_else(|| String::from_utf8_lossy(&resp.body).trim().to_string());
            return Err(Error::Usage(format!(
                "Docker Engine at {}: GET {path}: HTTP {}: {msg}",
                self.socket.display(),
                resp.status
            )));
        }
        serde_json::from_slice(&resp.body).map_err(|e| {
            Error::Usage(format!(
                "Docker Engine at {}: GET {path}: the answer is not JSON: {e}",
                self.socket.display()
            ))
        })
    }

    /// `GET /_ping`: whether the engine answers.
    pub fn ping(&self) -> Result<(), Error> {
        let resp = self.request("GET", "/_ping")?;
        if resp.status == 200 {
            Ok(())
        } else {
            Err(self.unreachable(&format!("/_ping answered HTTP {}", resp.status)))
        }
    }

    /// One request on a fresh connection (`Connection: close`).
    pub fn request(&self, method: &str, path: &str) -> Result<Response, Error> {
        let raw = self
            .exchange(method, path)
            .map_err(|e| self.unreachable(&e.to_string()))?;
        parse_response(&raw).map_err(|m| {
            Error::Usage(format!(
                "Docker Engine at {}: {method} {path}: bad HTTP answer: {m}",
                self.socket.display()
            ))
        })
    }

    fn unreachable(&self, why: &str) -> Error {
        Error::Usage(format!(
            "cannot reach the Docker Engine at {}: {why} (is it running? set DOCKER_HOST=unix:///path/to/docker.sock for another socket)",
            self.socket.display()
        ))
    }

    #[cfg(unix)]
    fn exchange(&self, method: &str, path: &str) -> std::io::Result<Vec<u8>> {
        let mut stream = std::os::unix::net::UnixStream::connect(&self.socket)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: compose-harden/{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        stream.write_all(req.as_bytes())?;
        stream.flush()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        Ok(raw)
    }

    #[cfg(not(unix))]
    fn exchange(&self, _method: &str, _path: &str) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "unix sockets are not available on this platform",
        ))
    }

    /// The containers of a Compose project, stopped ones too.
    pub fn project_containers(&self, project: &str) -> Result<Vec<serde_json::Value>, Error> {
        let filters = serde_json::json!({
            "label": [format!("com.docker.compose.project={project}")]
        });
        let path = format!(
            "/containers/json?all=1&filters={}",
            percent_encode(&filters.to_string())
        );
        match self.get_json(&path)? {
            serde_json::Value::Array(items) => Ok(items),
            _ => Err(Error::Usage(format!(
                "Docker Engine at {}: GET /containers/json: expected a list",
                self.socket.display()
            ))),
        }
    }

    /// `GET /containers/{id}/json`.
    pub fn inspect(&self, id: &str) -> Result<serde_json::Value, Error> {
        self.get_json(&format!("/containers/{}/json", percent_encode(id)))
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

/// An HTTP answer: status and the de-chunked body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole HTTP/1.1 answer read until the connection closed.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let head_end = find(raw, b"\r\n\r\n").ok_or("no end of headers")?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|_| "headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or("no status line")?;
    let mut parts = status_line.splitn(3, ' ');
    let proto = parts.next().unwrap_or("");
    if !proto.starts_with("HTTP/") {
        return Err(format!("not an HTTP status line: `{status_line}`"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line `{status_line}`"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut resp = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &raw[head_end + 4..];
    let chunked = resp
        .header("Transfer-Encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    resp.body = if chunked {
        dechunk(rest)?
    } else if let Some(len) = resp.header("Content-Length") {
        let len: usize = len.parse().map_err(|_| "bad Content-Length")?;
        if rest.len() < len {
            return Err(format!(
                "the body was cut short ({} of {len} bytes)",
                rest.len()
            ));
        }
        rest[..len].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(resp)
}

/// Decodes a `Transfer-Encoding: chunked` body (extensions and trailers ignored).
pub fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n").ok_or("a chunk size line is cut short")?;
        let line = std::str::from_utf8(&data[..line_end]).map_err(|_| "bad chunk size line")?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size `{size_text}`"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err("a chunk is cut short".into());
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size..];
        data = data.strip_prefix(b"\r\n").ok_or("a chunk lacks its CRLF")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{\"a\r\n7;ext=1\r\n\":1},{}\r\n1\r\n]\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"[{\"a\":1},{}]");
    }

    #[test]
    fn content_length_bodies_stop_at_the_length() {
        let raw = b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}garbage";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(r.body, b"{}");
    }

    #[test]
    fn cut_chunks_are_errors() {
        assert!(dechunk(b"a\r\nshort").is_err());
        assert!(dechunk(b"zz\r\n").is_err());
    }

    #[test]
    fn docker_host_forms() {
        assert_eq!(
            Engine::from_host(None).unwrap().socket,
            PathBuf::from(DEFAULT_SOCKET)
        );
        assert_eq!(
            Engine::from_host(Some("unix:///run/user/1000/docker.sock"))
                .unwrap()
                .socket,
            PathBuf::from("/run/user/1000/docker.sock")
        );
        let e = Engine::from_host(Some("tcp://10.0.0.1:2375")).unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn unreachable_socket_names_the_path() {
        let e = Engine {
            socket: PathBuf::from("/nonexistent/compose-harden.sock"),
        };
        let err = e.ping().unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/compose-harden.sock"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn filters_are_encoded() {
        assert_eq!(
            percent_encode(r#"{"label":["a=b"]}"#),
            "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D"
        );
    }
}
