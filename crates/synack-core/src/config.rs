//! Kernel profiles and their knobs (sysctls), with Linux's defaults and accepted ranges.
//!
//! A knob is set by the name Linux gives it (`net.ipv4.tcp_rfc1337` or `tcp_rfc1337`). Setting a
//! knob the host's profile lacks is an error naming the profile, never a no-op.

use alloc::format;
use alloc::string::String;
use core::fmt;
use serde::Serialize;

/// A simulated kernel version: its defaults, its HZ, and which rules and knobs exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Profile {
    /// Linux 6.18 (the kernel the conformance scripts were verified on, 6.18.44, HZ 250).
    #[serde(rename = "linux-6.18")]
    Linux6_18,
    /// Linux 3.10 (CentOS 7's kernel, HZ 1000), where it differs from 6.18 (DESIGN.md,
    /// Profiles). Its rules were read in a 3.10.65 tree (github.com/Original-Linux/Linux-3.10)
    /// and compared with a 3.10.4 one (github.com/iamroot-x86-10/linux-3.10.4): the functions
    /// cited read the same in both.
    #[serde(rename = "linux-3.10")]
    Linux3_10,
}

impl Profile {
    /// Every simulated profile.
    pub const ALL: &'static [Profile] = &[Profile::Linux6_18, Profile::Linux3_10];

    /// The name used in settings: `linux-6.18`.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Linux6_18 => "linux-6.18",
            Profile::Linux3_10 => "linux-3.10",
        }
    }

    /// `CONFIG_HZ` of the reference kernel.
    pub const fn hz(self) -> u32 {
        match self {
            Profile::Linux6_18 => 250,
            // CentOS 7's kernel config: `CONFIG_HZ_1000=y`.
            Profile::Linux3_10 => 1000,
        }
    }

    /// The profile named `name`.
    pub fn parse(name: &str) -> Result<Profile, ConfigError> {
        Profile::ALL
            .iter()
            .copied()
            .find(|p| p.name() == name)
            .ok_or_else(|| ConfigError::BadValue {
                name: String::from("profile"),
                value: String::from(name),
                accepted: String::from("linux-6.18, linux-3.10"),
            })
    }

    /// The profile's sysctl defaults.
    #[inline(never)] // one copy of each table in the page's wasm, not one per caller
    pub fn defaults(self) -> Sysctls {
        match self {
            Profile::Linux6_18 => LINUX_6_18_DEFAULTS.clone(),
            Profile::Linux3_10 => LINUX_3_10_DEFAULTS.clone(),
        }
    }
}

// Read from the 6.18.44 machine the conformance scripts ran on (DESIGN.md, Profiles).
const LINUX_6_18_DEFAULTS: Sysctls = Sysctls {
    tcp_timestamps: 1,
    tcp_sack: 1,
    tcp_window_scaling: 1,
    tcp_syncookies: 1,
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
    tcp_syn_linear_timeouts: 4,
    tcp_fin_timeout: 60,
    tcp_rfc1337: 0,
    tcp_abort_on_overflow: 0,
    tcp_max_syn_backlog: 2048,
    somaxconn: 4096,
    ip_local_port_range: (32768, 60999),
    tcp_invalid_ratelimit: 500,
    tcp_tw_reuse: 2,
    tcp_tw_reuse_delay: 1000,
    tcp_max_tw_buckets: 131_072,
    tcp_retries2: 15,
    tcp_orphan_retries: 0,
    tcp_tw_recycle: 0,
};

