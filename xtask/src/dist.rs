//! `cargo xtask dist`: the page as a self-contained static site in `dist/`, ready for GitHub
//! Pages (`.github/workflows/pages.yml` runs this same command): the page, the embed page, their
//! scripts, styles and language files, the wasm and its glue, and `.nojekyll` (so that Pages
//! serves every file as it is, without Jekyll). Every URL in it is relative, so that it works
//! from a project site's sub-path (`https://USER.github.io/synack/`); nothing is fetched from
//! another host (`tests/browser/dist.test.mjs` serves it under `/synack/` and checks both).

use crate::page;
use std::path::Path;

/// What of `www/` the site needs: everything but the wasm build's by-products (its `.d.ts`,
/// `package.json`, `.gitignore`), which `pkg_files` picks instead.
const WWW_DIRS: [&str; 2] = ["src", "i18n"];
const WWW_EXTS: [&str; 2] = ["html", "css"];

/// Builds the page and writes `dist/`. Fails when the wasm is over its budget, or when a file
/// names a root-relative or another host's URL that the browser would fetch.
pub fn dist(root: &Path) -> Result<(), String> {
    let (gz, budget) = page::build(root)?;
    if gz > budget {
        return Err(format!(
            "the page's wasm is {gz} bytes gzipped, over its budget of {budget}"
        ));
    }
    let n = write(root)?;
    eprintln!("xtask: dist/ holds {n} files (the wasm {gz} bytes gzipped)");
    Ok(())
}

/// Writes `dist/` from `www/` and the wasm build already made; returns how many files it holds.
pub fn write(root: &Path) -> Result<usize, String> {
    let www = root.join("www");
    let out = root.join("dist");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("cannot empty dist/: {e}"))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(&www).map_err(|e| e.to_string())? {
        let p = entry.map_err(|e| e.to_string())?.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if p.is_file() && WWW_EXTS.contains(&ext) {
            copy(&p, &out.join(p.file_name().unwrap_or_default()))?;
        }
    }
    for dir in WWW_DIRS {
        copy_dir(&www.join(dir), &out.join(dir))?;
    }
    for f in page::pkg_files(root)? {
        let rel = f.strip_prefix(&www).map_err(|e| e.to_string())?;
        copy(&f, &out.join(rel))?;
    }
    std::fs::write(out.join(".nojekyll"), "").map_err(|e| e.to_string())?;
    let mut n = 0;
    check_urls(&out, &mut n)?;
    Ok(n)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {}: {e}", from.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let p = entry.map_err(|e| e.to_string())?.path();
        let name = p.file_name().unwrap_or_default();
        if p.is_dir() {
            copy_dir(&p, &to.join(name))?;
        } else {
            copy(&p, &to.join(name))?;
        }
    }
    Ok(())
}

/// What a file must not say: a URL the browser would resolve against the host's root (which on
/// a project site is someone else's), or one on another host that it would fetch (a script, a
/// style, a font, an image, a module). Links a reader follows (`<a href>`) may go anywhere.
const FETCHED_ELSEWHERE: [&str; 12] = [
    "src=\"/",
    "href=\"/",
    "url(/",
    "url(\"/",
    "from '/",
    "import('/",
    "fetch('/",
    "src=\"http",
    "url(http",
    "url(\"http",
    "from 'http",
    "import('http",
];

/// Checks every text file under `dir` against [`FETCHED_ELSEWHERE`]; counts the files.
fn check_urls(dir: &Path, n: &mut usize) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            check_urls(&p, n)?;
            continue;
        }
        *n += 1;
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "html" | "css" | "js") {
            continue;
        }
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        for needle in FETCHED_ELSEWHERE {
            if let Some(at) = text.find(needle) {
                let line = text.get(..at).unwrap_or("").lines().count().max(1);
                return Err(format!(
                    "{}:{line}: `{needle}...`: dist/ must use relative URLs and fetch nothing from another host",
                    p.display()
                ));
            }
        }
    }
    Ok(())
}
