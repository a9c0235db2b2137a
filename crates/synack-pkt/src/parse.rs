//! A packetdrill script as data: options, the init command, and timed events (packets, system
//! calls, shell commands, code blocks), parsed as packetdrill's `parser.y` parses them.
//!
//! Only TCP over IPv4 is simulated. A construct packetdrill knows but synack does not simulate
//! (UDP, ICMP, IPv6, GRE, MPLS, TCP Fast Open, MD5, AccECN) is an error naming its line, never a
//! silent skip.

use crate::lex::{LexError, Tok, Token, lex};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A parsed script.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Script {
    /// `--name=value` lines before the first event.
    pub options: Vec<ScriptOption>,
    /// The back-quoted command before the first event (run before the test, untimed).
    pub init_command: Option<Command>,
    /// The events, in script order.
    pub events: Vec<Event>,
    /// The back-quoted command after the last event.
    pub cleanup_command: Option<Command>,
}

/// `--name=value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptOption {
    /// The name without `--`.
    pub name: String,
    /// The value, if given.
    pub value: Option<String>,
    /// Its line.
    pub line: u32,
}

/// A shell command line from between back quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The command text.
    pub text: String,
    /// Its line.
    pub line: u32,
}

/// When an event happens (`event_time` in `parser.y`), in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventTime {
    /// `N`: since the start of the script.
    Absolute(i64),
    /// `+N`: after the previous event.
    Relative(i64),
    /// `*`: any time (outbound packets only).
    Any,
    /// `A~B`: absolute range (outbound packets only).
    AbsoluteRange(i64, i64),
    /// `+A~+B`: relative range (outbound packets only).
    RelativeRange(i64, i64),
}

/// One timed line.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The line of its time.
    pub line: u32,
    /// When.
    pub time: EventTime,
    /// What.
    pub action: Action,
}

/// What an event does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A packet in or out.
    Packet(PacketSpec),
    /// A system call.
    Syscall(SyscallSpec),
    /// A shell command.
    Command(Command),
    /// A `%{ ... }%` block.
    Code(String),
}

/// `<` (injected into the host) or `>` (expected from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the script's remote peer to the host.
    Inbound,
    /// From the host, as the script expects it.
    Outbound,
}

/// A TCP option as a script writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PktOption {
    /// `nop`.
    Nop,
    /// `eol`.
    Eol,
    /// `mss N`.
    Mss(u16),
    /// `wscale N`.
    WindowScale(u8),
    /// `sackOK`.
    SackOk,
    /// `sack A:B C:D`.
    Sack(Vec<(u32, u32)>),
    /// `TS val V ecr E`.
    Timestamp {
        /// TSval.
        val: u32,
        /// TSecr.
        ecr: u32,
    },
}

impl PktOption {
    /// Bytes the option takes in a TCP header.
    pub fn wire_len(&self) -> usize {
        match self {
            PktOption::Nop | PktOption::Eol => 1,
            PktOption::Mss(_) => 4,
            PktOption::WindowScale(_) => 3,
            PktOption::SackOk => 2,
            PktOption::Sack(b) => 2 + 8 * b.len(),
            PktOption::Timestamp { .. } => 10,
        }
    }
}

impl fmt::Display for PktOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PktOption::Nop => write!(f, "nop"),
            PktOption::Eol => write!(f, "eol"),
            PktOption::Mss(m) => write!(f, "mss {m}"),
            PktOption::WindowScale(s) => write!(f, "wscale {s}"),
            PktOption::SackOk => write!(f, "sackOK"),
            PktOption::Sack(blocks) => {
                write!(f, "sack")?;
                for (l, r) in blocks {
                    write!(f, " {l}:{r}")?;
                }
                Ok(())
            }
            PktOption::Timestamp { val, ecr } => write!(f, "TS val {val} ecr {ecr}"),
        }
    }
}

/// TCP flag bits beyond the core's five that a script may write (`E`, `W`, `U`).
pub mod flag_bits {
    /// URG (`U`).
    pub const URG: u8 = 0x20;
    /// ECE (`E`).
    pub const ECE: u8 = 0x40;
    /// CWR (`W`).
    pub const CWR: u8 = 0x80;
}