// linux-3.10's defaults, each read in the 3.10 sources: a variable's initializer, or the boot-time
// formula of `tcp_init` (net/ipv4/tcp.c) for a machine with the 6.18 reference machine's
// 262144-entry established hash (the table that gives 6.18 its 2048 and 131072). Equal to 6.18's
// and so not repeated: `sysctl_tcp_timestamps`, `sysctl_tcp_window_scaling`, `sysctl_tcp_sack`
// = 1 (tcp_input.c); `sysctl_tcp_syncookies = 1` (tcp_minisocks.c); `TCP_SYN_RETRIES` 6 (since
// 3.7), `TCP_SYNACK_RETRIES` 5, `TCP_FIN_TIMEOUT` = `TCP_TIMEWAIT_LEN` (60 s), `TCP_RETR2` 15
// (include/net/tcp.h); `sysctl_tcp_rfc1337` (tcp_input.c), `sysctl_tcp_abort_on_overflow`,
// `tcp_death_row.sysctl_tw_recycle` (tcp_minisocks.c), `sysctl_tcp_orphan_retries` (tcp_timer.c)
// zero-initialized.
static LINUX_3_10_DEFAULTS: Sysctls = Sysctls {
    // No such sysctl before 6.5: every SYN retransmission doubles the RTO.
    tcp_syn_linear_timeouts: 0,
    // `tcp_init`: `sysctl_max_syn_backlog = max(128, cnt / 256)` (1024 for 262144).
    tcp_max_syn_backlog: 1024,
    // `SOMAXCONN` 128 (include/linux/socket.h).
    somaxconn: 128,
    // `sysctl_local_ports.range = { 32768, 61000 }` (inet_connection_sock.c).
    ip_local_port_range: (32768, 61000),
    // No such sysctl before 4.0 (`tcp_oow_rate_limited`): out-of-window duplicate ACKs are not
    // rate-limited, which 0 means here.
    tcp_invalid_ratelimit: 0,
    // `sysctl_tcp_tw_reuse` (tcp_ipv4.c): zero-initialized.
    tcp_tw_reuse: 0,
    // `tcp_init`: `tcp_death_row.sysctl_max_tw_buckets = cnt / 2` (131072 for 262144), as 6.18.
    ..LINUX_6_18_DEFAULTS
};

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sysctls a simulated host reads, by their Linux names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sysctls {
    /// `net.ipv4.tcp_timestamps`: 0 off, 1 on with per-connection offsets, 2 on without.
    pub tcp_timestamps: u32,
    /// `net.ipv4.tcp_sack`.
    pub tcp_sack: u32,
    /// `net.ipv4.tcp_window_scaling`.
    pub tcp_window_scaling: u32,
    /// `net.ipv4.tcp_syncookies`: 0 never, 1 when the SYN queue is full, 2 always.
    pub tcp_syncookies: u32,
    /// `net.ipv4.tcp_syn_retries`.
    pub tcp_syn_retries: u32,
    /// `net.ipv4.tcp_synack_retries`.
    pub tcp_synack_retries: u32,
    /// `net.ipv4.tcp_syn_linear_timeouts`.
    pub tcp_syn_linear_timeouts: u32,
    /// `net.ipv4.tcp_fin_timeout`, seconds.
    pub tcp_fin_timeout: u32,
    /// `net.ipv4.tcp_rfc1337`.
    pub tcp_rfc1337: u32,
    /// `net.ipv4.tcp_abort_on_overflow`.
    pub tcp_abort_on_overflow: u32,
    /// `net.ipv4.tcp_max_syn_backlog`.
    pub tcp_max_syn_backlog: u32,
    /// `net.core.somaxconn`.
    pub somaxconn: u32,
    /// `net.ipv4.ip_local_port_range`.
    pub ip_local_port_range: (u16, u16),
    /// `net.ipv4.tcp_invalid_ratelimit`, milliseconds.
    pub tcp_invalid_ratelimit: u32,
    /// `net.ipv4.tcp_tw_reuse`.
    pub tcp_tw_reuse: u32,
    /// `net.ipv4.tcp_tw_reuse_delay`, milliseconds (Linux 6.13+).
    pub tcp_tw_reuse_delay: u32,
    /// `net.ipv4.tcp_max_tw_buckets`: most TIME-WAIT (and FIN-WAIT-2) mini sockets.
    pub tcp_max_tw_buckets: u32,
    /// `net.ipv4.tcp_retries2`.
    pub tcp_retries2: u32,
    /// `net.ipv4.tcp_orphan_retries`.
    pub tcp_orphan_retries: u32,
    /// `net.ipv4.tcp_tw_recycle` (linux-3.10 only): short TIME-WAIT and per-peer PAWS on SYNs.
    pub tcp_tw_recycle: u32,
}

/// What is wrong with a setting. Serialized as `{"code": "bad_value", "name": ...}`, so that the
/// page can word it in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ConfigError {
    /// No knob or setting has this name.
    UnknownName {
        /// The name given.
        name: String,
        /// What is accepted instead.
        accepted: String,
    },
    /// The value cannot be used for this knob.
    BadValue {
        /// The knob.
        name: String,
        /// The value given.
        value: String,
        /// What is accepted.
        accepted: String,
    },
    /// The knob exists in Linux, but not in the host's profile.
    NotInProfile {
        /// The knob.
        name: String,
        /// The host's profile.
        profile: Profile,
        /// Where the knob does exist.
        note: &'static str,
    },
    /// The host named in `HOST.NAME` is not in the scenario.
    UnknownHost {
        /// The host given.
        host: String,
        /// The scenario's hosts.
        accepted: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownName { name, accepted } => {
                write!(f, "unknown setting `{name}`; accepted: {accepted}")
            }
            ConfigError::BadValue {
                name,
                value,
                accepted,
            } => {
                write!(f, "bad value `{value}` for `{name}`; accepted: {accepted}")
            }
            ConfigError::NotInProfile {
                name,
                profile,
                note,
            } => {
                write!(f, "`{name}` does not exist on {profile}: {note}")
            }
            ConfigError::UnknownHost { host, accepted } => {
                write!(
                    f,
                    "unknown host `{host}`; this scenario's hosts: {accepted}"
                )
            }
        }
    }
}

