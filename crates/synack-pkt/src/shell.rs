//! The back-quoted shell lines the conformance scripts use, read as commands on the simulated host
//! (`../shared/conformance/README.md`): `sysctl -q net.ipv4.NAME=VALUE`, `./counter.sh NAME VALUE
//! ...`, `test "$(ss -Htn state STATE | wc -l)" = N`, `./local-connect.sh N`, and helper scripts
//! made of such lines (`./defaults.sh`), joined by `&&` and `;`.
//!
//! This is not a shell: a line it does not understand is an error naming it, never a no-op.
//! `tc` lines are the one exception: queueing disciplines have no meaning in the simulation.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// One simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `sysctl [-q] [-w] NAME=VALUE`.
    Sysctl {
        /// The knob, as written (`net.ipv4.tcp_syncookies`).
        name: String,
        /// The value, quotes removed.
        value: String,
    },
    /// `./counter.sh NAME EXPECTED ...`: absolute SNMP counters.
    Counters(Vec<(String, String)>),
    /// `test "$(ss -Htn state STATE | wc -l)" = N`.
    SsCount {
        /// The state as `ss` names it (`syn-recv`).
        state: String,
        /// The expected count, as written.
        expected: String,
    },
    /// `./local-connect.sh N`: N loopback connections to the listener on port 8080, each closed at
    /// once by its client.
    LocalConnect(u32),
    /// Another helper script, whose lines are read as commands.
    Script(String),
    /// `tc ...`: no meaning in the simulation.
    TrafficControl,
    /// `exit N` (in a helper script).
    Exit(i32),
    /// `true` / `:`.
    True,
}

/// Commands joined by `&&`, run until one fails.
pub type Chain = Vec<Cmd>;

/// A command line that is not understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellError(pub String);

/// Splits a line into `;`-separated chains of `&&`-joined commands.
pub fn parse_line(line: &str) -> Result<Vec<Chain>, ShellError> {
    let mut chains = Vec::new();
    for part in split_outside_quotes(line, ";") {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let mut chain = Vec::new();
        for cmd in split_outside_quotes(part, "&&") {
            chain.push(parse_simple(cmd.trim())?);
        }
        chains.push(chain);
    }
    Ok(chains)
}

/// The commands of a helper script's text: one per line, `#` comments and blank lines skipped.
pub fn parse_script(text: &str) -> Result<Vec<Chain>, ShellError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.extend(parse_line(line).map_err(|e| ShellError(format!("line {}: {}", i + 1, e.0)))?);
    }
    Ok(out)
}

fn split_outside_quotes<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut depth = 0u32;
    let mut start = 0;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let c = char::from(bytes.get(i).copied().unwrap_or(0));
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '(' => depth += 1,
            None if c == ')' => depth = depth.saturating_sub(1),
            None if depth == 0 && s.get(i..).is_some_and(|r| r.starts_with(sep)) => {
                parts.push(s.get(start..i).unwrap_or(""));
                i += sep.len();
                start = i;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    parts.push(s.get(start..).unwrap_or(""));
    parts
}

