//! The page's wasm build, as `wasm-pack.toml` describes it: wasm-pack (with its own wasm-opt
//! step off) into `www/pkg`, then npm's wasm-opt, then the gzipped size against the budget.

use crate::tools;
use serde::Deserialize;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// `wasm-pack.toml`.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct WasmConfig {
    #[serde(rename = "crate")]
    krate: CrateSection,
    build: BuildSection,
    pub tools: ToolsSection,
    opt: OptSection,
    budget: BudgetSection,
    tools_module: ToolsModule,
}

/// The lazily loaded second module: the crate built with more features, under another name.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ToolsModule {
    features: Vec<String>,
    out_name: String,
    gzip_bytes: u64,
}

#[derive(Deserialize)]
struct CrateSection {
    path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BuildSection {
    target: String,
    out_dir: String,
    out_name: String,
    #[serde(default)]
    profile: toml::Table,
    /// Flags for rustc in the wasm build only, passed as `CARGO_ENCODED_RUSTFLAGS`.
    #[serde(default)]
    rustflags: Vec<String>,
}

/// The pinned tool versions.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ToolsSection {
    /// wasm-bindgen-cli's version, equal to the binding's `=` pin.
    pub wasm_bindgen: String,
    /// wasm-pack's version.
    pub wasm_pack: String,
}

#[derive(Deserialize)]
struct OptSection {
    passes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BudgetSection {
    gzip_bytes: u64,
}

/// Reads `wasm-pack.toml`.
pub fn config(root: &Path) -> Result<WasmConfig, String> {
    let text = std::fs::read_to_string(root.join("wasm-pack.toml"))
        .map_err(|e| format!("cannot read wasm-pack.toml: {e}"))?;
    toml::from_str(&text).map_err(|e| format!("wasm-pack.toml: {e}"))
}

/// The files of the wasm build that the page loads: the glue module and the wasm.
pub fn pkg_files(root: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let c = config(root)?;
    let dir = root.join(&c.build.out_dir);
    let files: Vec<std::path::PathBuf> = [&c.build.out_name, &c.tools_module.out_name]
        .iter()
        .flat_map(|n| {
            [
                dir.join(format!("{n}.js")),
                dir.join(format!("{n}_bg.wasm")),
            ]
        })
        .collect();
    match files.iter().find(|f| !f.is_file()) {
        Some(f) => Err(format!(
            "{} is missing: the wasm build did not write it",
            f.display()
        )),
        None => Ok(files),
    }
}

/// Installs the pinned wasm tools and npm's, then builds the page's wasm. Returns the gzipped
/// size and the budget.
pub fn build(root: &Path) -> Result<(u64, u64), String> {
    let c = config(root)?;
    tools::wasm_target()?;
    tools::cargo_tool(
        root,
        "wasm-bindgen-cli",
        "wasm-bindgen",
        &c.tools.wasm_bindgen,
    )?;
    tools::cargo_tool(root, "wasm-pack", "wasm-pack", &c.tools.wasm_pack)?;
    tools::npm(root)?;
    let (gz, _) = build_module(root, &c, &c.build.out_name, &[], c.budget.gzip_bytes)?;
    let tools = &c.tools_module;
    let (tools_gz, tools_budget) =
        build_module(root, &c, &tools.out_name, &tools.features, tools.gzip_bytes)?;
    if tools_gz > tools_budget {
        return Err(format!(
            "the tools module is {tools_gz} bytes gzipped, over its budget of {tools_budget}"
        ));
    }
    Ok((gz, c.budget.gzip_bytes))
}

/// Builds one module of the crate (`out_name`, with `features`) into `out-dir`, optimises it
/// with wasm-opt; returns its gzipped size and `budget`.
fn build_module(
    root: &Path,
    c: &WasmConfig,
    out_name: &str,
    features: &[String],
    budget: u64,
) -> Result<(u64, u64), String> {
    let out_dir = root.join(&c.build.out_dir);
    let crate_dir = root.join(&c.krate.path);
    let out = out_dir.to_string_lossy().to_string();
    let features = features.join(",");
    let mut args = vec![
        "build",
        crate_dir.to_str().unwrap_or("."),
        "--target",
        &c.build.target,
        "--out-dir",
        &out,
        "--out-name",
        out_name,
        "--release",
        "--no-opt",
    ];
    if !features.is_empty() {
        args.extend(["--", "--features", &features]);
    }
    eprintln!("xtask: wasm-pack {}", args.join(" "));
    let mut cmd = Command::new("wasm-pack");
    cmd.args(&args).current_dir(root);
    // The release profile for the wasm build only (the native one stays as Cargo.toml has it).
    for (k, v) in &c.build.profile {
        let value = match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        cmd.env(
            format!(
                "CARGO_PROFILE_RELEASE_{}",
                k.to_uppercase().replace('-', "_")
            ),
            value,
        );
    }
    if !c.build.rustflags.is_empty() {
        // Added to the caller's flags (CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS), which the
        // variable would otherwise replace.
        let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
            Ok(v) => v
                .split('\x1f')
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect(),
            Err(_) => std::env::var("RUSTFLAGS")
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect(),
        };
        flags.extend(c.build.rustflags.iter().cloned());
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run wasm-pack: {e}"))?;
    if !status.success() {
        return Err(String::from("wasm-pack build failed"));
    }
    let wasm = out_dir.join(format!("{out_name}_bg.wasm"));
    let wasm_s = wasm.to_string_lossy().to_string();
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let mut opt_args: Vec<&str> = vec![&wasm_s];
    opt_args.extend(c.opt.passes.iter().map(String::as_str));
    opt_args.extend(["-o", &wasm_s]);
    tools::run(wasm_opt.to_str().unwrap_or("wasm-opt"), &opt_args)?;
    let bytes = std::fs::read(&wasm).map_err(|e| e.to_string())?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).map_err(|e| e.to_string())?;
    let gz_len = gz.finish().map_err(|e| e.to_string())?.len() as u64;
    eprintln!(
        "xtask: {} is {} bytes, {gz_len} gzipped (budget {budget})",
        wasm.display(),
        bytes.len(),
    );
    Ok((gz_len, budget))
}
