//! `synack`: the terminal front end on the same core the page uses.
//!
//! `synack list`, `synack run ID [--set [HOST.]NAME=VALUE]... [--seed N]
//! [--format text|json|pcap|svg|png|mermaid] [--out FILE]`, `synack pkt FILE.pkt...`. Bad input exits 2 with one
//! line saying what was wrong and what is accepted; nothing panics. `pkt` exits 0 when every
//! script passed and 1 when one failed, as packetdrill does.

use std::io::Write;
use std::process::ExitCode;
use synack_core::scenario::{self, SCENARIOS};

const USAGE: &str = "usage: synack list | synack knobs | synack run ID [--set [HOST.]NAME=VALUE]... [--seed N] [--format text|json|pcap|svg|png|mermaid] [--out FILE] | synack pkt [--seed N] [--trace] FILE.pkt...";

/// What `run` prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Pcap,
    Svg,
    Png,
    Mermaid,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match real_main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) if msg == SCRIPTS_FAILED => ExitCode::from(1),
        Err(msg) => {
            eprintln!("synack: {msg}");
            ExitCode::from(2)
        }
    }
}

fn real_main(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("list") => {
            let mut out = std::io::stdout().lock();
            for s in SCENARIOS {
                writeln!(out, "{:<20} {}", s.id, s.summary).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Some("run") => run(args.get(1..).unwrap_or(&[])),
        Some("pkt") => pkt(args.get(1..).unwrap_or(&[])),
        Some("knobs") => {
            for k in synack_core::config::KNOBS {
                println!("{:<28} {}", k.full_name, k.help);
            }
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`; {USAGE}")),
        None => Err(USAGE.to_string()),
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let mut it = args.iter();
    let id = it
        .next()
        .ok_or_else(|| format!("`run` needs a scenario id; {USAGE}"))?;
    let sc = scenario::find(id).map_err(|e| e.to_string())?;
    let mut seed = 1u64;
    let mut format = Format::Text;
    let mut out_path: Option<String> = None;
    let mut sets: Vec<(String, String)> = Vec::new();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match arg.as_str() {
            "--set" => {
                let v = value("--set")?;
                let (n, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("`--set {v}`: expected NAME=VALUE"))?;
                sets.push((n.to_string(), val.to_string()));
            }
            "--seed" => {
                let v = value("--seed")?;
                seed = v.parse().map_err(|_| {
                    format!(
                        "bad seed `{v}`; accepted: an integer from 0 to {}",
                        u64::MAX
                    )
                })?;
            }
            "--format" => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "pcap" => Format::Pcap,
                    "svg" => Format::Svg,
                    "png" => Format::Png,
                    "mermaid" => Format::Mermaid,
                    other => {
                        return Err(format!(
                            "bad format `{other}`; accepted: text, json, pcap, svg, png, mermaid"
                        ));
                    }
                }
            }
            "--out" => out_path = Some(value("--out")?),
            other => return Err(format!("unknown option `{other}`; {USAGE}")),
        }
    }
    let mut params = sc.params(seed);
    let pairs: Vec<(&str, &str)> = sets.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    sc.set_all(&mut params, &pairs).map_err(|e| e.to_string())?;
    let sim = sc.run(&params);
    let bytes = match format {
        Format::Text => sc.text(&sim, &sc.outcome(&sim, &params)).into_bytes(),
        Format::Json => {
            let doc = serde_json::json!({
                "scenario": sc.id,
                "seed": seed,
                "trace": sim.trace(),
                "outcome": sc.outcome(&sim, &params),
            });
            let mut s = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
            s.push('\n');
            s.into_bytes()
        }
        Format::Pcap => {
            synack_core::pcap::write(sim.segments().iter().map(|(_, at, s)| (*at, &**s)))
        }
        Format::Svg => synack_diagram::layout_of(&sim, synack_diagram::Geometry::WIDE)
            .to_svg()
            .into_bytes(),
        Format::Png => png(
            &synack_diagram::layout_of(&sim, synack_diagram::Geometry::WIDE).to_svg(),
            PNG_SCALE,
        )?,
        Format::Mermaid => synack_diagram::layout_of(&sim, synack_diagram::Geometry::WIDE)
            .to_mermaid()
            .into_bytes(),
    };
    match out_path {
        Some(p) => std::fs::write(&p, bytes).map_err(|e| format!("cannot write `{p}`: {e}")),
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .map_err(|e| e.to_string()),
    }
}

/// The PNG's pixels per diagram pixel, as the page's PNG download (`www/src/exports.js`).
const PNG_SCALE: f32 = 2.0;

/// The diagram's SVG drawn as PNG, `scale` times its size, with resvg (the page draws the same
/// SVG on a canvas). Text needs a font on the machine: the SVG asks for `sans-serif` and
/// `monospace`, mapped to the first of a few common families that is installed.
fn png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    if db.is_empty() {
        return Err(String::from(
            "`--format png` needs a font and this machine has none; install one (Debian: fonts-dejavu-core)",
        ));
    }
    let has = |db: &usvg::fontdb::Database, name: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(n, _)| n == name))
    };
    let sans = [
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
        "Arial",
        "Helvetica",
    ];
    let mono = [
        "DejaVu Sans Mono",
        "Liberation Mono",
        "Noto Sans Mono",
        "Courier New",
    ];
    if let Some(n) = sans.iter().find(|n| has(db, n)) {
        db.set_sans_serif_family(*n);
    }
    if let Some(n) = mono.iter().find(|n| has(db, n)) {
        db.set_monospace_family(*n);
    }
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("the diagram's SVG: {e}"))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or("the diagram is too large for a PNG")?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("the diagram is too large for a PNG")?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// The error `pkt` returns when a script failed (its messages are already printed).
const SCRIPTS_FAILED: &str = "\u{0}scripts failed";

/// Helper files (`./defaults.sh`) are read relative to the script's directory, as packetdrill
/// runs them from there.
struct Dir(std::path::PathBuf);

impl synack_pkt::Files for Dir {
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(path)).ok()
    }
}

fn pkt(args: &[String]) -> Result<(), String> {
    let mut seed = 1u64;
    let mut trace = false;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => {
                let v = it.next().ok_or("`--seed` needs a value")?;
                seed = v.parse().map_err(|_| {
                    format!(
                        "bad seed `{v}`; accepted: an integer from 0 to {}",
                        u64::MAX
                    )
                })?;
            }
            "--trace" => trace = true,
            f if f.starts_with("--") => return Err(format!("unknown option `{f}`; {USAGE}")),
            f => files.push(f.to_string()),
        }
    }
    if files.is_empty() {
        return Err(format!("`pkt` needs at least one script; {USAGE}"));
    }
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let src = std::fs::read_to_string(f).map_err(|e| format!("cannot read `{f}`: {e}"))?;
        let dir = std::path::Path::new(f).parent().map_or_else(
            || std::path::PathBuf::from("."),
            std::path::Path::to_path_buf,
        );
        let report = synack_pkt::run(f, &src, &Dir(dir), seed);
        if trace {
            for ev in &report.trace {
                if !matches!(ev.kind, synack_core::trace::EventKind::Delivered { .. }) {
                    let who = if ev.host().is_some() { "host" } else { "peer" };
                    println!("{:>11} {who:<5} {}", ev.at().to_string(), ev.kind);
                }
            }
        }
        for e in &report.errors {
            println!("{e}");
        }
        if report.passed {
            passed += 1;
            println!("{f}: PASS");
        } else {
            failed += 1;
            println!("{f}: FAIL");
        }
    }
    if files.len() > 1 {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        Err(SCRIPTS_FAILED.to_string())
    } else {
        Ok(())
    }
}