/// How a knob's value is read and checked.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// An integer between the bounds, inclusive.
    Int(u32, u32),
    /// Two ports `LOW HIGH` with LOW <= HIGH (`ip_local_port_range`).
    PortRange,
}

/// One sysctl: its name, what it means, and its range.
#[derive(Clone, Copy, Debug)]
pub struct Knob {
    /// The name without the `net.ipv4.` or `net.core.` prefix.
    pub name: &'static str,
    /// The full name, as `sysctl` prints it.
    pub full_name: &'static str,
    /// What it changes, in one line.
    pub help: &'static str,
    kind: Kind,
    field: fn(&mut Sysctls) -> Field<'_>,
}

enum Field<'a> {
    U32(&'a mut u32),
    Ports(&'a mut (u16, u16)),
}

macro_rules! knob {
    ($prefix:literal, $name:ident, $kind:expr, $help:literal) => {
        Knob {
            name: stringify!($name),
            full_name: concat!($prefix, stringify!($name)),
            help: $help,
            kind: $kind,
            field: |s| Field::U32(&mut s.$name),
        }
    };
}

/// Every sysctl a simulated host understands; a few exist on one profile only (`find_knob`).
pub const KNOBS: &[Knob] = &[
    knob!(
        "net.ipv4.",
        tcp_timestamps,
        Kind::Int(0, 2),
        "RFC 7323 timestamps: 0 off, 1 on (random offset per connection), 2 on (no offset)"
    ),
    knob!(
        "net.ipv4.",
        tcp_sack,
        Kind::Int(0, 1),
        "offer and accept SACK (RFC 2018)"
    ),
    knob!(
        "net.ipv4.",
        tcp_window_scaling,
        Kind::Int(0, 1),
        "offer and accept window scaling (RFC 7323)"
    ),
    knob!(
        "net.ipv4.",
        tcp_syncookies,
        Kind::Int(0, 2),
        "SYN cookies: 0 never, 1 when the SYN queue overflows, 2 always"
    ),
    knob!(
        "net.ipv4.",
        tcp_syn_retries,
        Kind::Int(1, 127),
        "SYN retransmissions before connect() fails with ETIMEDOUT"
    ),
    knob!(
        "net.ipv4.",
        tcp_synack_retries,
        Kind::Int(0, 255),
        "SYN-ACK retransmissions before a request is dropped"
    ),
    knob!(
        "net.ipv4.",
        tcp_syn_linear_timeouts,
        Kind::Int(0, 4),
        "SYN retransmissions 1 s apart before the backoff doubles"
    ),
    knob!(
        "net.ipv4.",
        tcp_fin_timeout,
        Kind::Int(0, 86400),
        "seconds an orphaned socket stays in FIN-WAIT-2"
    ),
    knob!(
        "net.ipv4.",
        tcp_rfc1337,
        Kind::Int(0, 1),
        "1: TIME-WAIT ignores RSTs (RFC 1337), 0: a RST ends it"
    ),
    knob!(
        "net.ipv4.",
        tcp_abort_on_overflow,
        Kind::Int(0, 1),
        "1: answer the third ACK with RST when the accept queue is full"
    ),
    knob!(
        "net.ipv4.",
        tcp_max_syn_backlog,
        Kind::Int(1, 1 << 24),
        "cookies off: once a listener's SYN queue leaves less than a quarter of this, only proven peers get in"
    ),
    knob!(
        "net.core.",
        somaxconn,
        Kind::Int(0, 1 << 24),
        "the cap on listen()'s backlog"
    ),
    Knob {
        name: "ip_local_port_range",
        full_name: "net.ipv4.ip_local_port_range",
        help: "the ephemeral ports connect() picks from, `LOW HIGH`",
        kind: Kind::PortRange,
        field: |s| Field::Ports(&mut s.ip_local_port_range),
    },
    knob!(
        "net.ipv4.",
        tcp_invalid_ratelimit,
        Kind::Int(0, 1 << 24),
        "milliseconds between duplicate ACKs for invalid segments"
    ),
    knob!(
        "net.ipv4.",
        tcp_tw_reuse,
        Kind::Int(0, 2),
        "let connect() reuse a TIME-WAIT 4-tuple: 0 never, 1 yes, 2 loopback only"
    ),
    knob!(
        "net.ipv4.",
        tcp_tw_reuse_delay,
        Kind::Int(1, i32::MAX as u32),
        "ms before tcp_tw_reuse lets connect() take a TIME-WAIT entry"
    ),
    knob!(
        "net.ipv4.",
        tcp_max_tw_buckets,
        Kind::Int(0, i32::MAX as u32),
        "most TIME-WAIT entries; past it a socket closes at once"
    ),
    knob!(
        "net.ipv4.",
        tcp_retries2,
        Kind::Int(0, 255),
        "retransmissions of data before the connection is dropped"
    ),
    knob!(
        "net.ipv4.",
        tcp_orphan_retries,
        Kind::Int(0, 255),
        "retransmissions for an orphaned socket (0 means 8)"
    ),
    knob!(
        "net.ipv4.",
        tcp_tw_recycle,
        Kind::Int(0, 1),
        "TIME-WAIT of 3.5 RTO; 60 s of per-peer PAWS on SYNs"
    ),
];

impl Knob {
    /// Whether hosts of `profile` have this knob.
    pub fn exists_in(&self, profile: Profile) -> bool {
        ONLY_ON
            .iter()
            .all(|(n, p, _)| *n != self.name || *p == profile)
    }
}

/// Knobs that exist on one profile only, with why the other profile lacks them.
const ONLY_ON: &[(&str, Profile, &str)] = &[
    (
        "tcp_tw_recycle",
        Profile::Linux3_10,
        "it was removed in Linux 4.12; it exists on linux-3.10 (CentOS 7)",
    ),
    (
        "tcp_syn_linear_timeouts",
        Profile::Linux6_18,
        "it was added in Linux 6.5; linux-3.10 doubles every SYN timeout",
    ),
    (
        "tcp_tw_reuse_delay",
        Profile::Linux6_18,
        "it was added in Linux 6.13; linux-3.10's tcp_tw_reuse waits for a peer timestamp older than 1 s",
    ),
    (
        "tcp_invalid_ratelimit",
        Profile::Linux6_18,
        "it was added in Linux 4.0; linux-3.10 does not rate-limit out-of-window ACKs",
    ),
];

/// The knob named `name` (`tcp_rfc1337` or `net.ipv4.tcp_rfc1337`).
pub fn find_knob(name: &str, profile: Profile) -> Result<&'static Knob, ConfigError> {
    let short = name
        .strip_prefix("net.ipv4.")
        .or_else(|| name.strip_prefix("net.core."))
        .unwrap_or(name);
    let found = KNOBS
        .iter()
        .find(|k| k.name == short && (k.full_name == name || k.name == name));
    if let Some(k) = found {
        match ONLY_ON
            .iter()
            .find(|(n, p, _)| *n == k.name && *p != profile)
        {
            Some((_, _, note)) => {
                return Err(ConfigError::NotInProfile {
                    name: String::from(name),
                    profile,
                    note,
                });
            }
            None => return Ok(k),
        }
    }
    Err(ConfigError::UnknownName {
        name: String::from(name),
        accepted: String::from("a sysctl (see `synack knobs`) or one of the scenario's settings"),
    })
}