/// A packet line: `< S 0:0(0) win 32792 <mss 1000,nop,wscale 7>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketSpec {
    /// In or out.
    pub direction: Direction,
    /// `SRC>DST` ports as written (`< 40001>8080 S ...`), else the script's default socket.
    pub ports: Option<(u16, u16)>,
    /// The flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, and `flag_bits`).
    pub flags: u8,
    /// The flags as written (`S.`).
    pub flags_text: String,
    /// The script's sequence number of the first byte (or SYN/FIN).
    pub seq: u32,
    /// Payload bytes.
    pub len: u16,
    /// `ack N`, if written.
    pub ack: Option<u32>,
    /// `win N`, if written.
    pub window: Option<u16>,
    /// The options; `None` for `<...>` (any options).
    pub options: Option<Vec<PktOption>>,
}

/// A value in a system call line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `...`: anything (an argument the runner supplies, or a result not checked).
    Ellipsis,
    /// An integer.
    Int(i64),
    /// A symbol (`SOCK_STREAM`, `SO_REUSEADDR`, `SHUT_WR`).
    Word(String),
    /// A string.
    Str(String),
    /// `[a, b]`: a pointer to a value, as packetdrill writes `[1]`.
    List(Vec<Expr>),
    /// `a|b`.
    Or(Box<Expr>, Box<Expr>),
    /// `name=value` inside a struct.
    Assign(String, Box<Expr>),
    /// `{a, b}`: a struct.
    Struct(Vec<Expr>),
    /// `htons(8080)`, `inet_addr("192.0.2.1")`.
    Call(String, Vec<Expr>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, items: &[Expr]) -> fmt::Result {
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{e}")?;
            }
            Ok(())
        }
        match self {
            Expr::Ellipsis => write!(f, "..."),
            Expr::Int(v) => write!(f, "{v}"),
            Expr::Word(w) => write!(f, "{w}"),
            Expr::Str(s) => write!(f, "\"{s}\""),
            Expr::List(items) => {
                write!(f, "[")?;
                list(f, items)?;
                write!(f, "]")
            }
            Expr::Or(a, b) => write!(f, "{a}|{b}"),
            Expr::Assign(n, v) => write!(f, "{n}={v}"),
            Expr::Struct(items) => {
                write!(f, "{{")?;
                list(f, items)?;
                write!(f, "}}")
            }
            Expr::Call(n, args) => {
                write!(f, "{n}(")?;
                list(f, args)?;
                write!(f, ")")
            }
        }
    }
}

/// A system call line: `connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallSpec {
    /// `...N` before the name: the call blocks and returns at time N (relative to its start).
    pub end_usecs: Option<i64>,
    /// The function.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Expr>,
    /// The expected return value.
    pub result: Expr,
    /// The expected errno (`EINPROGRESS`), when the result is -1.
    pub errno: Option<String>,
}

/// A script that cannot be parsed: its line and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> ParseError {
        ParseError {
            line: e.line,
            message: String::from(e.message),
        }
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    last_line: u32,
}

type Res<T> = Result<T, ParseError>;

