//! A static file server for `www/` (the page is static files: this is what GitHub Pages does).

use std::path::{Component, Path, PathBuf};
use std::thread::JoinHandle;

/// The content type of a file, by its extension (`.wasm` must be `application/wasm` for
/// `WebAssembly.instantiateStreaming`).
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file a request path names under `root` (served at `prefix`, `/` or `/synack/`), refusing
/// anything outside the prefix or that climbs out of the root.
fn resolve(root: &Path, prefix: &str, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let path = path.strip_prefix(prefix)?;
    let mut out = root.to_path_buf();
    for c in Path::new(path.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

/// Serves `root` on `127.0.0.1:port` (0 for any free port) from a background thread. Returns
/// the port it listens on and the thread.
pub fn start(root: PathBuf, port: u16) -> Result<(u16, JoinHandle<()>), String> {
    start_at(root, port, "/")
}

/// Serves `root` at `prefix` (`/synack/`, as GitHub Pages serves a project site); every other
/// path is 404.
pub fn start_at(
    root: PathBuf,
    port: u16,
    prefix: &'static str,
) -> Result<(u16, JoinHandle<()>), String> {
    let server = tiny_http::Server::from_listener(listener(port)?, None)
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| String::from("the server has no IP address"))?;
    let handle = std::thread::spawn(move || {
        for req in server.incoming_requests() {
            // One thread per request: a response the browser is slow to read (the wasm, to a
            // page in a background iframe) must not hold up the others.
            let root = root.clone();
            std::thread::spawn(move || respond(&root, prefix, req));
        }
    });
    Ok((port, handle))
}

/// A listening socket on `127.0.0.1:port` with `TCP_NODELAY`, which the connections it accepts
/// inherit (Linux copies the listener's `nonagle` into each child). Without it, every response
/// after the first on a kept-alive connection waited about 40 ms: tiny_http writes a response in
/// more than one piece, Nagle's algorithm holds the last piece back until the earlier one is
/// acknowledged, and the browser delays that ACK (`tcp_send_delayed_ack`, 40 ms at least). The
/// page's modules, which a browser fetches over six connections, then took 300 ms to arrive.
fn listener(port: u16) -> Result<std::net::TcpListener, String> {
    use socket2::{Domain, Socket, Type};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let fail = |e: std::io::Error| format!("cannot listen on {addr}: {e}");
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).map_err(fail)?;
    s.set_tcp_nodelay(true).map_err(fail)?;
    // As std's `TcpListener::bind` does: a restarted server binds past its old TIME-WAITs.
    s.set_reuse_address(true).map_err(fail)?;
    s.bind(&addr.into()).map_err(fail)?;
    s.listen(128).map_err(fail)?;
    Ok(s.into())
}

/// Answers one request with the file it names, or 404.
fn respond(root: &Path, prefix: &str, req: tiny_http::Request) {
    let response = match resolve(root, prefix, req.url()).and_then(|p| {
        let body = std::fs::read(&p).ok()?;
        Some((p, body))
    }) {
        Some((p, body)) => {
            let mut r = tiny_http::Response::from_data(body);
            for (name, value) in [
                ("Content-Type", content_type(&p)),
                ("Cache-Control", "no-cache"),
            ] {
                if let Ok(h) = tiny_http::Header::from_bytes(name, value) {
                    r.add_header(h);
                }
            }
            r
        }
        None => tiny_http::Response::from_string("not found").with_status_code(404),
    };
    let _ = req.respond(response);
}
