//! Running a script against one simulated linux-6.18 host, judged as packetdrill judges it on a
//! real kernel (packetdrill's `run.c`, `run_packet.c`, `run_system_call.c`, `run_command.c`,
//! `code.c`).
//!
//! The world: the host under test at [`LOCAL_IP`]; the script's remote peer at [`REMOTE_IP`]
//! (packetdrill's tun device: what the host sends there is "sniffed", in order, and compared with
//! the `>` lines; `<` lines are injected); segments the host sends to itself are delivered back at
//! once (loopback). Time is simulated: the runner never sleeps, it runs the host's timers up to
//! each event's time. Where packetdrill reads the real clock, the runner reads the simulation's.
//!
//! What packetdrill does, and so the runner does too:
//! - `+N` is relative to when the previous event finished, except an inbound packet after an
//!   inbound packet, which is relative to the previous one's scheduled time
//!   (`adjust_relative_event_times`);
//! - tolerance is `--tolerance_usecs` (4000) or 12.5 % of the gap to the previous event, the
//!   larger, on both sides (`verify_time`);
//! - outbound packets are read in order from everything the host sent to the peer; packets of
//!   another 4-tuple than the socket under test are skipped; the wait for one ends after the
//!   expected gap plus 2 s (`sniff_outbound_live_packet`);
//! - sequence numbers are absolute on SYN segments and relative to the socket's ISNs otherwise;
//!   the ISNs are learned once per tracked socket (`socket.h`);
//! - outbound TS val and ecr are not compared (`--tcp_ts_tick_usecs` is 0); an inbound ecr must
//!   echo a TS val an earlier `>` line spelled out;
//! - `%{ }%` blocks take a `tcp_info` snapshot at their time and are evaluated after the last
//!   event.

use crate::code::{self, CodeError};
use crate::parse::{
    Action, Command, Direction, Event, EventTime, Expr, PacketSpec, PktOption, Script, SyscallSpec,
    parse,
};
use crate::shell::{self, Cmd};
use alloc::collections::VecDeque;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use synack_core::config::{Profile, find_knob};
use synack_core::counters::Counter;
use synack_core::seq::SeqNum;
use synack_core::sim::WireSegment;
use synack_core::socket::{Call, CallResult, Errno, How, O_NONBLOCK};
use synack_core::tcp::{Host, HostConfig, IsnStrategy, Output, Secrets, State, TcpInfo};
use synack_core::time::{Duration, Instant};
use synack_core::trace::{Event as TraceEvent, EventKind, HostId, SegId, SendCause};
use synack_core::wire::{
    Endpoint, Flags, Ipv4, MAX_SACK_BLOCKS, Options, SackBlocks, Segment, TcpOption,
};

/// The address of the host under test (packetdrill picks a random one in 192.168.0.0/16).
pub const LOCAL_IP: Ipv4 = Ipv4::new(192, 168, 0, 2);
/// The script's remote peer (packetdrill's `live_remote_ip`).
pub const REMOTE_IP: Ipv4 = Ipv4::new(192, 0, 2, 1);
/// The port `bind(fd, ..., ...)` uses (`live_bind_port`).
pub const BIND_PORT: u16 = 8080;
/// The port `connect(fd, ..., ...)` reaches (`live_connect_port`).
pub const CONNECT_PORT: u16 = 8080;
/// `tolerance_usecs` by default (config.c).
pub const DEFAULT_TOLERANCE_USECS: i64 = 4000;
/// `tolerance_percent` by default (config.c).
pub const DEFAULT_TOLERANCE_PERCENT: f64 = 12.5;

/// packetdrill's command-line options a script may set (`--name=value` lines), with their
/// defaults (`config.c`).
#[derive(Clone, Debug)]
struct Config {
    local_ip: Ipv4,
    remote_ip: Ipv4,
    bind_port: u16,
    connect_port: u16,
    tolerance_usecs: i64,
    tolerance_percent: f64,
    /// `--tcp_ts_tick_usecs`: outbound TS val is checked only when set.
    ts_tick_usecs: i64,
    /// `--tcp_ts_ecr_scaled`: an inbound ecr without a matching outbound TS val is interpolated.
    ts_ecr_scaled: bool,
    /// `--strict_segments`: no joining of sniffed segments to match a `>` line.
    strict_segments: bool,
    /// `--dry_run`: parse only.
    dry_run: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            local_ip: LOCAL_IP,
            remote_ip: REMOTE_IP,
            bind_port: BIND_PORT,
            connect_port: CONNECT_PORT,
            tolerance_usecs: DEFAULT_TOLERANCE_USECS,
            tolerance_percent: DEFAULT_TOLERANCE_PERCENT,
            ts_tick_usecs: 0,
            ts_ecr_scaled: false,
            strict_segments: false,
            dry_run: false,
        }
    }
}

/// The port `./local-connect.sh` connects to (written in the helper script).
const LOCAL_CONNECT_PORT: u16 = 8080;

/// The application thread of the script's system calls.
const SCRIPT_THREAD: u16 = 0;
/// The thread `./local-connect.sh` runs on.
const HELPER_THREAD: u16 = 1;
/// packetdrill's syscall thread, which makes the blocking calls (`T...E name(...)`).
const SYSCALL_THREAD: u16 = 2;
/// Most timer and segment steps of one run: a script that needs more is stuck.
const STEP_BUDGET: u64 = 5_000_000;
/// The longest an outbound `*` line or a blocked call waits in simulated time.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Reads the helper files a script names (`./defaults.sh`), relative to the script.
pub trait Files {
    /// The file's text, or `None` if there is no such file.
    fn read(&self, path: &str) -> Option<String>;
}

/// No files at all (a script pasted into the page names none, or names them in vain).
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _path: &str) -> Option<String> {
        None
    }
}

/// How a run ended, and what it printed.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every expectation held.
    pub passed: bool,
    /// What packetdrill would print on stderr (empty on success).
    pub errors: Vec<String>,
    /// The script line of the failure, if a line failed.
    pub failed_line: Option<u32>,
    /// The simulated host's trace, and the injected segments, in time order.
    pub trace: Vec<TraceEvent>,
    /// Every segment that crossed the tun device or loopback, in order (each shared with its
    /// `Sent` event, as the simulator's list holds them).
    pub segments: Vec<WireSegment>,
}

/// Runs `src` (the text of the script at `path`).
pub fn run(path: &str, src: &str, files: &dyn Files, seed: u64) -> Report {
    let script = match parse(src) {
        Ok(s) => s,
        Err(e) => {
            return Report {
                passed: false,
                errors: vec![format!("{path}:{}: {}", e.line, e.message)],
                failed_line: Some(e.line),
                trace: Vec::new(),
                segments: Vec::new(),
            };
        }
    };
    let mut r = Runner::new(path, files, seed);
    let result = r.script(&script);
    let (passed, failed_line) = match result {
        Ok(()) => (true, None),
        Err(Failure { line, text }) => {
            r.errors.push(text);
            (false, line)
        }
    };
    Report {
        passed,
        errors: r.errors,
        failed_line,
        trace: r.w.trace,
        segments: r.w.segments,
    }
}

/// A failure: the line it belongs to (if any) and the whole message.
struct Failure {
    line: Option<u32>,
    text: String,
}

type Res<T> = Result<T, Failure>;

// ============================================================================
// The simulated world: one host, the tun device, loopback.
// ============================================================================

struct World {
    host: Host,
    now: Instant,
    trace: Vec<TraceEvent>,
    segments: Vec<WireSegment>,
    next_seg: u64,
    /// What the host sent to the peer, not yet read by a `>` line.
    tun: VecDeque<(Instant, Segment)>,
    /// Calls that completed after blocking: (thread, when, result).
    returned: Vec<(u16, Instant, CallResult)>,
    steps: u64,
}

impl World {
    fn new(seed: u64, addr: Ipv4) -> World {
        let mut s = seed ^ 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            // splitmix64: a different key per secret from one seed.
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let secrets = Secrets {
            isn: (next(), next()),
            ts: (next(), next()),
            port: (next(), next()),
        };
        let profile = Profile::Linux6_18;
        let cfg = HostConfig {
            name: String::from("host"),
            addr,
            profile,
            sysctl: profile.defaults(),
            skip_time_wait: false,
            time_wait_secs: synack_core::tcp::TCP_TIMEWAIT_LEN_SECS,
            max_sockets: 200_000,
            isn: IsnStrategy::Rfc6528,
            ts_clock: Default::default(),
        };
        World {
            host: Host::new(HostId(0), cfg, secrets),
            now: instant(0),
            trace: Vec::new(),
            segments: Vec::new(),
            next_seg: 1,
            tun: VecDeque::new(),
            returned: Vec::new(),
            steps: 0,
        }
    }

    fn seg_id(&mut self) -> SegId {
        let id = SegId(self.next_seg);
        self.next_seg += 1;
        id
    }

    fn is_local(&self, ip: Ipv4) -> bool {
        ip == self.host.addr() || ip.is_loopback()
    }