impl Knob {
    /// What the knob accepts, for error messages.
    pub fn accepted(&self) -> String {
        match self.kind {
            Kind::Int(lo, hi) => format!("an integer from {lo} to {hi}"),
            Kind::PortRange => {
                String::from("two ports `LOW HIGH` (or LOW-HIGH) with 1 <= LOW <= HIGH <= 65535")
            }
        }
    }

    /// Parses `value` and stores it in `sysctls`.
    pub fn set(&self, sysctls: &mut Sysctls, value: &str) -> Result<(), ConfigError> {
        let bad = || ConfigError::BadValue {
            name: String::from(self.name),
            value: String::from(value),
            accepted: self.accepted(),
        };
        match ((self.field)(sysctls), self.kind) {
            (Field::U32(slot), Kind::Int(lo, hi)) => {
                let v: u32 = value.trim().parse().map_err(|_| bad())?;
                if v < lo || v > hi {
                    return Err(bad());
                }
                *slot = v;
            }
            (Field::Ports(slot), Kind::PortRange) => {
                let mut parts = value
                    .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
                    .filter(|s| !s.is_empty());
                let lo: u16 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
                let hi: u16 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
                if parts.next().is_some() || lo == 0 || lo > hi {
                    return Err(bad());
                }
                *slot = (lo, hi);
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The knob's value in `sysctls`, as `sysctl -n` prints it.
    pub fn get(&self, sysctls: &Sysctls) -> String {
        let mut copy = sysctls.clone();
        match (self.field)(&mut copy) {
            Field::U32(v) => format!("{v}"),
            Field::Ports((lo, hi)) => format!("{lo} {hi}"),
        }
    }
}
