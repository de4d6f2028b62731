//! What known engine-API consumers need from a socket proxy.