    /// Collects the host's outputs: trace events, segments to the peer, segments to itself
    /// (delivered at once, in order, as loopback does).
    fn collect(&mut self) {
        let mut loopback: VecDeque<(SegId, Rc<Segment>)> = VecDeque::new();
        loop {
            while let Some(out) = self.host.poll_output() {
                match out {
                    Output::Event(kind) => {
                        if let EventKind::Returned { thread, result, .. } = &kind {
                            self.returned.push((*thread, self.now, result.clone()));
                        }
                        self.trace
                            .push(TraceEvent::new(self.now, Some(HostId(0)), kind));
                    }
                    Output::Segment(seg, cause) => {
                        let id = self.seg_id();
                        self.segments.push((id, self.now, Rc::clone(&seg)));
                        self.trace.push(TraceEvent::new(
                            self.now,
                            Some(HostId(0)),
                            EventKind::Sent {
                                id,
                                seg: Rc::clone(&seg),
                                cause,
                            },
                        ));
                        if self.is_local(seg.dst.ip) {
                            loopback.push_back((id, seg));
                        } else {
                            // The `>` lines take it apart and join it: a copy of its own.
                            self.tun.push_back((self.now, Segment::clone(&seg)));
                        }
                    }
                }
            }
            let Some((id, seg)) = loopback.pop_front() else {
                break;
            };
            self.deliver(id, &seg);
        }
    }

    fn deliver(&mut self, id: SegId, seg: &Segment) {
        self.steps += 1;
        self.trace.push(TraceEvent::new(
            self.now,
            Some(HostId(0)),
            EventKind::Delivered { id },
        ));
        self.host.handle_segment(self.now, id, seg);
    }

    /// Injects a segment from the peer now.
    fn inject(&mut self, seg: Segment) {
        let id = self.seg_id();
        let seg = Rc::new(seg);
        self.segments.push((id, self.now, Rc::clone(&seg)));
        self.trace.push(TraceEvent::new(
            self.now,
            None,
            EventKind::Sent {
                id,
                seg: Rc::clone(&seg),
                cause: SendCause::Injected,
            },
        ));
        self.deliver(id, &seg);
        self.collect();
    }

    /// Runs the next timer if it is due at or before `limit`. False when none is.
    fn step_timer(&mut self, limit: Instant) -> bool {
        match self.host.poll_timeout() {
            Some(at) if at <= limit && self.steps < STEP_BUDGET => {
                self.steps += 1;
                self.now = self.now.max(at);
                self.host.handle_timeout(self.now);
                self.collect();
                true
            }
            _ => false,
        }
    }

    /// Runs the host's timers up to `t`, then sets the clock to `t` (never backwards).
    fn advance_to(&mut self, t: Instant) {
        while self.step_timer(t) {}
        self.now = self.now.max(t);
    }

    fn out_of_steps(&self) -> bool {
        self.steps >= STEP_BUDGET
    }

    fn call(&mut self, thread: u16, call: Call) -> CallResult {
        let r = self.host.call(self.now, thread, call);
        self.collect();
        r
    }

    /// Waits for thread's blocked call; `None` if nothing left can complete it before `limit`.
    fn wait_returned(&mut self, thread: u16, limit: Instant) -> Option<CallResult> {
        loop {
            if let Some(i) = self.returned.iter().position(|(t, _, _)| *t == thread) {
                let (_, _, r) = self.returned.remove(i);
                return Some(r);
            }
            if !self.step_timer(limit) {
                return None;
            }
        }
    }
}

// ============================================================================
// packetdrill's model of the sockets a script talks about (socket.h).
// ============================================================================

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SockState {
    New,
    Listening,
    PassivePacketReceived,
    PassiveSynAckSent,
    PassiveSynAckAcked,
    ActiveConnecting,
    ActiveSynSent,
    ActiveSynAcked,
}

#[derive(Clone, Debug)]
struct PdSocket {
    state: SockState,
    script_fd: Option<i32>,
    live_fd: Option<i32>,
    live_local: Endpoint,
    live_remote: Endpoint,
    script_local_isn: u32,
    live_local_isn: u32,
    /// The peer's ISN: packetdrill makes the live one equal to the script's.
    remote_isn: u32,
    /// Script TS val -> live TS val, from `>` lines that spelled TS out (last one wins).
    ts_map: Vec<(u32, u32)>,
}

impl PdSocket {
    fn new(state: SockState) -> PdSocket {
        PdSocket {
            state,
            script_fd: None,
            live_fd: None,
            live_local: Endpoint::new(Ipv4(0), 0),
            live_remote: Endpoint::new(Ipv4(0), 0),
            script_local_isn: 0,
            live_local_isn: 0,
            remote_isn: 0,
            ts_map: Vec::new(),
        }
    }

    /// `local_seq_script_to_live_offset`.
    fn local_offset(&self, syn: bool) -> u32 {
        if syn {
            self.live_local_isn.wrapping_sub(self.script_local_isn)
        } else {
            self.live_local_isn
        }
    }

    /// `remote_seq_script_to_live_offset`.
    fn remote_offset(&self, syn: bool) -> u32 {
        if syn { 0 } else { self.remote_isn }
    }
}

/// A `%{ }%` block with its snapshot.
struct Snapshot {
    line: u32,
    text: String,
    info: Result<TcpInfo, String>,
}

/// A call on the syscall thread (`T...E name(...)`), not yet returned.
struct Pending {
    line: u32,
    spec: SyscallSpec,
    call: Call,
    start: i64,
    end: i64,
}

struct Runner<'a> {
    path: &'a str,
    files: &'a dyn Files,
    w: World,
    sockets: Vec<PdSocket>,
    under_test: Option<usize>,
    errno: i32,
    seed: u64,
    cfg: Config,
    next_remote_port: u16,
    snapshots: Vec<Snapshot>,
    pending: Option<Pending>,
    errors: Vec<String>,
    /// The adjusted time of the previous event (`script_last_time_usecs`).
    last_time: Option<i64>,
    last_absolute: bool,
    last_inbound: bool,
}

/// packetdrill starts the script's clock 250 µs after a jiffy begins
/// (`schedule_start_time_usecs`), so the host's jiffies tick at script times 3.75 ms, 7.75 ms,
/// ... at HZ 250: the simulation's time is the script's plus this offset.
const JIFFY_OFFSET_USECS: i64 = 250;

/// Script time (µs since the first event) of a simulation instant.
fn micros(t: Instant) -> i64 {
    i64::try_from(t.micros()).unwrap_or(i64::MAX) - JIFFY_OFFSET_USECS
}

/// The simulation instant of a script time.
fn instant(us: i64) -> Instant {
    Instant(u64::try_from(us + JIFFY_OFFSET_USECS).unwrap_or(0))
}

fn secs(us: i64) -> f64 {
    us as f64 / 1.0e6
}

/// glibc's `strerror` for the errno values the simulated calls return (0 is "Success").
fn strerror(errno: i32) -> &'static str {
    if errno == 0 {
        return "Success";
    }
    Errno::ALL
        .iter()
        .find(|e| **e as i32 == errno)
        .map_or("Unknown error", |e| e.message())
}

/// The Linux symbols system call lines use (`symbols_linux.c`).
fn symbol(name: &str) -> Option<i64> {
    if let Some(e) = Errno::from_name(name) {
        return Some(e as i64);
    }
    Some(match name {
        "AF_INET" | "PF_INET" => 2,
        "SOCK_STREAM" => 1,
        "IPPROTO_TCP" | "SOL_TCP" => 6,
        "IPPROTO_IP" => 0,
        "SOL_SOCKET" => 1,
        "SO_REUSEADDR" => 2,
        "SO_ERROR" => 4,
        "SO_LINGER" => 13,
        "F_GETFL" => 3,
        "F_SETFL" => 4,
        "O_RDONLY" => 0,
        "O_WRONLY" => 1,
        "O_RDWR" => 2,
        "O_NONBLOCK" => 0o4000,
        "SHUT_RD" => 0,
        "SHUT_WR" => 1,
        "SHUT_RDWR" => 2,
        _ => return None,
    })
}