/// Parses a whole script.
pub fn parse(src: &str) -> Result<Script, ParseError> {
    let toks = lex(src)?;
    let last_line = toks.last().map_or(1, |t| t.line);
    let mut p = Parser {
        toks,
        pos: 0,
        last_line,
    };
    p.script()
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.kind)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.kind)
    }

    fn line(&self) -> u32 {
        self.toks.get(self.pos).map_or(self.last_line, |t| t.line)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.kind.clone());
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn error<T>(&self, message: impl Into<String>) -> Res<T> {
        Err(ParseError {
            line: self.line(),
            message: message.into(),
        })
    }

    /// packetdrill's `parse error at 'TOKEN'`.
    fn unexpected<T>(&self, wanted: &str) -> Res<T> {
        let found = match self.peek() {
            Some(t) => describe(t),
            None => String::from("end of file"),
        };
        self.error(format!("parse error at {found}: expected {wanted}"))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Res<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.unexpected(&format!("'{c}'"))
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn int(&mut self, what: &str) -> Res<i64> {
        match self.peek() {
            Some(Tok::Int(v)) => {
                let v = *v;
                self.pos += 1;
                Ok(v)
            }
            _ => self.unexpected(what),
        }
    }

    fn bounded(&mut self, what: &str, max: i64) -> Res<i64> {
        let line = self.line();
        let v = self.int(what)?;
        if !(0..=max).contains(&v) {
            return Err(ParseError {
                line,
                message: format!("semantic error: {what} out of range"),
            });
        }
        Ok(v)
    }

    fn script(&mut self) -> Res<Script> {
        let mut s = Script::default();
        while let Some(Tok::Option(name)) = self.peek().cloned() {
            let line = self.line();
            self.pos += 1;
            let value = if self.eat_punct('=') {
                Some(match self.next() {
                    Some(Tok::Int(v)) => format!("{v}"),
                    Some(Tok::Float(_, text)) => text,
                    Some(Tok::Word(w) | Tok::Str(w) | Tok::Ipv4(w)) => w,
                    _ => {
                        self.pos -= 1;
                        return self.unexpected("an option value");
                    }
                })
            } else {
                None
            };
            s.options.push(ScriptOption { name, value, line });
        }
        if let Some(Tok::Command(text)) = self.peek().cloned() {
            s.init_command = Some(Command {
                text,
                line: self.line(),
            });
            self.pos += 1;
        }
        while self.peek().is_some() {
            if let Some(Tok::Command(text)) = self.peek().cloned()
                && self.pos + 1 == self.toks.len()
            {
                s.cleanup_command = Some(Command {
                    text,
                    line: self.line(),
                });
                self.pos += 1;
                break;
            }
            s.events.push(self.event()?);
        }
        if s.events.is_empty() {
            return self.error("parse error: a script needs at least one event");
        }
        Ok(s)
    }

    fn time(&mut self) -> Res<i64> {
        match self.next() {
            // `(s64)($1 * 1.0e6)`: packetdrill converts through a double and truncates.
            Some(Tok::Float(v, _)) if v >= 0.0 => Ok((v * 1.0e6) as i64),
            Some(Tok::Int(v)) if v >= 0 => Ok(v.saturating_mul(1_000_000)),
            Some(Tok::Float(..) | Tok::Int(_)) => {
                self.pos -= 1;
                self.error("semantic error: negative time")
            }
            _ => {
                self.pos = self.pos.saturating_sub(1);
                self.unexpected("a time")
            }
        }
    }

    fn event(&mut self) -> Res<Event> {
        let line = self.line();
        let time = if self.eat_punct('+') {
            let a = self.time()?;
            if self.eat_punct('~') {
                self.expect_punct('+')?;
                EventTime::RelativeRange(a, self.time()?)
            } else {
                EventTime::Relative(a)
            }
        } else if self.eat_punct('*') {
            EventTime::Any
        } else {
            let a = self.time()?;
            if self.eat_punct('~') {
                EventTime::AbsoluteRange(a, self.time()?)
            } else {
                EventTime::Absolute(a)
            }
        };
        let action = match self.peek().cloned() {
            Some(Tok::Punct('<')) => Action::Packet(self.packet(Direction::Inbound)?),
            Some(Tok::Punct('>')) => Action::Packet(self.packet(Direction::Outbound)?),
            Some(Tok::Command(text)) => {
                let l = self.line();
                self.pos += 1;
                Action::Command(Command { text, line: l })
            }
            Some(Tok::Code(text)) => {
                self.pos += 1;
                Action::Code(text)
            }
            Some(Tok::Word(_) | Tok::Ellipsis) => Action::Syscall(self.syscall()?),
            _ => {
                return self
                    .unexpected("a packet, a system call, a `command` or a %{ code }% block");
            }
        };
        let is_outbound =
            matches!(&action, Action::Packet(p) if p.direction == Direction::Outbound);
        match time {
            EventTime::Any if !is_outbound => Err(ParseError {
                line,
                message: String::from(
                    "semantic error: event time <star> can only be used with outbound packets",
                ),
            }),
            EventTime::AbsoluteRange(a, b) | EventTime::RelativeRange(a, b) if b < a => {
                Err(ParseError {
                    line,
                    message: String::from("semantic error: time range is backwards"),
                })
            }
            EventTime::AbsoluteRange(..) | EventTime::RelativeRange(..) if !is_outbound => {
                Err(ParseError {
                    line,
                    message: String::from(
                        "semantic error: event time range can only be used with outbound packets",
                    ),
                })
            }
            _ => Ok(Event { line, time, action }),
        }
    }

    fn packet(&mut self, direction: Direction) -> Res<PacketSpec> {
        self.pos += 1;
        match self.peek() {
            Some(Tok::Word(w))
                if matches!(
                    w.as_str(),
                    "udp" | "icmp" | "ipv4" | "ipv6" | "gre" | "GREv0" | "mpls" | "encap"
                ) =>
            {
                let w = w.clone();
                return self.error(format!(
                    "`{w}` packets are not simulated: synack runs TCP over IPv4 only"
                ));
            }
            Some(Tok::Punct('(' | '[')) => {
                return self.error("IP header fields (tos, ecn, ttl, flowlabel) are not simulated");
            }
            _ => {}
        }
        let ports = if matches!(self.peek(), Some(Tok::Int(_)))
            && self.peek_at(1) == Some(&Tok::Punct('>'))
        {
            let src = self.bounded("src port", 65535)?;
            self.expect_punct('>')?;
            let dst = self.bounded("dst port", 65535)?;
            Some((
                u16::try_from(src).unwrap_or(0),
                u16::try_from(dst).unwrap_or(0),
            ))
        } else {
            None
        };
        let flags_line = self.line();
        let flags_text = match self.next() {
            Some(Tok::Word(w)) => {
                let mut s = w;
                if self.eat_punct('.') {
                    s.push('.');
                }
                s
            }
            Some(Tok::Punct('.')) => String::from("."),
            Some(Tok::Punct('-')) => String::new(),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return self.unexpected("TCP flags (S, S., ., P., F., R, R. ...)");
            }
        };
        let mut flags = 0u8;
        for c in flags_text.chars() {
            flags |= match c {
                'F' => 0x01,
                'S' => 0x02,
                'R' => 0x04,
                'P' => 0x08,
                '.' => 0x10,
                'U' => flag_bits::URG,
                'E' => flag_bits::ECE,
                'W' => flag_bits::CWR,
                'A' | '0'..='7' => {
                    return Err(ParseError {
                        line: flags_line,
                        message: format!(
                            "semantic error: TCP flag '{c}' (AccECN) is not simulated"
                        ),
                    });
                }
                _ => {
                    return Err(ParseError {
                        line: flags_line,
                        message: format!("semantic error: Invalid TCP flag: '{c}'"),
                    });
                }
            };
        }
        let seq_line = self.line();
        let start = self.bounded("TCP start sequence number", i64::from(u32::MAX))?;
        self.expect_punct(':')?;
        let end = self.bounded("TCP end sequence number", i64::from(u32::MAX))?;
        self.expect_punct('(')?;
        let len = self.bounded("TCP payload size", 65535)?;
        self.expect_punct(')')?;
        if end != start + len {
            return Err(ParseError {
                line: seq_line,
                message: String::from(
                    "semantic error: inconsistent TCP sequence numbers and payload size",
                ),
            });
        }
        let ack = if self.eat_word("ack") {
            Some(
                u32::try_from(self.bounded("TCP ack sequence number", i64::from(u32::MAX))?)
                    .unwrap_or(0),
            )
        } else {
            None
        };
        let window = if self.eat_word("win") {
            Some(u16::try_from(self.bounded("TCP window value", 65535)?).unwrap_or(0))
        } else {
            None
        };
        if self.eat_word("urg") {
            return self.error("the urgent pointer is not simulated");
        }
        let options = if self.peek() == Some(&Tok::Punct('<')) {
            self.pos += 1;
            if self.peek() == Some(&Tok::Ellipsis) {
                self.pos += 1;
                self.expect_punct('>')?;
                if direction != Direction::Outbound {
                    return self.error(
                        "semantic error: <...> for TCP options can only be used with outbound packets",
                    );
                }
                None
            } else {
                let mut v = Vec::new();
                loop {
                    v.push(self.tcp_option()?);
                    if !self.eat_punct(',') {
                        break;
                    }
                }
                self.expect_punct('>')?;
                Some(v)
            }
        } else {
            Some(Vec::new())
        };
        // `new_tcp_packet`'s sanity checks.
        if let Some(opts) = &options {
            let bytes: usize = opts.iter().map(PktOption::wire_len).sum();
            if bytes > 40 {
                return Err(ParseError {
                    line: flags_line,
                    message: String::from("semantic error: TCP option list too long"),
                });
            }
            if !bytes.is_multiple_of(4) {
                return Err(ParseError {
                    line: flags_line,
                    message: format!(
                        "semantic error: TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: {} excess bytes",
                        bytes % 4
                    ),
                });
            }
        }
        if window.is_none() && direction == Direction::Inbound {
            return Err(ParseError {
                line: flags_line,
                message: String::from(
                    "semantic error: window must be specified for inbound packets",
                ),
            });
        }
        Ok(PacketSpec {
            direction,
            ports,
            flags,
            flags_text,
            seq: u32::try_from(start).unwrap_or(0),
            len: u16::try_from(len).unwrap_or(0),
            ack,
            window,
            options,
        })
    }

    fn tcp_option(&mut self) -> Res<PktOption> {
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return self.unexpected("a TCP option (nop, mss, wscale, sackOK, sack, TS val)");
        };
        self.pos += 1;
        Ok(match w.as_str() {
            "nop" => PktOption::Nop,
            "eol" => PktOption::Eol,
            "mss" => PktOption::Mss(u16::try_from(self.bounded("mss value", 65535)?).unwrap_or(0)),
            "wscale" => PktOption::WindowScale(
                u8::try_from(self.bounded("window scale shift count", 255)?).unwrap_or(0),
            ),
            "sackOK" => PktOption::SackOk,
            "sack" => {
                let mut blocks = Vec::new();
                while matches!(self.peek(), Some(Tok::Int(_))) {
                    let l = self.bounded("TCP SACK left sequence number", i64::from(u32::MAX))?;
                    self.expect_punct(':')?;
                    let r = self.bounded("TCP SACK right sequence number", i64::from(u32::MAX))?;
                    blocks.push((u32::try_from(l).unwrap_or(0), u32::try_from(r).unwrap_or(0)));
                }
                PktOption::Sack(blocks)
            }
            "TS" => {
                if !self.eat_word("val") {
                    return self.unexpected("`val`");
                }
                let val = self.bounded("ts val", i64::from(u32::MAX))?;
                if !self.eat_word("ecr") {
                    return self.unexpected("`ecr`");
                }
                let ecr = self.bounded("ecr val", i64::from(u32::MAX))?;
                PktOption::Timestamp {
                    val: u32::try_from(val).unwrap_or(0),
                    ecr: u32::try_from(ecr).unwrap_or(0),
                }
            }
            "md5" | "FO" | "FOEXP" | "ECN" => {
                self.pos -= 1;
                return self.error(format!("the TCP option `{w}` is not simulated"));
            }
            _ => {
                self.pos -= 1;
                return self.unexpected("a TCP option (nop, mss, wscale, sackOK, sack, TS val)");
            }
        })
    }

    fn syscall(&mut self) -> Res<SyscallSpec> {
        let end_usecs = if self.peek() == Some(&Tok::Ellipsis) {
            self.pos += 1;
            Some(self.time()?)
        } else {
            None
        };
        let Some(Tok::Word(name)) = self.next() else {
            self.pos = self.pos.saturating_sub(1);
            return self.unexpected("a system call name");
        };
        self.expect_punct('(')?;
        let mut args = Vec::new();
        if !self.eat_punct(')') {
            loop {
                args.push(self.expr()?);
                if self.eat_punct(')') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        self.expect_punct('=')?;
        let result = self.expr()?;
        let errno = if let Some(Tok::Word(e)) = self.peek().cloned() {
            self.pos += 1;
            // The strerror note is required after an errno name (`opt_errno: WORD note`).
            if self.peek() != Some(&Tok::Punct('(')) {
                return self.unexpected("'(' and the error's text after the errno");
            }
            Some(e)
        } else {
            None
        };
        if self.eat_punct('(') {
            loop {
                match self.next() {
                    Some(Tok::Word(_)) => {}
                    Some(Tok::Punct(')')) => break,
                    _ => {
                        self.pos = self.pos.saturating_sub(1);
                        return self.unexpected("words and ')' in the note");
                    }
                }
            }
        }
        Ok(SyscallSpec {
            end_usecs,
            name,
            args,
            result,
            errno,
        })
    }

    fn expr(&mut self) -> Res<Expr> {
        let mut e = self.primary()?;
        while self.eat_punct('|') {
            let rhs = self.primary()?;
            e = Expr::Or(Box::new(e), Box::new(rhs));
        }
        Ok(e)
    }

    fn list_until(&mut self, close: char) -> Res<Vec<Expr>> {
        let mut items = Vec::new();
        if self.eat_punct(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat_punct(close) {
                return Ok(items);
            }
            self.expect_punct(',')?;
        }
    }

    fn primary(&mut self) -> Res<Expr> {
        match self.next() {
            Some(Tok::Ellipsis) => Ok(Expr::Ellipsis),
            Some(Tok::Int(v)) => Ok(Expr::Int(v)),
            Some(Tok::Str(s)) => {
                let mut s = s;
                while let Some(Tok::Str(more)) = self.peek().cloned() {
                    self.pos += 1;
                    s.push_str(&more);
                }
                Ok(Expr::Str(s))
            }
            Some(Tok::Word(w)) => {
                if self.eat_punct('=') {
                    let v = self.expr()?;
                    Ok(Expr::Assign(w, Box::new(v)))
                } else if self.eat_punct('(') {
                    let args = self.list_until(')')?;
                    Ok(Expr::Call(w, args))
                } else {
                    Ok(Expr::Word(w))
                }
            }
            Some(Tok::Punct('[')) => Ok(Expr::List(self.list_until(']')?)),
            Some(Tok::Punct('{')) => Ok(Expr::Struct(self.list_until('}')?)),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                self.unexpected("an expression")
            }
        }
    }
}