/// Splits a simple command into words, removing quotes (`"40000 40000"` is one word).
fn words(s: &str) -> Result<Vec<String>, ShellError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(other) => cur.push(other),
                        None => return Err(ShellError(format!("unterminated quote in `{s}`"))),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(core::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn not_understood(cmd: &str) -> ShellError {
    ShellError(format!(
        "`{cmd}` is not a command synack understands (it reads sysctl -q NAME=VALUE, \
         ./counter.sh NAME VALUE..., test \"$(ss -Htn state STATE | wc -l)\" = N, \
         ./local-connect.sh N, and helper scripts made of such lines)"
    ))
}

fn parse_simple(cmd: &str) -> Result<Cmd, ShellError> {
    let w = words(cmd)?;
    let Some(first) = w.first() else {
        return Err(not_understood(cmd));
    };
    let args: Vec<&str> = w.iter().skip(1).map(String::as_str).collect();
    // Output redirections of helper lines (`2>/dev/null`) change nothing here.
    let args: Vec<&str> = args
        .into_iter()
        .filter(|a| !(a.starts_with("2>") || a.starts_with(">/dev/null")))
        .collect();
    match first.as_str() {
        "sysctl" => {
            let assign: Vec<&&str> = args.iter().filter(|a| !a.starts_with('-')).collect();
            let [one] = assign.as_slice() else {
                return Err(not_understood(cmd));
            };
            let (name, value) = one.split_once('=').ok_or_else(|| not_understood(cmd))?;
            Ok(Cmd::Sysctl {
                name: name.to_string(),
                value: value.to_string(),
            })
        }
        "tc" => Ok(Cmd::TrafficControl),
        "true" | ":" => Ok(Cmd::True),
        "exit" => {
            let code = match args.first() {
                Some(a) => a.parse::<i32>().map_err(|_| not_understood(cmd))?,
                None => 0,
            };
            Ok(Cmd::Exit(code))
        }
        "./counter.sh" => {
            if args.is_empty() || !args.len().is_multiple_of(2) {
                return Err(ShellError(format!(
                    "`{cmd}`: counter.sh takes pairs of NAME EXPECTED"
                )));
            }
            Ok(Cmd::Counters(
                args.chunks(2)
                    .map(|p| {
                        (
                            p.first().map_or(String::new(), |s| s.to_string()),
                            p.get(1).map_or(String::new(), |s| s.to_string()),
                        )
                    })
                    .collect(),
            ))
        }
        "./local-connect.sh" => {
            let n = match args.first() {
                Some(a) => a.parse::<u32>().map_err(|_| not_understood(cmd))?,
                None => 1,
            };
            Ok(Cmd::LocalConnect(n))
        }
        "test" | "[" => parse_test(cmd, &args),
        f if f.starts_with("./") && args.is_empty() => Ok(Cmd::Script(f.to_string())),
        _ => Err(not_understood(cmd)),
    }
}

/// `test "$(ss -Htn state STATE | wc -l)" = N` (also `-eq`, and `[ ... ]`).
fn parse_test(cmd: &str, args: &[&str]) -> Result<Cmd, ShellError> {
    let args: Vec<&str> = args.iter().copied().filter(|a| *a != "]").collect();
    let [lhs, op, rhs] = args.as_slice() else {
        return Err(not_understood(cmd));
    };
    if *op != "=" && *op != "-eq" && *op != "==" {
        return Err(not_understood(cmd));
    }
    let inner = lhs
        .strip_prefix("$(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| not_understood(cmd))?;
    let mut pipe = inner.split('|').map(str::trim);
    let ss = words(pipe.next().unwrap_or(""))?;
    let wc = pipe.next().unwrap_or("");
    if pipe.next().is_some() || wc.split_whitespace().collect::<Vec<_>>() != ["wc", "-l"] {
        return Err(not_understood(cmd));
    }
    let ss: Vec<&str> = ss.iter().map(String::as_str).collect();
    match ss.as_slice() {
        ["ss", flags, "state", state]
            if flags.starts_with('-') && flags.contains('t') && flags.contains('H') =>
        {
            Ok(Cmd::SsCount {
                state: state.to_string(),
                expected: rhs.to_string(),
            })
        }
        _ => Err(not_understood(cmd)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn the_conformance_lines() {
        assert_eq!(
            parse_line(
                "sysctl -q net.ipv4.tcp_timestamps=1; sysctl -q net.ipv4.ip_local_port_range=\"40000 40000\""
            )
            .unwrap(),
            vec![
                vec![Cmd::Sysctl {
                    name: String::from("net.ipv4.tcp_timestamps"),
                    value: String::from("1")
                }],
                vec![Cmd::Sysctl {
                    name: String::from("net.ipv4.ip_local_port_range"),
                    value: String::from("40000 40000")
                }]
            ]
        );
        assert_eq!(
            parse_line(
                "./counter.sh TcpExtListenDrops 1 && test \"$(ss -Htn state syn-recv | wc -l)\" = 2"
            )
            .unwrap(),
            vec![vec![
                Cmd::Counters(vec![(String::from("TcpExtListenDrops"), String::from("1"))]),
                Cmd::SsCount {
                    state: String::from("syn-recv"),
                    expected: String::from("2")
                }
            ]]
        );
        assert_eq!(
            parse_line("./local-connect.sh 2").unwrap(),
            vec![vec![Cmd::LocalConnect(2)]]
        );
        let defaults = parse_script(
            "#!/bin/bash\nsysctl -q net.ipv4.tcp_sack=1\ntc qdisc add dev tun0 root pfifo 2>/dev/null\nexit 0\n",
        )
        .unwrap();
        assert_eq!(defaults.len(), 3);
        assert_eq!(defaults[1], vec![Cmd::TrafficControl]);
    }

    #[test]
    fn anything_else_is_an_error() {
        assert!(parse_line("rm -rf /").is_err());
        assert!(parse_line("test \"$(ss -Htn state syn-recv | sort)\" = 2").is_err());
        assert!(parse_line("./counter.sh TcpExtListenDrops").is_err());
        let e = parse_script("sysctl -q a=1\nnstat -a\n").unwrap_err();
        assert!(e.0.starts_with("line 2:"), "{}", e.0);
    }
}