impl<'a> Runner<'a> {
    fn new(path: &'a str, files: &'a dyn Files, seed: u64) -> Runner<'a> {
        Runner {
            path,
            files,
            w: World::new(seed, LOCAL_IP),
            seed,
            cfg: Config::default(),
            sockets: Vec::new(),
            under_test: None,
            errno: 0,
            // packetdrill takes a real ephemeral port of the kernel's default range.
            next_remote_port: 32768 + u16::try_from(seed % 28232).unwrap_or(0),
            snapshots: Vec::new(),
            pending: None,
            errors: Vec::new(),
            last_time: None,
            last_absolute: false,
            last_inbound: false,
        }
    }

    fn fail<T>(&self, line: u32, text: String) -> Res<T> {
        Err(Failure {
            line: Some(line),
            text: format!("{}:{line}: {text}", self.path),
        })
    }

    // ---- the script ----

    fn script(&mut self, s: &Script) -> Res<()> {
        for o in &s.options {
            self.option(o.line, &o.name, o.value.as_deref())?;
        }
        if self.cfg.dry_run {
            return Ok(());
        }
        if let Some(c) = &s.init_command
            && let Err(e) = self.command(c)
        {
            return Err(Failure {
                line: Some(c.line),
                text: format!("{}: error executing init command: {e}", self.path),
            });
        }
        for (i, ev) in s.events.iter().enumerate() {
            self.event(i, ev)?;
            if self.w.out_of_steps() {
                return self.fail(
                    ev.line,
                    String::from(
                        "runtime error: the simulation ran out of steps (a livelock in the simulated host?)",
                    ),
                );
            }
        }
        if let Some(c) = &s.cleanup_command
            && let Err(e) = self.command(c)
        {
            return Err(Failure {
                line: Some(c.line),
                text: format!("{}: error executing cleanup command: {e}", self.path),
            });
        }
        self.run_code()?;
        // `syscalls_free`: a blocking call gets 1 s more to return.
        if !self.await_idle()?
            && let Some(p) = &self.pending
        {
            return self.fail(
                p.line,
                String::from("runtime error: exiting while a blocking system call is in progress"),
            );
        }
        Ok(())
    }

    /// packetdrill's options (`config.c`, `process_option`): those with a meaning in the
    /// simulation; any other is an error naming it, never ignored.
    fn option(&mut self, line: u32, name: &str, value: Option<&str>) -> Res<()> {
        let v = value.unwrap_or("");
        let bad = |me: &Self| me.fail(line, format!("bad --{name}: {v}"));
        let num = v.parse::<f64>().ok();
        let port = v.parse::<u16>().ok();
        match name {
            "tolerance_usecs" => match num {
                Some(n) if n > 0.0 => self.cfg.tolerance_usecs = n as i64,
                _ => return bad(self),
            },
            "tolerance_percent" => match num {
                Some(n) if (0.0..=100.0).contains(&n) => self.cfg.tolerance_percent = n,
                _ => return bad(self),
            },
            "tcp_ts_tick_usecs" => match v.parse::<i64>() {
                Ok(n) if n >= 0 => self.cfg.ts_tick_usecs = n,
                _ => return bad(self),
            },
            "bind_port" => match port {
                Some(p) => self.cfg.bind_port = p,
                None => return bad(self),
            },
            "connect_port" => match port {
                Some(p) => self.cfg.connect_port = p,
                None => return bad(self),
            },
            "local_ip" | "remote_ip" => match parse_ipv4(v) {
                Some(ip) if name == "local_ip" => {
                    self.cfg.local_ip = ip;
                    self.w = World::new(self.seed, ip);
                }
                Some(ip) => self.cfg.remote_ip = ip,
                None => return bad(self),
            },
            "ip_version" if v == "ipv4" => {}
            "tcp_ts_ecr_scaled" => self.cfg.ts_ecr_scaled = true,
            "strict_segments" => self.cfg.strict_segments = true,
            "dry_run" => self.cfg.dry_run = true,
            "verbose" | "debug" => {}
            _ => {
                return self.fail(
                    line,
                    format!(
                        "option '--{name}{}' is not simulated by synack (it reads --tolerance_usecs, --tolerance_percent, --tcp_ts_tick_usecs, --tcp_ts_ecr_scaled, --strict_segments, --bind_port, --connect_port, --local_ip, --remote_ip, --ip_version=ipv4, --dry_run, --verbose, --debug)",
                        value.map_or(String::new(), |v| format!("={v}"))
                    ),
                );
            }
        }
        Ok(())
    }

    fn event(&mut self, i: usize, ev: &Event) -> Res<()> {
        let raw = match ev.time {
            EventTime::Absolute(t) | EventTime::Relative(t) => t,
            EventTime::AbsoluteRange(a, _) | EventTime::RelativeRange(a, _) => a,
            EventTime::Any => 0,
        };
        if i == 0 && raw != 0 {
            return self.fail(ev.line, String::from("first event should be at time 0"));
        }
        let absolute = matches!(
            ev.time,
            EventTime::Absolute(_) | EventTime::AbsoluteRange(..)
        );
        if let (Some(last), true) = (self.last_time, absolute)
            && raw < last
            && self.last_absolute
        {
            return self.fail(
                ev.line,
                format!("time goes backward in script from {last} usec to {raw} usec"),
            );
        }
        // `adjust_relative_event_times`.
        let inbound = matches!(&ev.action, Action::Packet(p) if p.direction == Direction::Inbound);
        let offset = match (self.last_time, self.last_inbound && inbound) {
            (Some(last), true) => last,
            _ => micros(self.w.now),
        };
        let (time, end) = match ev.time {
            EventTime::Absolute(t) => (t, None),
            EventTime::AbsoluteRange(a, b) => (a, Some(b)),
            EventTime::Relative(t) => (offset + t, None),
            EventTime::RelativeRange(a, b) => (offset + a, Some(offset + b)),
            EventTime::Any => (offset, None),
        };
        let timing = Timing {
            kind: ev.time,
            time,
            end,
            offset,
            first: i == 0,
        };
        match &ev.action {
            Action::Packet(p) => self.packet(ev.line, &timing, p)?,
            Action::Syscall(c) => self.syscall(ev.line, &timing, c)?,
            Action::Command(c) => {
                self.wait_for_event(ev.line, &timing, "command")?;
                if let Err(e) = self.command(c) {
                    return self.fail(
                        ev.line,
                        format!("error executing `{}` command: {e}", c.text),
                    );
                }
            }
            Action::Code(text) => {
                self.wait_for_event(ev.line, &timing, "data collection for code")?;
                let info = self.snapshot();
                self.snapshots.push(Snapshot {
                    line: ev.line,
                    text: text.clone(),
                    info,
                });
            }
        }
        self.check_pending()?;
        self.last_time = Some(time);
        self.last_absolute = absolute;
        self.last_inbound = inbound;
        Ok(())
    }

    // ---- time ----

    /// `verify_time`.
    fn verify_time(&self, t: &Timing, actual: i64, description: &str) -> Result<(), String> {
        if t.kind == EventTime::Any {
            return Ok(());
        }
        let mut tolerance = self.cfg.tolerance_usecs;
        if let Some(last) = self.last_time {
            let dynamic = (self.cfg.tolerance_percent / 100.0 * (t.time - last) as f64) as i64;
            tolerance = tolerance.max(dynamic);
        }
        if let Some(end) = t.end {
            if actual < t.time - tolerance || actual > end + tolerance {
                return Err(match t.kind {
                    EventTime::RelativeRange(..) => format!(
                        "timing error: expected {description} in relative time range +{:.6}~+{:.6} sec but happened at {:+.6} sec",
                        secs(t.time - t.offset),
                        secs(end - t.offset),
                        secs(actual - t.offset)
                    ),
                    _ => format!(
                        "timing error: expected {description} in time range {:.6}~{:.6} sec but happened at {:.6} sec",
                        secs(t.time),
                        secs(end),
                        secs(actual)
                    ),
                });
            }
            return Ok(());
        }
        if actual < t.time - tolerance || actual > t.time + tolerance {
            return Err(format!(
                "timing error: expected {description} at {:.6} sec but happened at {:.6} sec; tolerance {:.6} sec",
                secs(t.time),
                secs(actual),
                secs(tolerance)
            ));
        }
        Ok(())
    }

    /// `wait_for_event`: run the host up to the event's time; an event can only be late.
    fn wait_for_event(&mut self, line: u32, t: &Timing, description: &str) -> Res<()> {
        self.w.advance_to(instant(t.time));
        if t.first {
            return Ok(());
        }
        match self.verify_time(t, micros(self.w.now), description) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(line, e),
        }
    }

    // ---- packets ----

    fn packet(&mut self, line: u32, t: &Timing, p: &PacketSpec) -> Res<()> {
        let result = match self.socket_for_packet(p) {
            Err(e) => Err(e),
            Ok(sock) => self.packet_on(line, t, sock, p)?,
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.fail(line, format!("error handling packet: {e}")),
        }
    }

    fn packet_on(
        &mut self,
        line: u32,
        t: &Timing,
        sock: usize,
        p: &PacketSpec,
    ) -> Res<Result<(), String>> {
        Ok(match p.direction {
            Direction::Inbound => {
                self.wait_for_event(line, t, "inbound packet")?;
                self.inbound(sock, p)
            }
            Direction::Outbound => self.outbound(sock, t, p),
        })
    }

    /// `find_or_create_socket_for_script_packet`.
    fn socket_for_packet(&mut self, p: &PacketSpec) -> Result<usize, String> {
        let under = self
            .under_test
            .and_then(|i| self.sockets.get(i).map(|s| (i, s.state)));
        Ok(match (p.direction, under) {
            // `handle_listen_for_script_packet`: any inbound packet to a listener (or to no
            // socket at all) makes a child socket, the new socket under test.
            (Direction::Inbound, None | Some((_, SockState::Listening))) => {
                let mut s = PdSocket::new(SockState::PassivePacketReceived);
                s.live_remote = Endpoint::new(self.cfg.remote_ip, self.next_remote_port);
                self.next_remote_port = self.next_remote_port.wrapping_add(1).max(32768);
                s.live_local = Endpoint::new(self.cfg.local_ip, self.cfg.bind_port);
                s.remote_isn = p.seq;
                self.sockets.push(s);
                let i = self.sockets.len() - 1;
                self.under_test = Some(i);
                i
            }
            // `handle_connect_for_script_packet`: the `> S` line after connect().
            (Direction::Outbound, Some((i, SockState::ActiveConnecting)))
                if p.flags & 0x02 != 0 && p.flags & 0x10 == 0 =>
            {
                if let Some(s) = self.sockets.get_mut(i) {
                    s.state = SockState::ActiveSynSent;
                    s.script_local_isn = p.seq;
                }
                i
            }
            (_, Some((i, _))) => i,
            (Direction::Outbound, None) => {
                return Err(String::from("no matching socket for script packet"));
            }
        })
    }

    fn inbound(&mut self, sock: usize, p: &PacketSpec) -> Result<(), String> {
        let scaled = self.cfg.ts_ecr_scaled;
        let Some(s) = self.sockets.get_mut(sock) else {
            return Err(String::from("no matching socket for script packet"));
        };
        let syn = p.flags & 0x02 != 0;
        let ack = p.flags & 0x10 != 0;
        // `do_inbound_script_packet`: the socket's state moves on.
        if s.state == SockState::PassiveSynAckSent && ack {
            s.state = SockState::PassiveSynAckAcked;
        } else if s.state == SockState::ActiveSynSent && syn && ack {
            s.state = SockState::ActiveSynAcked;
            s.remote_isn = p.seq;
        }
        let window = p.window.unwrap_or(0);
        // `map_inbound_packet`.
        let src = Endpoint::new(
            s.live_remote.ip,
            p.ports.map_or(s.live_remote.port, |(src, _)| src),
        );
        let dst = Endpoint::new(
            s.live_local.ip,
            p.ports.map_or(s.live_local.port, |(_, d)| d),
        );
        let seq = p.seq.wrapping_add(s.remote_offset(syn));
        let ack_seq = match p.ack {
            Some(a) if ack => a.wrapping_add(s.local_offset(syn)),
            Some(a) => a,
            None => 0,
        };
        let mut options = Vec::new();
        for o in p.options.as_deref().unwrap_or(&[]) {
            options.push(match o {
                PktOption::Nop => TcpOption::Nop,
                PktOption::Eol => {
                    return Err(String::from(
                        "the eol option is not simulated in inbound packets",
                    ));
                }
                PktOption::Mss(m) => TcpOption::Mss(*m),
                PktOption::WindowScale(w) => TcpOption::WindowScale(*w),
                PktOption::SackOk => TcpOption::SackPermitted,
                PktOption::Sack(blocks) => {
                    let off = s.local_offset(syn);
                    let edges: Vec<(SeqNum, SeqNum)> = blocks
                        .iter()
                        .map(|(l, r)| (SeqNum(l.wrapping_add(off)), SeqNum(r.wrapping_add(off))))
                        .collect();
                    TcpOption::Sack(SackBlocks::new(&edges).ok_or_else(|| {
                        format!(
                            "a SACK option holds at most {MAX_SACK_BLOCKS} blocks, not {}",
                            edges.len()
                        )
                    })?)
                }
                PktOption::Timestamp { val, ecr } => {
                    let ecr = if ack {
                        match s.ts_map.iter().rev().find(|(sv, _)| sv == ecr) {
                            Some((_, live)) => *live,
                            // `--tcp_ts_ecr_scaled`: interpolated from the first mapping.
                            None if scaled && !s.ts_map.is_empty() => {
                                let (first_script, first_live) =
                                    s.ts_map.first().copied().unwrap_or((0, 0));
                                ecr.wrapping_sub(first_script).wrapping_add(first_live)
                            }
                            None => {
                                return Err(format!(
                                    "unable to infer live TS ecr for script TS ecr {ecr};  no matching or preceding outbound TS val"
                                ));
                            }
                        }
                    } else {
                        *ecr
                    };
                    TcpOption::Timestamp { val: *val, ecr }
                }
            });
        }
        let seg = Segment {
            src,
            dst,
            seq: SeqNum(seq),
            ack: SeqNum(ack_seq),
            flags: Flags(p.flags & 0x1f),
            window,
            options: Options::of(&options).map_err(|_| {
                String::from("the TCP options are longer than the 40 bytes a header holds")
            })?,
            payload: vec![0; usize::from(p.len)],
        };
        if p.flags & !0x1f != 0 {
            return Err(format!(
                "flags `{}`: URG, ECE and CWR are not simulated",
                p.flags_text
            ));
        }
        self.w.inject(seg);
        Ok(())
    }

    /// `sniff_outbound_live_packet`: the next packet of the socket under test, waiting for the
    /// host to send one until the timeout.
    fn sniff(&mut self, sock: usize, t: &Timing) -> Result<(Instant, Segment), String> {
        let last = self.last_time.unwrap_or(0);
        let expected = (t.end.unwrap_or(t.time)).max(t.time) - last;
        let timeout = if t.kind == EventTime::Any {
            LONGEST_WAIT
        } else {
            // `(s32)(usecs_to_secs(...) + 2)`: whole seconds.
            let s = (secs(expected) + 2.0) as i64;
            Duration::from_secs(u64::try_from(s).unwrap_or(0))
        };
        let mut deadline = self.w.now + timeout;
        loop {
            let Some((at, seg)) = self.w.tun.pop_front() else {
                if self.w.step_timer(deadline) {
                    continue;
                }
                self.w.now = self.w.now.max(deadline);
                return Err(String::from("Timed out waiting for packet"));
            };
            let Some(s) = self.sockets.get_mut(sock) else {
                return Err(String::from("packet is not for expected socket"));
            };
            if seg.src == s.live_local && seg.dst == s.live_remote {
                return Ok((at, seg));
            }
            // `find_connect_for_live_packet`: the SYN of a connect() teaches the local end.
            if s.state == SockState::ActiveSynSent
                && seg.flags.syn()
                && !seg.flags.ack()
                && seg.dst == s.live_remote
            {
                s.live_local = seg.src;
                s.live_local_isn = seg.seq.0;
                return Ok((at, seg));
            }
            // Not this socket's: skipped, and the wait starts over.
            deadline = self.w.now + timeout;
        }
    }

    fn outbound(&mut self, sock: usize, t: &Timing, p: &PacketSpec) -> Result<(), String> {
        let syn = p.flags & 0x02 != 0;
        let synack = syn && p.flags & 0x10 != 0;
        if let Some(s) = self.sockets.get_mut(sock)
            && s.state == SockState::PassivePacketReceived
            && synack
        {
            s.script_local_isn = p.seq;
        }
        let expected_len = u32::from(p.len);
        let mut fragments: Vec<(Instant, Segment)> = Vec::new();
        let mut got = 0u32;
        loop {
            let (at, seg) = match self.sniff(sock, t) {
                Ok(x) => x,
                Err(e) => return Err(self.with_script_dump(e, t, p)),
            };
            if let Some(s) = self.sockets.get_mut(sock)
                && s.state == SockState::PassivePacketReceived
                && synack
            {
                s.state = SockState::PassiveSynAckSent;
                s.live_local_isn = seg.seq.0;
            }
            got += u32::try_from(seg.payload.len()).unwrap_or(u32::MAX);
            if let Some((_, prev)) = fragments.last()
                && (seg.seq != prev.seq + u32::try_from(prev.payload.len()).unwrap_or(0)
                    || seg.ack != prev.ack
                    || (seg.flags.0 | 0x09) != (prev.flags.0 | 0x09))
            {
                return Err(self.with_script_dump(
                    String::from(
                        "TSO/GSO emulation: consecutive live packets are not one split segment",
                    ),
                    t,
                    p,
                ));
            }
            fragments.push((at, seg));
            if got >= expected_len || self.cfg.strict_segments {
                break;
            }
        }
        if got != expected_len {
            return Err(format!(
                "live packet payload: expected {expected_len} bytes vs actual {got} bytes"
            ));
        }
        let (_, mut seg) = fragments
            .first()
            .cloned()
            .unwrap_or((self.w.now, empty_segment()));
        let mut at = self.w.now;
        if let Some((last_at, last)) = fragments.last() {
            // `aggregate_packets`: the headers and the time of the last fragment, the sequence of
            // the first.
            let first_seq = seg.seq;
            seg = last.clone();
            seg.seq = first_seq;
            at = *last_at;
            seg.payload = fragments
                .iter()
                .flat_map(|(_, f)| f.payload.iter().copied())
                .collect();
        }
        self.w.now = self.w.now.max(at);
        let Some(s) = self.sockets.get_mut(sock) else {
            return Err(String::from("packet is not for expected socket"));
        };
        let actual = ActualPacket::from_live(s, &seg, p);
        // `verify_outbound_tcp_option`: TS val is checked only with --tcp_ts_tick_usecs, within
        // a tolerance grown with the time since the script began.
        let ts_check = (self.cfg.ts_tick_usecs > 0).then(|| {
            let dynamic = (self.cfg.tolerance_percent / 100.0 * t.time as f64) as i64;
            (
                self.cfg.ts_tick_usecs,
                self.cfg.tolerance_usecs.max(dynamic),
            )
        });
        let check = verify(p, &actual, ts_check);
        let timing = match check {
            Ok(()) => self.verify_time(t, micros(at), "outbound packet"),
            Err(e) => Err(e),
        };
        timing.map_err(|e| {
            format!(
                "{}\nactual packet: {:9.6} {}",
                self.with_script_dump(e, t, p),
                secs(micros(at)),
                actual.dump()
            )
        })
    }

    fn with_script_dump(&self, e: String, t: &Timing, p: &PacketSpec) -> String {
        format!(
            "{e}\nscript packet: {:9.6} {}",
            secs(t.time),
            script_dump(p)
        )
    }

    // ---- system calls ----

    fn fd_socket(&self, script_fd: i32) -> Result<usize, String> {
        self.sockets
            .iter()
            .rposition(|s| s.script_fd == Some(script_fd))
            .ok_or_else(|| format!("unable to find fd with script fd {script_fd}"))
    }

    fn live_fd(&self, script_fd: i32) -> Result<i32, String> {
        let i = self.fd_socket(script_fd)?;
        self.sockets
            .get(i)
            .and_then(|s| s.live_fd)
            .ok_or_else(|| format!("unable to find fd with script fd {script_fd}"))
    }

    fn syscall(&mut self, line: u32, t: &Timing, c: &SyscallSpec) -> Res<()> {
        // `await_idle_thread`: up to 1 s for a blocking call still in progress.
        let idle = self.await_idle()?;
        self.wait_for_event(line, t, "system call start")?;
        let call = match self.prepare(c) {
            Ok(call) => call,
            Err(e) => return self.fail(line, format!("runtime error in {} call: {e}", c.name)),
        };
        if let Some(end) = c.end_usecs {
            if !idle {
                return self.fail(
                    line,
                    format!(
                        "runtime error in {} call: blocking system call while another blocking system call is already in progress",
                        c.name
                    ),
                );
            }
            let end = match t.kind {
                EventTime::Relative(_) => t.offset + end,
                _ => end,
            };
            let result = self.w.call(SYSCALL_THREAD, call.clone());
            if result == CallResult::Blocked {
                self.pending = Some(Pending {
                    line,
                    spec: c.clone(),
                    call,
                    start: t.time,
                    end,
                });
                return Ok(());
            }
            return self.finish_call(line, c, &call, result, Some((t.time, end)));
        }
        let mut result = self.w.call(SCRIPT_THREAD, call.clone());
        if result == CallResult::Blocked {
            // packetdrill itself blocks in the call; the host's timers go on.
            let limit = self.w.now + LONGEST_WAIT;
            match self.w.wait_returned(SCRIPT_THREAD, limit) {
                Some(r) => result = r,
                None => {
                    return self.fail(
                        line,
                        format!(
                            "runtime error in {} call: the call blocks and nothing in the simulation can complete it (packetdrill would hang here)",
                            c.name
                        ),
                    );
                }
            }
        }
        self.finish_call(line, c, &call, result, None)
    }

    /// `await_idle_thread`: waits up to 1 s for the syscall thread's call to return. False if
    /// it is still blocked.
    fn await_idle(&mut self) -> Res<bool> {
        if self.pending.is_none() {
            return Ok(true);
        }
        let limit = self.w.now + Duration::from_secs(1);
        while !self.w.returned.iter().any(|(t, _, _)| *t == SYSCALL_THREAD) {
            if !self.w.step_timer(limit) {
                break;
            }
        }
        self.check_pending()?;
        Ok(self.pending.is_none())
    }

    /// A blocking call on the syscall thread that has returned since: its result and return
    /// time are checked now.
    fn check_pending(&mut self) -> Res<()> {
        let Some(i) = self
            .w
            .returned
            .iter()
            .position(|(t, _, _)| *t == SYSCALL_THREAD)
        else {
            return Ok(());
        };
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        let (_, at, result) = self.w.returned.remove(i);
        let now = self.w.now;
        self.w.now = at;
        let r = self.finish_call(p.line, &p.spec, &p.call, result, Some((p.start, p.end)));
        self.w.now = now;
        r
    }

    /// The core's call for a syscall line, with packetdrill's bookkeeping done first
    /// (`socket()` and `connect()` change the socket under test before the real call).
    fn prepare(&mut self, c: &SyscallSpec) -> Result<Call, String> {
        let call = self.call_for(c)?;
        match &call {
            Call::Socket => {}
            Call::Connect { fd, .. } => {
                let i = self.sockets.iter().rposition(|s| s.live_fd == Some(*fd));
                if let Some(s) = i.and_then(|i| self.sockets.get_mut(i))
                    && s.state == SockState::New
                {
                    s.state = SockState::ActiveConnecting;
                    s.live_remote = Endpoint::new(self.cfg.remote_ip, self.cfg.connect_port);
                }
            }
            _ => {}
        }
        Ok(call)
    }

    fn call_for(&self, c: &SyscallSpec) -> Result<Call, String> {
        let args = &c.args;
        let want = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("Expected {n} args but got {}", args.len()))
            }
        };
        let fd = || -> Result<i32, String> {
            let v = int_arg(args.first())?;
            self.live_fd(i32::try_from(v).unwrap_or(-1))
        };
        Ok(match c.name.as_str() {
            "socket" => {
                want(3)?;
                let domain = match args.first() {
                    Some(Expr::Ellipsis) | None => 2,
                    other => int_arg(other)?,
                };
                let ty = int_arg(args.get(1))?;
                if domain != 2 || ty != 1 {
                    return Err(String::from(
                        "synack simulates AF_INET SOCK_STREAM (TCP over IPv4) sockets only",
                    ));
                }
                Call::Socket
            }
            "bind" => {
                want(3)?;
                Call::Bind {
                    fd: fd()?,
                    addr: {
                        ellipsis_arg(args, 1)?;
                        ellipsis_arg(args, 2)?;
                        Endpoint::new(self.cfg.local_ip, self.cfg.bind_port)
                    },
                }
            }
            "listen" => {
                want(2)?;
                Call::Listen {
                    fd: fd()?,
                    backlog: u32::try_from(int_arg(args.get(1))?.max(0)).unwrap_or(u32::MAX),
                }
            }
            "accept" => {
                want(3)?;
                ellipsis_arg(args, 1)?;
                ellipsis_arg(args, 2)?;
                Call::Accept { fd: fd()? }
            }
            "connect" => {
                want(3)?;
                Call::Connect {
                    fd: fd()?,
                    addr: {
                        // `syscall_connect`: AF_UNSPEC (to disconnect) is the one alternative.
                        if let Some(Expr::Int(_) | Expr::Word(_)) = args.get(1) {
                            return Err(String::from(
                                "connect() with an address family (AF_UNSPEC, to disconnect) is not simulated",
                            ));
                        }
                        ellipsis_arg(args, 1)?;
                        ellipsis_arg(args, 2)?;
                        Endpoint::new(self.cfg.remote_ip, self.cfg.connect_port)
                    },
                }
            }
            "read" | "recv" => {
                want(if c.name == "read" { 3 } else { 4 })?;
                Call::Read {
                    fd: fd()?,
                    len: u32::try_from(int_arg(args.get(2))?.max(0)).unwrap_or(u32::MAX),
                }
            }
            "write" | "send" => {
                want(if c.name == "write" { 3 } else { 4 })?;
                let n = usize::try_from(int_arg(args.get(2))?.max(0)).unwrap_or(0);
                Call::Write {
                    fd: fd()?,
                    data: vec![0; n.min(1 << 24)].into(),
                }
            }
            "shutdown" => {
                want(2)?;
                Call::Shutdown {
                    fd: fd()?,
                    how: match int_arg(args.get(1))? {
                        0 => How::Read,
                        1 => How::Write,
                        _ => How::Both,
                    },
                }
            }
            "close" => {
                want(1)?;
                Call::Close { fd: fd()? }
            }
            "fcntl" => {
                if args.len() != 2 && args.len() != 3 {
                    return Err(format!("Expected 2 or 3 args but got {}", args.len()));
                }
                match int_arg(args.get(1))? {
                    4 => Call::SetNonBlocking {
                        fd: fd()?,
                        on: int_arg(args.get(2))? & i64::from(O_NONBLOCK) != 0,
                    },
                    3 => Call::GetFlags { fd: fd()? },
                    _ => {
                        return Err(String::from(
                            "synack simulates fcntl F_GETFL and F_SETFL only",
                        ));
                    }
                }
            }
            "setsockopt" => {
                want(5)?;
                let level = int_arg(args.get(1))?;
                let name = int_arg(args.get(2))?;
                match (level, name) {
                    (1, 2) => Call::SetReuseAddr {
                        fd: fd()?,
                        on: int_arg(args.get(3))? != 0,
                    },
                    (1, 13) => {
                        // `{onoff=1, linger=0}`: packetdrill's `struct linger`.
                        let (on, secs) = linger_arg(args.get(3))?;
                        Call::SetLinger {
                            fd: fd()?,
                            on,
                            secs,
                        }
                    }
                    _ => {
                        return Err(format!(
                            "setsockopt {} is not simulated yet (synack simulates SOL_SOCKET SO_REUSEADDR and SO_LINGER)",
                            args.get(2).map_or(String::new(), ToString::to_string)
                        ));
                    }
                }
            }
            "getsockopt" => {
                want(5)?;
                match (int_arg(args.get(1))?, int_arg(args.get(2))?) {
                    (1, 4) => Call::GetSoError { fd: fd()? },
                    _ => {
                        return Err(format!(
                            "getsockopt {} is not simulated yet (synack simulates SOL_SOCKET SO_ERROR)",
                            args.get(2).map_or(String::new(), ToString::to_string)
                        ));
                    }
                }
            }
            other => return Err(format!("Unknown system call: '{other}'")),
        })
    }

    /// Checks the result (`end_syscall`) and does packetdrill's bookkeeping after the call.
    fn finish_call(
        &mut self,
        line: u32,
        c: &SyscallSpec,
        call: &Call,
        result: CallResult,
        blocking: Option<(i64, i64)>,
    ) -> Res<()> {
        let (actual, errno) = match &result {
            CallResult::Ok { value } => (i64::from(*value), None),
            CallResult::Data { data } => (i64::try_from(data.len()).unwrap_or(i64::MAX), None),
            CallResult::Err { errno } => (-1, Some(*errno as i32)),
            CallResult::Blocked => (-1, None),
        };
        if let Some(e) = errno {
            self.errno = e;
        }
        if c.name == "getsockopt" {
            return self.finish_getsockopt(line, c, actual);
        }
        let expected = match &c.result {
            Expr::Int(v) => *v,
            other => {
                return self.fail(
                    line,
                    format!(
                        "runtime error in {} call: Bad type; actual: {other} expected: integer",
                        c.name
                    ),
                );
            }
        };
        let fd_check = matches!(c.name.as_str(), "socket" | "accept");
        let err = |me: &Self, msg: String| {
            me.fail(line, format!("runtime error in {} call: {msg}", c.name))
        };
        if fd_check && expected >= 0 {
            if actual < 0 {
                return err(
                    self,
                    format!(
                        "Expected non-negative result but got {actual} with errno {} ({})",
                        self.errno,
                        strerror(self.errno)
                    ),
                );
            }
        } else if actual != expected {
            return err(
                self,
                format!(
                    "Expected result {expected} but got {actual} with errno {} ({})",
                    self.errno,
                    strerror(self.errno)
                ),
            );
        }
        if let Some(name) = &c.errno {
            let Some(want) = symbol(name) else {
                return err(self, format!("unknown symbol: '{name}'"));
            };
            let want = i32::try_from(want).unwrap_or(0);
            if want != self.errno {
                return err(
                    self,
                    format!(
                        "Expected errno {want} ({}) but got {} ({})",
                        strerror(want),
                        self.errno,
                        strerror(self.errno)
                    ),
                );
            }
        }
        if let Some((start, end)) = blocking {
            let t = Timing {
                kind: EventTime::Absolute(end),
                time: end,
                end: None,
                offset: 0,
                first: false,
            };
            let saved = self.last_time;
            self.last_time = Some(start);
            let r = self.verify_time(&t, micros(self.w.now), "system call return");
            self.last_time = saved;
            if let Err(e) = r {
                return self.fail(line, e);
            }
        }
        self.after_call(line, c, call, actual)
    }

    fn finish_getsockopt(&mut self, line: u32, c: &SyscallSpec, actual: i64) -> Res<()> {
        let want_val = match c.args.get(3) {
            Some(Expr::List(v)) => int_arg(v.first()),
            other => int_arg(other),
        };
        let want_len = match c.args.get(4) {
            Some(Expr::List(v)) => int_arg(v.first()),
            _ => Err(String::from(
                "getsockopt optlen must be a pointer, like [4]",
            )),
        };
        let (want_val, want_len) = match (want_val, want_len) {
            (Ok(v), Ok(l)) => (v, l),
            (Err(e), _) | (_, Err(e)) => {
                return self.fail(line, format!("runtime error in getsockopt call: {e}"));
            }
        };
        let expected = match &c.result {
            Expr::Int(v) => *v,
            _ => 0,
        };
        if expected != 0 {
            return self.fail(
                line,
                format!(
                    "runtime error in getsockopt call: Expected result {expected} but got 0 with errno {} ({})",
                    self.errno,
                    strerror(self.errno)
                ),
            );
        }
        if want_len != 4 {
            return self.fail(
                line,
                format!("runtime error in getsockopt call: Bad getsockopt optlen: expected: {want_len} actual: 4"),
            );
        }
        if want_val != actual {
            return self.fail(
                line,
                format!("runtime error in getsockopt call: Bad getsockopt optval: expected: {want_val} actual: {actual}"),
            );
        }
        Ok(())
    }

    /// packetdrill's bookkeeping once a call returned: fds and the socket under test.
    fn after_call(&mut self, line: u32, c: &SyscallSpec, call: &Call, actual: i64) -> Res<()> {
        let script_fd = match &c.result {
            Expr::Int(v) => i32::try_from(*v).unwrap_or(-1),
            _ => -1,
        };
        let live = i32::try_from(actual).unwrap_or(-1);
        match call {
            Call::Socket if actual >= 0 => {
                if self.sockets.iter().any(|s| s.script_fd == Some(script_fd)) {
                    return self.fail(
                        line,
                        format!("runtime error in socket call: duplicate fd {script_fd} in script"),
                    );
                }
                let mut s = PdSocket::new(SockState::New);
                s.script_fd = Some(script_fd);
                s.live_fd = Some(live);
                self.sockets.push(s);
                self.under_test = Some(self.sockets.len() - 1);
            }
            Call::Listen { fd, .. } if actual == 0 => {
                if let Some(s) = self
                    .sockets
                    .iter_mut()
                    .rev()
                    .find(|s| s.live_fd == Some(*fd))
                {
                    s.state = SockState::Listening;
                }
            }
            Call::Accept { .. } if actual >= 0 => {
                // `run_syscall_accept`: the newest passive socket whose handshake was seen.
                let peer = self.w.host.peer_of(live);
                let Some(i) = self.sockets.iter().rposition(|s| {
                    matches!(
                        s.state,
                        SockState::PassiveSynAckSent | SockState::PassiveSynAckAcked
                    )
                }) else {
                    return self.fail(line, String::from("runtime error in accept call: unable to find socket matching accept() call"));
                };
                let expected = self.sockets.get(i).map(|s| s.live_remote);
                if peer != expected {
                    let show = |e: Option<Endpoint>| {
                        e.map_or(String::from("?"), |p| format!("{}:{}", p.ip, p.port))
                    };
                    return self.fail(
                        line,
                        format!(
                            "runtime error in accept call: accept() returned the connection from {}, not the one from the script's peer {} (packetdrill's assertion on the accepted address fails)",
                            show(peer),
                            show(expected)
                        ),
                    );
                }
                if let Some(s) = self.sockets.get_mut(i) {
                    s.script_fd = Some(script_fd);
                    s.live_fd = Some(live);
                }
            }
            Call::Close { fd } => {
                if let Some(s) = self
                    .sockets
                    .iter_mut()
                    .rev()
                    .find(|s| s.live_fd == Some(*fd))
                {
                    s.script_fd = None;
                    s.live_fd = None;
                }
            }
            _ => {}
        }
        Ok(())
    }

    // ---- commands ----

    fn command(&mut self, c: &Command) -> Result<(), String> {
        let chains = shell::parse_line(&c.text).map_err(|e| e.0)?;
        let status = self.run_chains(&chains, 0)?;
        if status == 0 {
            Ok(())
        } else {
            Err(format!("non-zero status {status}"))
        }
    }

    /// Runs `;`-separated chains; the status is the last one's.
    fn run_chains(&mut self, chains: &[shell::Chain], depth: u32) -> Result<i32, String> {
        let mut status = 0;
        for chain in chains {
            for cmd in chain {
                status = self.run_cmd(cmd, depth)?;
                if status != 0 {
                    break;
                }
                if let Cmd::Exit(_) = cmd {
                    return Ok(status);
                }
            }
        }
        Ok(status)
    }

    fn run_cmd(&mut self, cmd: &Cmd, depth: u32) -> Result<i32, String> {
        match cmd {
            Cmd::True | Cmd::TrafficControl => Ok(0),
            Cmd::Exit(code) => Ok(*code),
            Cmd::Sysctl { name, value } => {
                let profile = self.w.host.profile();
                let knob = find_knob(name, profile).map_err(|e| format!("sysctl {name}: {e}"))?;
                knob.set(self.w.host.sysctl_mut(), value)
                    .map_err(|e| format!("sysctl {name}: {e}"))?;
                Ok(0)
            }
            Cmd::Counters(pairs) => {
                let mut status = 0;
                for (name, want) in pairs {
                    let c = Counter::from_nstat_name(name).ok_or_else(|| {
                        format!("counter `{name}` is not simulated by synack (see `synack knobs` for the sysctls; counters are listed in synack-core's counters.rs)")
                    })?;
                    let v = self.w.host.counters().get(c);
                    if want.parse::<u64>().ok() != Some(v) {
                        self.errors
                            .push(format!("counter {name} = {v}, expected {want}"));
                        status = 1;
                    }
                }
                Ok(status)
            }
            Cmd::SsCount { state, expected } => {
                let st = ss_state(state).ok_or_else(|| format!("ss: unknown state `{state}`"))?;
                let n = self.w.host.count_state(st);
                Ok(if expected.parse::<usize>().ok() == Some(n) {
                    0
                } else {
                    1
                })
            }
            Cmd::LocalConnect(n) => self.local_connect(*n),
            Cmd::Script(path) => {
                if depth > 4 {
                    return Err(format!("{path}: helper scripts nested too deep"));
                }
                let text = self
                    .files
                    .read(path)
                    .ok_or_else(|| format!("{path}: No such file or directory"))?;
                let chains = shell::parse_script(&text).map_err(|e| format!("{path}: {}", e.0))?;
                self.run_chains(&chains, depth + 1)
            }
        }
    }

    /// `./local-connect.sh N`: N loopback connections to the listener on port 8080, each closed
    /// by its client at once.
    fn local_connect(&mut self, n: u32) -> Result<i32, String> {
        // The helper script looks for `sport = :8080` whatever packetdrill's --bind_port.
        let port = LOCAL_CONNECT_PORT;
        let Some(listener) = self.w.host.listener_on(port) else {
            self.errors.push(String::from("no listener on port 8080"));
            return Ok(1);
        };
        let ip = if listener.ip.is_unspecified() {
            self.cfg.local_ip
        } else {
            listener.ip
        };
        for i in 1..=n {
            let fd = match self.w.call(HELPER_THREAD, Call::Socket) {
                CallResult::Ok { value } => value,
                _ => return Ok(1),
            };
            let mut r = self.w.call(
                HELPER_THREAD,
                Call::Connect {
                    fd,
                    addr: Endpoint::new(ip, port),
                },
            );
            if r == CallResult::Blocked {
                // `timeout 2`: bash gives up after 2 s.
                let limit = self.w.now + Duration::from_secs(2);
                r = self
                    .w
                    .wait_returned(HELPER_THREAD, limit)
                    .unwrap_or(CallResult::Err {
                        errno: Errno::ETIMEDOUT,
                    });
            }
            let _ = self.w.call(HELPER_THREAD, Call::Close { fd });
            if r != (CallResult::Ok { value: 0 }) {
                self.errors.push(format!("connect {i} to {ip}:8080 failed"));
                return Ok(1);
            }
        }
        Ok(0)
    }

    // ---- code ----

    fn snapshot(&self) -> Result<TcpInfo, String> {
        let Some(s) = self.under_test.and_then(|i| self.sockets.get(i)) else {
            return Err(String::from("no socket to use for code"));
        };
        s.live_fd
            .and_then(|fd| self.w.host.tcp_info(fd))
            .ok_or_else(|| String::from("can't find getsockopt to get TCP info"))
    }

    fn run_code(&mut self) -> Res<()> {
        for snap in &self.snapshots {
            let info = match &snap.info {
                Ok(i) => i,
                Err(e) => return self.fail(snap.line, format!("runtime error in code: {e}")),
            };
            match code::run(&snap.text, &|name| tcpi(info, name)) {
                Ok(()) => {}
                Err(e) => {
                    let detail = match e {
                        CodeError::Assertion(msg) if msg.is_empty() => {
                            String::from("AssertionError")
                        }
                        CodeError::Assertion(msg) => format!("AssertionError: {msg}"),
                        CodeError::Unsupported(msg) => msg,
                    };
                    return Err(Failure {
                        line: Some(snap.line),
                        text: format!(
                            "{path}:{line}: error in Python code\n{detail}\n{path}: error executing code: 'python3' returned non-zero status 1",
                            path = self.path,
                            line = snap.line
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// An event's time, adjusted (`adjust_relative_event_times`).
struct Timing {
    kind: EventTime,
    time: i64,
    end: Option<i64>,
    offset: i64,
    first: bool,
}

fn empty_segment() -> Segment {
    Segment {
        src: Endpoint::new(Ipv4(0), 0),
        dst: Endpoint::new(Ipv4(0), 0),
        seq: SeqNum(0),
        ack: SeqNum(0),
        flags: Flags::NONE,
        window: 0,
        options: Options::new(),
        payload: Vec::new(),
    }
}

fn int_arg(e: Option<&Expr>) -> Result<i64, String> {
    match e {
        Some(Expr::Int(v)) => Ok(*v),
        Some(Expr::Word(w)) => symbol(w).ok_or_else(|| format!("unknown symbol: '{w}'")),
        Some(Expr::Or(a, b)) => Ok(int_arg(Some(a))? | int_arg(Some(b))?),
        Some(Expr::List(items)) if items.len() == 1 => int_arg(items.first()),
        Some(other) => Err(format!(
            "Bad type; actual: {} expected: integer",
            type_name(other)
        )),
        None => Err(String::from("missing argument")),
    }
}

/// `{onoff=N, linger=M}` (`struct linger`, as packetdrill's parser reads it): `onoff` and `linger`
/// in either order, both required.
fn linger_arg(e: Option<&Expr>) -> Result<(bool, u32), String> {
    let Some(Expr::Struct(fields)) = e else {
        return Err(format!(
            "Bad type; actual: {} expected: linger",
            e.map_or("nothing", type_name)
        ));
    };
    let field = |name: &str| -> Result<i64, String> {
        fields
            .iter()
            .find_map(|f| match f {
                Expr::Assign(n, v) if n == name => Some(int_arg(Some(v))),
                _ => None,
            })
            .unwrap_or_else(|| Err(format!("linger struct without `{name}`")))
    };
    let on = field("onoff")? != 0;
    let secs = u32::try_from(field("linger")?.max(0)).unwrap_or(u32::MAX);
    Ok((on, secs))
}

/// packetdrill's name for an expression's type (`expression_type_table` in script.c).
fn type_name(e: &Expr) -> &'static str {
    match e {
        Expr::Ellipsis => "ellipsis",
        Expr::Int(_) => "integer",
        Expr::Word(w) if symbol(w).is_some() => "integer",
        Expr::Word(_) => "word",
        Expr::Str(_) => "string",
        Expr::List(_) => "list",
        Expr::Or(..) | Expr::Assign(..) => "binary_expression",
        Expr::Struct(fields)
            if fields
                .iter()
                .any(|f| matches!(f, Expr::Assign(n, _) if n == "sa_family")) =>
        {
            "sockaddr_in"
        }
        Expr::Struct(fields)
            if fields
                .iter()
                .any(|f| matches!(f, Expr::Assign(n, _) if n == "onoff")) =>
        {
            "linger"
        }
        Expr::Struct(_) | Expr::Call(..) => "list",
    }
}

/// `ellipsis_arg`: the script lets the runner supply this argument (`...`).
fn ellipsis_arg(args: &[Expr], i: usize) -> Result<(), String> {
    match args.get(i) {
        Some(Expr::Ellipsis) => Ok(()),
        Some(other) => Err(format!(
            "Bad type; actual: {} expected: ellipsis",
            type_name(other)
        )),
        None => Err(format!("Expected {} args but got {}", i + 1, args.len())),
    }
}

fn parse_ipv4(s: &str) -> Option<Ipv4> {
    let mut parts = s.split('.').map(|p| p.parse::<u8>().ok());
    let ip = Ipv4::new(
        parts.next()??,
        parts.next()??,
        parts.next()??,
        parts.next()??,
    );
    parts.next().is_none().then_some(ip)
}

/// The `ss` state names (`ss state NAME`).
fn ss_state(name: &str) -> Option<State> {
    Some(match name {
        "established" => State::Established,
        "syn-sent" => State::SynSent,
        "syn-recv" => State::SynReceived,
        "fin-wait-1" => State::FinWait1,
        "fin-wait-2" => State::FinWait2,
        "time-wait" => State::TimeWait,
        "closed" => State::Closed,
        "close-wait" => State::CloseWait,
        "last-ack" => State::LastAck,
        "listening" => State::Listen,
        "closing" => State::Closing,
        _ => return None,
    })
}

/// A `tcp_info` field or a constant, for code blocks.
fn tcpi(info: &TcpInfo, name: &str) -> Result<i64, CodeError> {
    if let Some(v) = code::constant(name) {
        return Ok(v);
    }
    let v = match name {
        "tcpi_state" => u64::from(info.state),
        "tcpi_options" => u64::from(info.options),
        "tcpi_snd_wscale" => u64::from(info.snd_wscale),
        "tcpi_rcv_wscale" => u64::from(info.rcv_wscale),
        "tcpi_rto" => info.rto,
        "tcpi_ato" => info.ato,
        "tcpi_snd_mss" => u64::from(info.snd_mss),
        "tcpi_rcv_mss" => u64::from(info.rcv_mss),
        "tcpi_retransmits" => u64::from(info.retransmits),
        "tcpi_backoff" => u64::from(info.backoff),
        "tcpi_rtt" => info.rtt,
        "tcpi_rttvar" => info.rttvar,
        "tcpi_snd_cwnd" => u64::from(info.snd_cwnd),
        "tcpi_rcv_ssthresh" => u64::from(info.rcv_ssthresh),
        n if n.starts_with("tcpi_") => {
            return Err(CodeError::Unsupported(format!(
                "{n} is not simulated by synack (it fills tcpi_state, tcpi_options, tcpi_snd_wscale, tcpi_rcv_wscale, tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss, tcpi_retransmits, tcpi_backoff, tcpi_rtt, tcpi_rttvar, tcpi_snd_cwnd, tcpi_rcv_ssthresh)"
            )));
        }
        n => {
            return Err(CodeError::Unsupported(format!(
                "NameError: name '{n}' is not defined"
            )));
        }
    };
    Ok(i64::try_from(v).unwrap_or(i64::MAX))
}

// ============================================================================
// Outbound verification (`verify_outbound_live_packet`).
// ============================================================================

/// The sniffed packet in script space (`tcp_convert_seq_number`, `map_outbound_live_packet`).
struct ActualPacket {
    flags: u8,
    seq: u32,
    ack: u32,
    window: u16,
    options: Vec<TcpOption>,
    options_len: usize,
    payload: Vec<u8>,
}

impl ActualPacket {
    fn from_live(s: &mut PdSocket, seg: &Segment, script: &PacketSpec) -> ActualPacket {
        let syn = seg.flags.syn();
        let seq = seg.seq.0.wrapping_sub(s.local_offset(syn));
        let ack = if seg.flags.ack() {
            seg.ack.0.wrapping_sub(s.remote_offset(syn))
        } else {
            seg.ack.0
        };
        let mut options: Vec<TcpOption> = seg.options.iter().collect();
        let script_ts = script.options.as_deref().and_then(|o| {
            o.iter().find_map(|x| match x {
                PktOption::Timestamp { val, .. } => Some(*val),
                _ => None,
            })
        });
        if let Some(script_val) = script_ts {
            let live_val = seg.timestamp().map(|(v, _)| v);
            if let Some(live_val) = live_val {
                // `set_outbound_ts_val_mapping`, then the baseline for the displayed value.
                s.ts_map.push((script_val, live_val));
                let (first_script, first_live) =
                    s.ts_map.first().copied().unwrap_or((script_val, live_val));
                for o in &mut options {
                    if let TcpOption::Timestamp { val, .. } = o {
                        *val = first_script.wrapping_add(live_val.wrapping_sub(first_live));
                    }
                }
            }
        }
        ActualPacket {
            flags: seg.flags.0,
            seq,
            ack,
            window: seg.window,
            options_len: seg.options_len(),
            options,
            payload: seg.payload.clone(),
        }
    }

    /// `tcp_packet_to_string`, short form.
    fn dump(&self) -> String {
        let mut s = flags_string(self.flags);
        let len = u32::try_from(self.payload.len()).unwrap_or(0);
        s.push_str(&format!(
            " {}:{}({}) ",
            self.seq,
            self.seq.wrapping_add(len),
            len
        ));
        if self.flags & 0x10 != 0 {
            s.push_str(&format!("ack {} ", self.ack));
        }
        s.push_str(&format!("win {} ", self.window));
        if !self.options.is_empty() {
            let opts: Vec<String> = self.options.iter().map(live_option_string).collect();
            s.push_str(&format!("<{}>", opts.join(",")));
        }
        s
    }
}

fn flags_string(flags: u8) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (0x01, 'F'),
        (0x02, 'S'),
        (0x04, 'R'),
        (0x08, 'P'),
        (0x10, '.'),
        (0x20, 'U'),
        (0x40, 'E'),
        (0x80, 'W'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

fn live_option_string(o: &TcpOption) -> String {
    match o {
        TcpOption::Sack(blocks) => {
            let mut s = String::from("sack");
            for (l, r) in blocks.as_slice() {
                s.push_str(&format!(" {}:{}", l.0, r.0));
            }
            s
        }
        other => other.to_string(),
    }
}

/// The script packet, as packetdrill dumps it.
fn script_dump(p: &PacketSpec) -> String {
    let mut s = flags_string(p.flags);
    let len = u32::from(p.len);
    s.push_str(&format!(" {}:{}({}) ", p.seq, p.seq.wrapping_add(len), len));
    if p.flags & 0x10 != 0 {
        s.push_str(&format!("ack {} ", p.ack.unwrap_or(0)));
    }
    if let Some(w) = p.window {
        s.push_str(&format!("win {w} "));
    }
    if let Some(opts) = &p.options
        && !opts.is_empty()
    {
        let o: Vec<String> = opts.iter().map(ToString::to_string).collect();
        s.push_str(&format!("<{}>", o.join(",")));
    }
    s
}

fn check_field(name: &str, expected: u32, actual: u32) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "live packet field {name}: expected: {expected} (0x{expected:x}) vs actual: {actual} (0x{actual:x})"
        ))
    }
}

/// The field checks of `verify_outbound_live_packet`, in packetdrill's order.
fn verify(p: &PacketSpec, a: &ActualPacket, ts_check: Option<(i64, i64)>) -> Result<(), String> {
    let script_opts = p
        .options
        .as_deref()
        .map(|o| o.iter().map(PktOption::wire_len).sum::<usize>());
    let opts_len = script_opts.unwrap_or(a.options_len);
    let payload = a.payload.len();
    let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    check_field(
        "ipv4_total_length",
        to_u32(40 + opts_len + usize::from(p.len)),
        to_u32(40 + a.options_len + payload),
    )?;
    check_field(
        "tcp_data_offset",
        to_u32((20 + opts_len) / 4),
        to_u32((20 + a.options_len) / 4),
    )?;
    for (bit, name) in [
        (0x01u8, "tcp_fin"),
        (0x02, "tcp_syn"),
        (0x04, "tcp_rst"),
        (0x08, "tcp_psh"),
        (0x10, "tcp_ack"),
        (0x20, "tcp_urg"),
        (0x40, "tcp_ece"),
        (0x80, "tcp_cwr"),
    ] {
        check_field(
            name,
            u32::from(p.flags & bit != 0),
            u32::from(a.flags & bit != 0),
        )?;
    }
    check_field("tcp_seq", p.seq, a.seq)?;
    check_field("tcp_ack_seq", p.ack.unwrap_or(0), a.ack)?;
    if let Some(w) = p.window {
        check_field("tcp_window", u32::from(w), u32::from(a.window))?;
    }
    if let Some(opts) = &p.options {
        verify_options(opts, &a.options, ts_check)?;
    }
    if a.payload.iter().any(|b| *b != 0) {
        return Err(String::from("incorrect outbound data payload"));
    }
    Ok(())
}

/// `verify_outbound_live_tcp_options`: the same kinds in the same order; values compared except
/// NOP, EOL and (by default) timestamps.
fn verify_options(
    script: &[PktOption],
    live: &[TcpOption],
    ts_check: Option<(i64, i64)>,
) -> Result<(), String> {
    if script.len() != live.len() {
        return Err(String::from("bad outbound TCP options"));
    }
    for (s, l) in script.iter().zip(live) {
        let (kind, same) = match (s, l) {
            (PktOption::Nop, TcpOption::Nop) => continue,
            (PktOption::Timestamp { val, .. }, TcpOption::Timestamp { val: live_val, .. }) => {
                if let Some((tick, tolerance)) = ts_check {
                    let off = i64::from((live_val.wrapping_sub(*val) as i32).unsigned_abs());
                    if off * tick > tolerance {
                        return Err(format!(
                            "bad outbound TCP timestamp value, tolerance {tolerance}"
                        ));
                    }
                }
                continue;
            }
            (PktOption::Mss(a), TcpOption::Mss(b)) => (2, a == b),
            (PktOption::WindowScale(a), TcpOption::WindowScale(b)) => (3, a == b),
            (PktOption::SackOk, TcpOption::SackPermitted) => continue,
            (PktOption::Sack(a), TcpOption::Sack(b)) => {
                let b = b.as_slice();
                if a.len() != b.len() {
                    return Err(format!(
                        "bad length in outbound TCP option (kind=5): expected: {s} actual: {}",
                        live_option_string(l)
                    ));
                }
                (
                    5,
                    a.iter()
                        .zip(b)
                        .all(|((x, y), (u, v))| *x == u.0 && *y == v.0),
                )
            }
            _ => return Err(String::from("bad outbound TCP options")),
        };
        if !same {
            return Err(format!(
                "bad value in outbound TCP option (kind={kind}): expected: {s} actual: {}",
                live_option_string(l)
            ));
        }
    }
    Ok(())
}