/// A token as packetdrill's parse errors quote it.
fn describe(t: &Tok) -> String {
    match t {
        Tok::Option(o) => format!("'--{o}'"),
        Tok::Float(_, s) | Tok::Word(s) | Tok::Ipv4(s) => format!("'{s}'"),
        Tok::Int(v) => format!("'{v}'"),
        Tok::Str(s) => format!("'\"{s}\"'"),
        Tok::Command(s) => format!("'`{s}`'"),
        Tok::Code(_) => String::from("'%{ ... }%'"),
        Tok::Ellipsis => String::from("'...'"),
        Tok::Punct(c) => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn parses_the_shapes_of_the_conformance_scripts() {
        let s = parse(
            "--tolerance_usecs=15000\n`./defaults.sh`\n 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
             +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n\
             +0 < 40001>8080 S 0:0(0) win 32792 <mss 1000,nop,wscale 7>\n\
             +.002 > S. 0:0(0) ack 1 <...>\n\
             +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n\
             +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n\
             +0 %{ assert tcpi_state == TCP_CLOSING, tcpi_state }%\n\
             +1.2 `./counter.sh TcpExtListenDrops 1`\n\
             +0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 10>\n",
        )
        .unwrap();
        assert_eq!(
            s.options,
            vec![ScriptOption {
                name: String::from("tolerance_usecs"),
                value: Some(String::from("15000")),
                line: 1
            }]
        );
        assert_eq!(s.init_command.as_ref().unwrap().text, "./defaults.sh");
        assert_eq!(s.events.len(), 9);
        assert_eq!(s.events[0].time, EventTime::Absolute(0));
        let Action::Packet(p) = &s.events[2].action else {
            panic!()
        };
        assert_eq!(p.ports, Some((40001, 8080)));
        assert_eq!(p.flags, 0x02);
        assert_eq!(p.window, Some(32792));
        assert_eq!(s.events[3].time, EventTime::Relative(2000));
        let Action::Packet(p) = &s.events[3].action else {
            panic!()
        };
        assert_eq!((p.flags, p.ack, p.options.clone()), (0x12, Some(1), None));
        let Action::Syscall(c) = &s.events[4].action else {
            panic!()
        };
        assert_eq!(c.result, Expr::Int(-1));
        assert_eq!(c.errno.as_deref(), Some("EINPROGRESS"));
        assert_eq!(s.events[8].line, 11);
    }

    #[test]
    fn errors_name_their_line() {
        let e =
            parse("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 frobnicate 3\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("0 < S 0:5(0) win 1\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                1,
                "semantic error: inconsistent TCP sequence numbers and payload size"
            )
        );
        let e = parse("0 < S 0:0(0) <...>\n").unwrap_err();
        assert!(e.message.contains("only be used with outbound"));
        let e = parse("\n\n0 < udp (0)\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("not simulated"));
        let e = parse("0 close(3) = -1 EBADF\n").unwrap_err();
        assert!(e.message.contains("error's text"), "{}", e.message);
    }
}
