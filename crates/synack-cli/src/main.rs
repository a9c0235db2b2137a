//! `synack`: the terminal front end on the same core the page uses.
//!
//! `synack list`, `synack run ID [--set [HOST.]NAME=VALUE]... [--seed N]
//! [--format text|json|pcap] [--out FILE]`. Bad input exits 2 with one line saying what was
//! wrong and what is accepted; nothing panics.

use std::io::Write;
use std::process::ExitCode;
use synack_core::scenario::{self, SCENARIOS};

const USAGE: &str = "usage: synack list | synack run ID [--set [HOST.]NAME=VALUE]... [--seed N] [--format text|json|pcap] [--out FILE]";

/// What `run` prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Pcap,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match real_main(&args) {
        Ok(()) => ExitCode::SUCCESS,
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
                    other => {
                        return Err(format!("bad format `{other}`; accepted: text, json, pcap"));
                    }
                }
            }
            "--out" => out_path = Some(value("--out")?),
            other => return Err(format!("unknown option `{other}`; {USAGE}")),
        }
    }
    let mut params = sc.params(seed);
    for (n, v) in &sets {
        sc.set(&mut params, n, v).map_err(|e| e.to_string())?;
    }
    let sim = sc.run(&params);
    let bytes = match format {
        Format::Text => scenario::render_text(&sim, &sc.outcome(&sim, &params)).into_bytes(),
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
        Format::Pcap => synack_core::pcap::write(sim.segments().iter().map(|(_, at, s)| (*at, s))),
    };
    match out_path {
        Some(p) => std::fs::write(&p, bytes).map_err(|e| format!("cannot write `{p}`: {e}")),
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .map_err(|e| e.to_string()),
    }
}
