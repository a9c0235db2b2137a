//! The scenario catalogue: hosts, application scripts, knobs, and an outcome computed from the
//! run (DESIGN.md, "The scenario catalogue").

use crate::config::{ConfigError, Profile, find_knob};
use crate::net::{Link, ROUTER_MSL, Rule};
use crate::sim::{HostSpec, Limits, Op, Sim, SimConfig, Step, Thread};
use crate::socket::{Call, CallResult, How};
use crate::tcp::{HostConfig, IsnStrategy, State};
use crate::time::{Duration, Instant};
use crate::trace::{Event, EventKind, HostId, SendCause};
use crate::wire::{Endpoint, Ipv4, Options};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::Serialize;

/// The client's address.
pub const CLIENT: Ipv4 = Ipv4::new(10, 0, 0, 1);
/// The server's address.
pub const SERVER: Ipv4 = Ipv4::new(10, 0, 0, 2);
/// The server's port.
pub const PORT: u16 = 8080;
/// One-way delay of the default links (RTT 10 ms).
pub const LINK_DELAY: Duration = Duration::from_millis(5);

/// A host a scenario declares: its name (`--set NAME.KNOB=VALUE`, the diagram's lane) and
/// address.
#[derive(Clone, Copy, Debug)]
pub struct HostDecl {
    /// Its name.
    pub name: &'static str,
    /// Its address.
    pub addr: Ipv4,
}

/// The hosts of most scenarios: a client and a server.
pub const CLIENT_SERVER: &[HostDecl] = &[
    HostDecl {
        name: "client",
        addr: CLIENT,
    },
    HostDecl {
        name: "server",
        addr: SERVER,
    },
];

/// A scenario setting (not a sysctl).
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Its name, as `--set NAME=VALUE` spells it.
    pub name: &'static str,
    /// What it changes.
    pub help: &'static str,
    /// Its default.
    pub default: u64,
    /// The smallest value accepted.
    pub min: u64,
    /// The largest value accepted.
    pub max: u64,
    /// Names for the values from `min` on (`fixed`, `rfc6528`, ...), when they have names;
    /// `--set` accepts the name or the number.
    pub choices: &'static [&'static str],
}

impl Setting {
    /// A numeric setting.
    pub const fn number(
        name: &'static str,
        help: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Setting {
        Setting {
            name,
            help,
            default,
            min,
            max,
            choices: &[],
        }
    }

    /// The value `text` names: a number in range, or one of the choices.
    pub fn parse(&self, text: &str) -> Option<u64> {
        let t = text.trim();
        let v = match self.choices.iter().position(|c| *c == t) {
            Some(i) => self.min + u64::try_from(i).ok()?,
            None => t.parse().ok()?,
        };
        (self.min..=self.max).contains(&v).then_some(v)
    }

    /// What it accepts, for error messages.
    pub fn accepted(&self) -> String {
        if self.choices.is_empty() {
            format!("an integer from {} to {}", self.min, self.max)
        } else {
            self.choices.join(", ")
        }
    }
}

/// Settings every scenario accepts, per host or for all.
const COMMON: &[Setting] = &[
    Setting::number(
        "skip_time_wait",
        "1: close instead of entering TIME-WAIT (a counterfactual: NOT what Linux does)",
        0,
        0,
        1,
    ),
    // Linux's own strategy unless the scenario's story needs another (isn-fixed says `fixed`).
    Setting {
        default: 0,
        ..failures::ISN
    },
    // u32::MAX as u64: a TSval clock wraps at 2^32 ms.
    Setting::number(
        "nat_ts_offset_ms",
        "ms this host's TSval clock runs ahead (as if booted earlier): the smaller value is behind",
        0,
        0,
        4_294_967_295,
    ),
    Setting::number(
        "ts_drift_ppm",
        "ppm this host's TSval clock runs fast",
        0,
        0,
        1_000_000,
    ),
];

/// Settings that belong to each host (`client.NAME=VALUE` sets one, `NAME=VALUE` every host).
pub const PER_HOST: &[&str] = &[
    "skip_time_wait",
    "isn",
    "profile",
    "nat_ts_offset_ms",
    "ts_drift_ppm",
];

/// One row of the catalogue.
pub struct Scenario {
    /// Its id.
    pub id: &'static str,
    /// Its hosts, in order: `HostId(0)` first.
    pub hosts: &'static [HostDecl],
    /// One line for `synack list`.
    pub summary: &'static str,
    /// Its own settings.
    pub settings: &'static [Setting],
    /// How long the run lasts.
    pub until: Duration,
    /// Sysctls (and per-host settings) this scenario sets before the reader's settings, on every
    /// host or, as `HOST.NAME`, on one (its story needs them: timestamps off, say).
    pub sysctls: &'static [(&'static str, &'static str)],
    build: fn(&Params) -> Build,
    outcome: fn(&Sim, &Params) -> Vec<Fact>,
}

/// What a scenario is built from.
#[derive(Default)]
pub struct Build {
    /// The application's thread per host, in the order of the scenario's hosts.
    pub threads: Vec<Vec<Step>>,
    /// Per host, the machine's own script: crashes, reboots, and what runs after a reboot (a
    /// crash kills the host's other threads, not this one).
    pub machine: Vec<Vec<Step>>,
    /// Segments the router drops, holds or duplicates.
    pub rules: Vec<Rule>,
    /// An attacker (`syn-flood`, `isn-predict`).
    pub attack: Option<crate::attack::Attack>,
    /// A NAT in front of some hosts (`nat-port-reuse`).
    pub nat: Option<crate::nat::NatConfig>,
}

impl Build {
    /// One application thread per host, nothing else.
    pub fn threads(threads: Vec<Vec<Step>>) -> Build {
        Build {
            threads,
            ..Build::default()
        }
    }
}

/// The knobs and settings of a run.
#[derive(Clone, Debug)]
pub struct Params {
    /// Each host's configuration, in the order of the scenario's hosts.
    pub hosts: Vec<HostConfig>,
    /// Scenario settings by name.
    pub settings: Vec<(&'static str, u64)>,
    /// The seed.
    pub seed: u64,
}

impl Params {
    /// A scenario setting's value.
    pub fn get(&self, name: &str) -> u64 {
        self.settings
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }

    /// A per-host setting's value on each host, for the settings a scenario may set apart per
    /// host (the TSval clock's); empty for the others.
    pub fn host_settings(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for h in &self.hosts {
            out.push(
                match name {
                    "nat_ts_offset_ms" => h.ts_clock.offset_ms,
                    "ts_drift_ppm" => h.ts_clock.drift_ppm,
                    _ => return Vec::new(),
                }
                .to_string(),
            );
        }
        out
    }
}

/// One fact of an outcome: a key and its value, in English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// A stable key (`client_state`).
    pub key: &'static str,
    /// The value (`ESTABLISHED`).
    pub value: String,
}

fn fact(key: &'static str, value: impl ToString) -> Fact {
    Fact {
        key,
        value: value.to_string(),
    }
}

fn step(after_ms: u64, call: Call) -> Step {
    Step {
        after: Duration::from_millis(after_ms),
        op: Op::Call(call),
        retry: None,
    }
}

/// A step of the machine itself (a crash, a reboot).
fn machine(after_ms: u64, op: Op) -> Step {
    Step {
        after: Duration::from_millis(after_ms),
        op,
        retry: None,
    }
}

const SERVER_EP: Endpoint = Endpoint::new(SERVER, PORT);

/// socket, SO_REUSEADDR, bind 8080, listen.
fn listener(backlog: u32) -> Vec<Step> {
    alloc::vec![
        step(0, Call::Socket),
        step(0, Call::SetReuseAddr { fd: 3, on: true }),
        step(
            0,
            Call::Bind {
                fd: 3,
                addr: Endpoint::new(Ipv4(0), PORT)
            }
        ),
        step(0, Call::Listen { fd: 3, backlog }),
    ]
}

/// socket, blocking connect to the server (at 10 ms, after the server listens).
fn connector() -> Vec<Step> {
    alloc::vec![
        step(10, Call::Socket),
        step(
            0,
            Call::Connect {
                fd: 3,
                addr: SERVER_EP
            }
        )
    ]
}

/// The catalogue rows this build simulates.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "handshake",
        hosts: CLIENT_SERVER,
        summary: "SYN, SYN-ACK, ACK: the request in the SYN queue, the child in the accept queue, accept()",
        settings: &[],
        until: Duration::from_secs(2),
        sysctls: &[],
        build: |_| {
            let mut server = listener(128);
            server.push(step(0, Call::Accept { fd: 3 }));
            Build::threads(alloc::vec![connector(), server])
        },
        outcome: |sim, _| {
            let mut f = states(sim);
            f.extend(handshake_facts(sim));
            f
        },
    },
    Scenario {
        id: "rst-closed-port",
        hosts: CLIENT_SERVER,
        summary: "a SYN to a port with no listener: RST/ACK, connect() fails with ECONNREFUSED",
        settings: &[Setting::number(
            "listen",
            "1: the server listens after all",
            0,
            0,
            1,
        )],
        until: Duration::from_secs(2),
        sysctls: &[],
        build: |p| {
            let server = if p.get("listen") == 1 {
                listener(128)
            } else {
                Vec::new()
            };
            Build::threads(alloc::vec![connector(), server])
        },
        outcome: |sim, _| {
            let mut f = alloc::vec![fact(
                "connect",
                call_result(sim, 0, |c| matches!(c, Call::Connect { .. }))
            )];
            f.push(fact(
                "server_resets_sent",
                sim.host(HostId(1))
                    .map_or(0, |h| h.counters().get(crate::counters::Counter::OutRsts)),
            ));
            f
        },
    },
    Scenario {
        id: "close-four-way",
        hosts: CLIENT_SERVER,
        summary: "FIN, ACK, FIN, ACK: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT / CLOSE-WAIT, LAST-ACK",
        settings: &[Setting::number(
            "close_delay_ms",
            "how long the passive side waits before close()",
            500,
            0,
            30_000,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: |p| close_build(p, false),
        outcome: |sim, _| close_facts(sim),
    },
    Scenario {
        id: "close-three-way",
        hosts: CLIENT_SERVER,
        summary: "data has flowed, so the ACK of the FIN is delayed and rides on the passive side's FIN",
        settings: &[Setting::number(
            "close_delay_ms",
            "how long the passive side waits before close()",
            10,
            0,
            30_000,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: |p| close_build(p, true),
        outcome: |sim, _| close_facts(sim),
    },
    Scenario {
        id: "close-simultaneous",
        hosts: CLIENT_SERVER,
        summary: "both ends send FIN before seeing the other's: FIN-WAIT-1, CLOSING, TIME-WAIT on both",
        settings: &[Setting::number(
            "offset_ms",
            "how much later the server closes than the client",
            0,
            0,
            10_000,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: |p| {
            let mut client = connector();
            client.push(step(
                1000,
                Call::Shutdown {
                    fd: 3,
                    how: How::Write,
                },
            ));
            client.push(step(0, Call::Read { fd: 3, len: 1000 }));
            let mut server = listener(128);
            server.push(step(0, Call::Accept { fd: 3 }));
            // The client's shutdown happens 1 s after its connect returned (at ~20 ms).
            server.push(step(
                1000 + p.get("offset_ms"),
                Call::Shutdown {
                    fd: 4,
                    how: How::Write,
                },
            ));
            server.push(step(0, Call::Read { fd: 4, len: 1000 }));
            Build::threads(alloc::vec![client, server])
        },
        outcome: |sim, _| {
            let mut f = alloc::vec![
                fact("client_reached_closing", reached(sim, 0, State::Closing)),
                fact("server_reached_closing", reached(sim, 1, State::Closing)),
                fact("client_reached_time_wait", reached(sim, 0, State::TimeWait)),
                fact("server_reached_time_wait", reached(sim, 1, State::TimeWait)),
            ];
            f.push(fact("segments", sim.segments().len()));
            f
        },
    },
    Scenario {
        id: "time-wait-lost-ack",
        hosts: CLIENT_SERVER,
        summary: "the last ACK is lost; the FIN comes again; TIME-WAIT acknowledges it and restarts its 60 s",
        settings: &[],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: |p| {
            let mut b = close_build(p, false);
            // The client's 4th segment is the ACK of the server's FIN: SYN, ACK, FIN, ACK.
            b.rules.push(Rule::drop(HostId(0), 4));
            b
        },
        outcome: |sim, _| {
            let mut f = close_facts(sim);
            let resets = sim
                .host(HostId(0))
                .map_or(0, |h| h.counters().get(crate::counters::Counter::OutRsts));
            f.push(fact("client_resets_sent", resets));
            let server_reset = sim.trace().iter().any(|e| {
                matches!(
                    &e.kind,
                    EventKind::Sent {
                        cause: SendCause::ResetNoSocket,
                        ..
                    }
                ) && e.host() == Some(HostId(0))
            });
            f.push(fact(
                "retransmitted_fin_answered_with",
                if server_reset { "RST" } else { "ACK" },
            ));
            f
        },
    },
    Scenario {
        id: "time-wait-syn",
        hosts: CLIENT_SERVER,
        summary: "a new SYN meets the server's TIME-WAIT: an old one gets the old ACK, a newer one reuses the 4-tuple",
        settings: &[Setting::number(
            "isn_fixed",
            "1: the client uses the same ISN again (an old-looking SYN)",
            0,
            0,
            1,
        )],
        until: Duration::from_secs(10),
        sysctls: &[],
        build: |_| {
            let client = alloc::vec![
                step(10, Call::Socket),
                step(0, Call::SetReuseAddr { fd: 3, on: true }),
                step(
                    0,
                    Call::Bind {
                        fd: 3,
                        addr: Endpoint::new(CLIENT, 40000)
                    }
                ),
                step(
                    0,
                    Call::Connect {
                        fd: 3,
                        addr: SERVER_EP
                    }
                ),
                step(0, Call::Read { fd: 3, len: 1000 }),
                step(0, Call::Close { fd: 3 }),
                step(2000, Call::Socket),
                step(0, Call::SetReuseAddr { fd: 3, on: true }),
                step(
                    0,
                    Call::Bind {
                        fd: 3,
                        addr: Endpoint::new(CLIENT, 40000)
                    }
                ),
                step(
                    0,
                    Call::Connect {
                        fd: 3,
                        addr: SERVER_EP
                    }
                ),
            ];
            let mut server = listener(128);
            server.extend([
                step(0, Call::Accept { fd: 3 }),
                step(500, Call::Close { fd: 4 }),
                step(0, Call::Accept { fd: 3 }),
            ]);
            Build::threads(alloc::vec![client, server])
        },
        outcome: |sim, _| {
            let reused = sim.trace().iter().any(|e| {
                e.host() == Some(HostId(1)) && matches!(e.kind, EventKind::TimeWaitReused { .. })
            });
            let tw_acks = sim
                .trace()
                .iter()
                .filter(|e| {
                    matches!(
                        &e.kind,
                        EventKind::Sent {
                            cause: SendCause::TimeWaitAck,
                            ..
                        }
                    )
                })
                .count();
            let connects: Vec<String> = sim
                .trace()
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::Returned {
                        call: Call::Connect { .. },
                        result,
                        ..
                    } if e.host() == Some(HostId(0)) => Some(format!("{result} at {}", e.at())),
                    _ => None,
                })
                .collect();
            alloc::vec![
                fact("time_wait_reused", reused),
                fact("time_wait_acks", tw_acks),
                fact(
                    "second_connect",
                    connects
                        .get(1)
                        .cloned()
                        .unwrap_or_else(|| String::from("did not return"))
                ),
            ]
        },
    },
    Scenario {
        id: "time-wait-rst",
        hosts: CLIENT_SERVER,
        summary: "a RST reaches TIME-WAIT (RFC 1337's assassination): tcp_rfc1337 decides",
        settings: &[Setting::number(
            "rst_offset",
            "how far the RST's seq is from rcv_nxt (0 = exactly at it)",
            0,
            0,
            1_000_000,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: |p| close_build(p, false),
        outcome: |sim, _| close_facts(sim),
    },
    Scenario {
        id: "synack-timeout",
        hosts: CLIENT_SERVER,
        summary: "the client sends a SYN and vanishes: SYN-ACK retransmitted at 1, 3, 7, 15, 31 s, the request dropped at 63 s",
        settings: &[],
        until: Duration::from_secs(600),
        sysctls: &[],
        build: failures::synack_timeout_build,
        outcome: failures::synack_timeout_outcome,
    },
    Scenario {
        id: "syn-retries",
        hosts: CLIENT_SERVER,
        summary: "the server's host is down: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, connect() fails with ETIMEDOUT at 131 s",
        settings: &[],
        until: Duration::from_secs(600),
        sysctls: &[],
        build: failures::syn_retries_build,
        outcome: failures::syn_retries_outcome,
    },
    Scenario {
        id: "fin-wait-2-timeout",
        hosts: CLIENT_SERVER,
        summary: "the peer never sends its FIN: the orphaned FIN-WAIT-2 ends after tcp_fin_timeout; a late FIN gets a RST",
        settings: &[Setting::number(
            "late_fin_s",
            "seconds after the client's FIN that the server finally closes",
            70,
            0,
            3600,
        )],
        until: Duration::from_secs(3700),
        sysctls: &[],
        build: failures::fin_wait_2_build,
        outcome: failures::fin_wait_2_outcome,
    },
    Scenario {
        id: "half-open-crash",
        hosts: CLIENT_SERVER,
        summary: "the client crashes and reboots; its new SYN from the same port meets a challenge ACK, its RST clears the old connection, its next SYN connects",
        settings: &[Setting::number(
            "server_writes",
            "1: the server writes to the old connection while the client is down",
            0,
            0,
            1,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: failures::half_open_build,
        outcome: failures::half_open_outcome,
    },
    Scenario {
        id: "isn-fixed",
        hosts: CLIENT_SERVER,
        summary: "with a fixed ISN, delayed copies of a dead connection's data land in the next connection from the same port",
        settings: &[
            failures::ISN,
            Setting::number("hold_s", "seconds the router holds the copies", 5, 0, 60),
            Setting::number(
                "router_msl_s",
                "the router drops what it held longer than this",
                30,
                1,
                600,
            ),
        ],
        until: Duration::from_secs(80),
        // With timestamps, PAWS would reject the copies whatever the ISN: the story is the
        // ISN's, so they are off (a knob to flip).
        sysctls: &[("tcp_timestamps", "0")],
        build: failures::isn_fixed_build,
        outcome: failures::isn_fixed_outcome,
    },
    Scenario {
        id: "time-wait-stale-data",
        hosts: CLIENT_SERVER,
        summary: "TIME-WAIT keeps the 4-tuple until a delayed duplicate has expired; without it, the next connection accepts the stale data",
        settings: &[
            failures::ISN,
            Setting::number(
                "hold_s",
                "seconds the router holds the duplicate",
                20,
                0,
                120,
            ),
            Setting::number(
                "router_msl_s",
                "the router drops what it held longer than this",
                30,
                1,
                600,
            ),
        ],
        until: Duration::from_secs(200),
        sysctls: &[("tcp_timestamps", "0")],
        build: failures::stale_data_build,
        outcome: failures::stale_data_outcome,
    },
    Scenario {
        id: "close-unread-data",
        hosts: CLIENT_SERVER,
        summary: "the server closes with data it never read: a RST instead of a FIN, and the client's read fails with ECONNRESET",
        settings: &[Setting::number(
            "read_first",
            "1: the server reads the data before it closes",
            0,
            0,
            1,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: failures::unread_build,
        outcome: failures::unread_outcome,
    },
    Scenario {
        id: "so-linger-rst",
        hosts: CLIENT_SERVER,
        summary: "SO_LINGER {on, 0}, the usual fix for TIME-WAIT: close() sends a RST, no TIME-WAIT is left, and data in flight is lost",
        settings: &[Setting::number(
            "linger",
            "1: the client sets SO_LINGER {on, 0} before it writes and closes",
            1,
            0,
            1,
        )],
        until: Duration::from_secs(70),
        sysctls: &[],
        build: failures::linger_build,
        outcome: failures::linger_outcome,
    },
    Scenario {
        id: "syn-flood",
        hosts: CLIENT_SERVER,
        summary: "spoofed SYNs fill the SYN queue: without SYN cookies a real client cannot connect; with them it connects through a cookie",
        settings: &[load::SYN_RATE, load::FLOOD_BACKLOG],
        until: load::FLOOD_UNTIL,
        sysctls: &[],
        build: load::syn_flood_build,
        outcome: load::syn_flood_outcome,
    },
    Scenario {
        id: "accept-overflow",
        hosts: CLIENT_SERVER,
        summary: "the application never calls accept(): the handshake's ACK finds the accept queue full, and is dropped (the SYN-ACK goes again) or answered with a RST",
        settings: &[load::OVERFLOW_BACKLOG],
        until: Duration::from_secs(10),
        sysctls: &[],
        build: load::accept_overflow_build,
        outcome: load::accept_overflow_outcome,
    },
    Scenario {
        id: "isn-predict",
        hosts: CLIENT_SERVER,
        summary: "RFC 793's 4 µs clock makes the next ISN guessable: an off-path attacker completes a handshake spoofed from a trusted host",
        settings: &[load::PREDICT_ISN],
        until: Duration::from_secs(3),
        sysctls: &[],
        build: load::isn_predict_build,
        outcome: load::isn_predict_outcome,
    },
    Scenario {
        id: "tw-reuse",
        hosts: CLIENT_SERVER,
        summary: "tcp_tw_reuse lets connect() take a 4-tuple in TIME-WAIT once timestamps were seen and it is older than tcp_tw_reuse_delay",
        settings: &[ports::REUSE_DELAY, ports::REUSE_BIND],
        until: Duration::from_secs(5),
        sysctls: &[("ip_local_port_range", "40000 40000")],
        build: ports::reuse_build,
        outcome: ports::reuse_outcome,
    },
    Scenario {
        id: "so-reuseaddr",
        hosts: CLIENT_SERVER,
        summary: "a server restarts while its port has TIME-WAIT entries: bind() succeeds only if the old and the new socket both set SO_REUSEADDR",
        settings: &[
            ports::OLD_REUSEADDR,
            ports::NEW_REUSEADDR,
            ports::KEEP_LISTENER,
        ],
        until: Duration::from_secs(3),
        sysctls: &[],
        build: ports::reuseaddr_build,
        outcome: ports::reuseaddr_outcome,
    },
    Scenario {
        id: "nat-port-reuse",
        hosts: behind_nat::NAT_HOSTS,
        summary: "a NAT gives B the port of A's connection in the server's TIME-WAIT: B's older TSval fails PAWS, B's RST ends the TIME-WAIT, its next SYN connects",
        settings: &[
            behind_nat::NAT_PORTS,
            behind_nat::NAT_TIMEOUT,
            behind_nat::B_CONNECT,
        ],
        until: Duration::from_secs(55),
        // The clients' TSval is their clock alone (tcp_timestamps=2: no per-connection
        // `secure_tcp_ts_off`), and A has been up an hour longer than B: B's clock is behind.
        sysctls: &[
            ("a.tcp_timestamps", "2"),
            ("b.tcp_timestamps", "2"),
            ("a.nat_ts_offset_ms", "3600000"),
        ],
        build: behind_nat::port_reuse_build,
        outcome: behind_nat::port_reuse_outcome,
    },
    Scenario {
        id: "tw-recycle-nat",
        hosts: behind_nat::NAT_HOSTS,
        summary: "a linux-3.10 server with tcp_tw_recycle remembers the NAT address's last TSval as it closes A's connections; B behind the same NAT, with a clock behind A's, has its SYNs dropped for 60 s",
        settings: &[
            behind_nat::A_CONNECTIONS,
            behind_nat::A_INTERVAL,
            behind_nat::B_CONNECT_RECYCLE,
        ],
        until: Duration::from_secs(150),
        // CentOS 7's kernel with the knob the old tuning guides recommended. The clients' TSval
        // is their clock alone (tcp_timestamps=2), and A has been up an hour longer than B.
        sysctls: &[
            ("server.profile", "linux-3.10"),
            ("server.tcp_tw_recycle", "1"),
            ("a.tcp_timestamps", "2"),
            ("b.tcp_timestamps", "2"),
            ("a.nat_ts_offset_ms", "3600000"),
        ],
        build: behind_nat::recycle_build,
        outcome: behind_nat::recycle_outcome,
    },
    Scenario {
        id: "time-wait-server-load",
        hosts: CLIENT_SERVER,
        summary: "a server that closes first piles up TIME-WAIT entries: rate x 60 s of them, or tcp_max_tw_buckets and overflows",
        settings: &[ports::LOAD_RATE],
        until: ports::LOAD_UNTIL,
        // A load generator's usual widened range: with the default one the client's ports come
        // round again within 60 s and its new SYNs take over the server's TIME-WAIT entries.
        sysctls: &[("ip_local_port_range", "1024 65535")],
        build: ports::load_build,
        outcome: ports::load_outcome,
    },
    Scenario {
        id: "port-exhaustion",
        hosts: CLIENT_SERVER,
        summary: "short connections to one server leave every ephemeral port in TIME-WAIT: connect() fails with EADDRNOTAVAIL after 28,232",
        settings: &[ports::RATE, ports::CONNECTIONS],
        until: ports::EXHAUSTION_UNTIL,
        sysctls: &[],
        build: ports::exhaustion_build,
        outcome: ports::exhaustion_outcome,
    },
];

/// The client connects, both close: the client first (at 1 s), the server `close_delay_ms` after
/// it read the end of the stream. With `data`, a request and a response flow first.
fn close_build(p: &Params, data: bool) -> Build {
    let mut client = connector();
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    if data {
        client.push(step(
            100,
            Call::Write {
                fd: 3,
                data: b"GET / HTTP/1.1\r\nHost: server\r\n\r\n".to_vec().into(),
            },
        ));
        client.push(step(0, Call::Read { fd: 3, len: 4096 }));
        server.push(step(0, Call::Read { fd: 4, len: 4096 }));
        server.push(step(
            0,
            Call::Write {
                fd: 4,
                data: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                    .to_vec()
                    .into(),
            },
        ));
    }
    client.push(step(1000, Call::Close { fd: 3 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(p.get("close_delay_ms"), Call::Close { fd: 4 }));
    Build::threads(alloc::vec![client, server])
}

fn reached(sim: &Sim, host: u16, state: State) -> bool {
    sim.trace().iter().any(|e| {
        e.host() == Some(HostId(host))
            && matches!(e.kind, EventKind::State { to, .. } if to == state)
    })
}

fn states(sim: &Sim) -> Vec<Fact> {
    let mut f = Vec::new();
    for (h, key) in [(0, "client_state"), (1, "server_state")] {
        let state = sim.host(HostId(h)).and_then(|host| {
            host.sockets()
                .into_iter()
                .find(|s| s.remote.is_some())
                .map(|s| s.state)
        });
        f.push(fact(
            key,
            state.map_or(String::from("none"), |s| s.to_string()),
        ));
    }
    f
}

fn handshake_facts(sim: &Sim) -> Vec<Fact> {
    let mut f = Vec::new();
    for (id, _, seg) in sim.segments() {
        let _ = id;
        if seg.flags.syn() && !seg.flags.ack() {
            f.push(fact("client_isn", seg.seq));
        } else if seg.flags.syn() {
            f.push(fact("server_isn", seg.seq));
        }
    }
    f.dedup_by(|a, b| a.key == b.key);
    f
}

fn call_result(sim: &Sim, host: u16, which: impl Fn(&Call) -> bool) -> String {
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(host)))
        .find_map(|e| match &e.kind {
            EventKind::Call { call, result, .. } | EventKind::Returned { call, result, .. }
                if which(call) && *result != CallResult::Blocked =>
            {
                Some(match result {
                    CallResult::Err { errno } => String::from(errno.name()),
                    other => other.to_string(),
                })
            }
            _ => None,
        })
        .unwrap_or_else(|| String::from("blocked"))
}

/// Facts of a close: how many segments the close took, who went through TIME-WAIT and for how
/// long.
fn close_facts(sim: &Sim) -> Vec<Fact> {
    let first_fin = sim.segments().iter().position(|(_, _, s)| s.flags.fin());
    let close_segments = first_fin.map_or(0, |i| {
        sim.segments()
            .iter()
            .skip(i)
            .filter(|(_, _, s)| !s.flags.rst())
            .count()
    });
    let tw_time = |h: u16| {
        let start = sim
            .trace()
            .iter()
            .find(|e| {
                e.host() == Some(HostId(h))
                    && matches!(
                        e.kind,
                        EventKind::State {
                            to: State::TimeWait,
                            ..
                        }
                    )
            })?
            .at();
        let end = sim
            .trace()
            .iter()
            .rev()
            .find(|e| {
                e.host() == Some(HostId(h))
                    && matches!(
                        e.kind,
                        EventKind::State {
                            from: State::TimeWait,
                            to: State::Closed,
                            ..
                        }
                    )
            })?
            .at();
        Some(end - start)
    };
    let fmt_tw = |d: Option<Duration>| {
        d.map_or(String::from("no TIME-WAIT"), |d| {
            format!("TIME-WAIT for {d}")
        })
    };
    alloc::vec![
        fact("close_segments", close_segments),
        fact("client", fmt_tw(tw_time(0))),
        fact("server", fmt_tw(tw_time(1))),
    ]
}

pub mod behind_nat;
mod failures;
mod load;
mod ports;
pub use failures::FIXED_ISN;

/// The rows whose runs are a million trace events long (`synack run` prints a line a second of
/// them, the page draws them a window at a time). The checks that take every scenario's whole
/// run (layout snapshots, exports read back) leave them to their own tests.
pub const LARGE: &[&str] = &["time-wait-server-load", "port-exhaustion"];

/// The scenario with this id.
pub fn find(id: &str) -> Result<&'static Scenario, ConfigError> {
    SCENARIOS
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ConfigError::UnknownName {
            name: String::from(id),
            accepted: SCENARIOS
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl Scenario {
    /// The scenario's own settings, then those every scenario accepts (where the scenario has
    /// its own setting of that name, its own wins: its default differs).
    pub fn all_settings(&self) -> impl Iterator<Item = &'static Setting> + use<> {
        let own = self.settings;
        own.iter().chain(
            COMMON
                .iter()
                .filter(move |c| own.iter().all(|s| s.name != c.name)),
        )
    }

    /// The default parameters.
    pub fn params(&self, seed: u64) -> Params {
        let hosts: Vec<HostConfig> = self
            .hosts
            .iter()
            .map(|d| HostConfig {
                name: String::from(d.name),
                addr: d.addr,
                profile: Profile::Linux6_18,
                sysctl: Profile::Linux6_18.defaults(),
                skip_time_wait: false,
                time_wait_secs: crate::tcp::TCP_TIMEWAIT_LEN_SECS,
                max_sockets: 200_000,
                isn: IsnStrategy::Rfc6528,
                ts_clock: crate::tcp::TsClock::default(),
            })
            .collect();
        let settings: Vec<(&'static str, u64)> =
            self.all_settings().map(|s| (s.name, s.default)).collect();
        let isn = settings
            .iter()
            .find(|(n, _)| *n == "isn")
            .map_or(IsnStrategy::Rfc6528, |(_, v)| failures::isn_strategy(*v));
        let hosts = hosts.into_iter().map(|h| HostConfig { isn, ..h }).collect();
        let mut p = Params {
            hosts,
            settings,
            seed,
        };
        for (name, value) in self.sysctls {
            // The scenario's own sysctls are checked by the scenario tests.
            let _ = self.set(&mut p, name, value);
        }
        p
    }

    /// Applies `--set [HOST.]NAME=VALUE`. A `profile` resets the host's sysctls to that
    /// profile's defaults and the scenario's own: set it first, or use `set_all`.
    pub fn set(&self, p: &mut Params, name: &str, value: &str) -> Result<(), ConfigError> {
        let index = |h: &str| self.hosts.iter().position(|d| d.name == h);
        let (host, name) = match name.split_once('.') {
            Some((h, n)) if index(h).is_some() => (index(h), n),
            Some((h, _)) if !h.starts_with("net") => {
                return Err(ConfigError::UnknownHost {
                    host: String::from(h),
                    accepted: self
                        .hosts
                        .iter()
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            _ => (None, name),
        };
        let targets: Vec<usize> = match host {
            Some(i) => alloc::vec![i],
            None => (0..p.hosts.len()).collect(),
        };
        if name == "profile" {
            // The new profile's defaults, then the scenario's own sysctls for this host again
            // (those the profile has: `server.tcp_tw_recycle=1` of a story told on linux-3.10
            // does not stop the reader from trying linux-6.18). The reader's knobs go on top:
            // `set_all` applies profiles before anything else.
            let profile = Profile::parse(value)?;
            for i in targets {
                let Some(h) = p.hosts.get_mut(i) else {
                    continue;
                };
                h.profile = profile;
                h.sysctl = profile.defaults();
                for (name, value) in self.sysctls {
                    let knob = match name.split_once('.') {
                        Some((host, n)) if self.hosts.iter().any(|d| d.name == host) => {
                            (self.hosts.get(i).map(|d| d.name) == Some(host)).then_some(n)
                        }
                        _ => Some(*name),
                    };
                    if let Some(Ok(knob)) = knob.map(|n| find_knob(n, profile)) {
                        knob.set(&mut h.sysctl, value)?;
                    }
                }
            }
            return Ok(());
        }
        if let Some(s) = self.all_settings().find(|s| s.name == name) {
            let v = s.parse(value).ok_or_else(|| ConfigError::BadValue {
                name: String::from(name),
                value: String::from(value),
                accepted: s.accepted(),
            })?;
            if s.name == "skip_time_wait" {
                for i in targets {
                    if let Some(h) = p.hosts.get_mut(i) {
                        h.skip_time_wait = v == 1;
                    }
                }
            } else if s.name == "isn" {
                for i in targets {
                    if let Some(h) = p.hosts.get_mut(i) {
                        h.isn = failures::isn_strategy(v);
                    }
                }
            } else if s.name == "nat_ts_offset_ms" || s.name == "ts_drift_ppm" {
                let v = u32::try_from(v).unwrap_or(u32::MAX);
                for i in targets {
                    if let Some(h) = p.hosts.get_mut(i) {
                        if s.name == "ts_drift_ppm" {
                            h.ts_clock.drift_ppm = v;
                        } else {
                            h.ts_clock.offset_ms = v;
                        }
                    }
                }
            } else if let Some(slot) = p.settings.iter_mut().find(|(n, _)| *n == s.name) {
                slot.1 = v;
            }
            return Ok(());
        }
        for i in targets {
            let Some(h) = p.hosts.get_mut(i) else {
                continue;
            };
            let knob = find_knob(name, h.profile).map_err(|e| match e {
                ConfigError::UnknownName { name, .. } => ConfigError::UnknownName {
                    name,
                    accepted: format!(
                        "a sysctl ({}) or a setting of this scenario ({})",
                        crate::config::KNOBS
                            .iter()
                            .map(|k| k.name)
                            .collect::<Vec<_>>()
                            .join(", "),
                        self.all_settings()
                            .map(|s| s.name)
                            .chain(["profile"])
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
                other => other,
            })?;
            knob.set(&mut h.sysctl, value)?;
        }
        Ok(())
    }

    /// Applies several `--set [HOST.]NAME=VALUE` settings: the profiles first, so that a knob
    /// only a host's new profile has may come before the profile that brings it.
    pub fn set_all(&self, p: &mut Params, pairs: &[(&str, &str)]) -> Result<(), ConfigError> {
        for profiles in [true, false] {
            for (name, value) in pairs {
                if name.ends_with("profile") == profiles {
                    self.set(p, name, value)?;
                }
            }
        }
        Ok(())
    }

    /// Builds and runs the scenario to its end.
    pub fn run(&self, p: &Params) -> Sim {
        let mut run = self.start(p);
        while run.step() {}
        run.sim
    }

    /// Builds the scenario's run, ready to be stepped.
    pub fn start(&self, p: &Params) -> Run {
        let b = (self.build)(p);
        let mut p = p.clone();
        if self.id == "time-wait-syn"
            && p.get("isn_fixed") == 1
            && let Some(client) = p.hosts.get_mut(0)
        {
            client.isn = IsnStrategy::Fixed(4_294_967_000);
        }
        let mut machines = b.machine.into_iter();
        let hosts = p
            .hosts
            .iter()
            .cloned()
            .zip(b.threads)
            .map(|(cfg, steps)| {
                let mut threads = alloc::vec![Thread { steps }];
                if let Some(m) = machines.next().filter(|m| !m.is_empty()) {
                    threads.push(Thread { steps: m });
                }
                HostSpec { cfg, threads }
            })
            .collect();
        // A link each way between every two hosts (for two: client to server, then back).
        let n = u16::try_from(p.hosts.len()).unwrap_or(u16::MAX);
        let mut links = Vec::new();
        for a in 0..n {
            for b in (0..n).filter(|b| *b != a) {
                links.push(Link::new(HostId(a), HostId(b), LINK_DELAY));
            }
        }
        let limits = Limits {
            until: Instant::ZERO + self.until,
            ..Limits::default()
        };
        let router_msl = p
            .settings
            .iter()
            .find(|(n, _)| *n == "router_msl_s")
            .map_or(ROUTER_MSL, |(_, v)| Duration::from_secs(*v));
        let sim = Sim::new(SimConfig {
            seed: p.seed,
            hosts,
            links,
            rules: b.rules,
            router_msl,
            limits,
            attack: b.attack,
            nat: b.nat,
        });
        let mut interventions = Vec::new();
        if self.id == "time-wait-rst" {
            // The RST arrives 5 s into the client's TIME-WAIT.
            interventions.push(Intervention {
                at: Instant::ZERO + Duration::from_secs(5),
                apply: inject_time_wait_rst,
            });
        }
        Run {
            sim,
            params: p,
            interventions,
            next: 0,
        }
    }

    /// The outcome of a finished run.
    pub fn outcome(&self, sim: &Sim, p: &Params) -> Vec<Fact> {
        (self.outcome)(sim, p)
    }

    /// The run as text for a reader and the snapshot tests: the full trace (`render_text`), or
    /// for a scenario with thousands of events, its own summary (`syn-flood`: a line per second).
    pub fn text(&self, sim: &Sim, outcome: &[Fact]) -> String {
        match self.id {
            "syn-flood" => load::syn_flood_text(sim, outcome),
            "port-exhaustion" => ports::exhaustion_text(sim, outcome),
            "time-wait-server-load" => ports::load_text(sim, outcome),
            _ => render_text(sim, outcome),
        }
    }
}

/// Something a scenario does to its own run at a given time, as a reader or an attacker would
/// (a segment injected from outside the hosts).
#[derive(Clone, Copy)]
struct Intervention {
    at: Instant,
    apply: fn(&mut Sim, &Params),
}

/// `time-wait-rst`: a RST at the client's TIME-WAIT, `rst_offset` past its rcv_nxt.
fn inject_time_wait_rst(sim: &mut Sim, p: &Params) {
    if let Some((local, remote, rcv_nxt)) = sim
        .host(HostId(0))
        .and_then(|h| h.time_wait_entries().first().copied())
    {
        let rst = crate::wire::Segment {
            src: remote,
            dst: local,
            seq: rcv_nxt + u32::try_from(p.get("rst_offset")).unwrap_or(0),
            ack: crate::seq::SeqNum(0),
            flags: crate::wire::Flags::RST,
            window: 0,
            options: Options::new(),
            payload: Vec::new(),
        };
        sim.inject(HostId(0), rst);
    }
}

/// A scenario's run in progress: the simulation and the scenario's own timed interventions,
/// stepped one event at a time. Cloning it is a snapshot.
#[derive(Clone)]
pub struct Run {
    sim: Sim,
    params: Params,
    interventions: Vec<Intervention>,
    next: usize,
}

impl Run {
    /// Runs the next event (or the next intervention, when it comes first). False when the run
    /// is over.
    pub fn step(&mut self) -> bool {
        if let Some(iv) = self.interventions.get(self.next).copied()
            && !self.sim.stopped()
            && self.sim.next_event_at().is_none_or(|t| t > iv.at)
        {
            self.sim.run_until(iv.at);
            (iv.apply)(&mut self.sim, &self.params);
            self.next += 1;
            return true;
        }
        self.sim.step()
    }

    /// The simulation.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Applies a reader's input now (see [`Sim::apply`]).
    pub fn apply(
        &mut self,
        input: &crate::sim::Input,
    ) -> Result<Option<CallResult>, crate::sim::InputError> {
        self.sim.apply(input)
    }

    /// The parameters it runs with.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Makes room in the simulation's log (see [`Sim::reserve_log`]).
    pub fn reserve_log(&mut self, events: usize, segments: usize) {
        self.sim.reserve_log(events, segments);
    }

    /// The simulation's log, taken out of it (see [`Sim::take_log`]).
    pub fn take_log(&mut self) -> (Vec<Event>, Vec<crate::sim::WireSegment>) {
        self.sim.take_log()
    }

    /// Puts back what came before the simulation's log (see [`Sim::prepend_log`]).
    pub fn prepend_log(&mut self, trace: Vec<Event>, segments: Vec<crate::sim::WireSegment>) {
        self.sim.prepend_log(trace, segments);
    }
}

/// The readable trace: one line per event (deliveries omitted), hosts by name, then the
/// outcome. The CLI prints it and the snapshot tests compare it.
pub fn render_text(sim: &Sim, outcome: &[Fact]) -> String {
    let mut s = String::new();
    for e in sim.trace() {
        if let EventKind::Delivered { .. } = e.kind {
            continue;
        }
        s.push_str(&event_line(sim, e));
    }
    push_outcome(&mut s, outcome);
    s
}

/// One line of the readable trace: time, host (or `network`), the event.
fn event_line(sim: &Sim, e: &crate::trace::Event) -> String {
    let host = e
        .host()
        .and_then(|h| sim.host(h))
        .map_or("network", |h| h.name());
    format!("{:>11} {:<8} {}\n", e.at().to_string(), host, e.kind)
}

/// The outcome's lines, after the trace.
fn push_outcome(s: &mut String, outcome: &[Fact]) {
    s.push_str("outcome:\n");
    for f in outcome {
        s.push_str(&format!("  {}: {}\n", f.key, f.value));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // tests may fail loudly

    use super::*;

    /// A story told on a linux-3.10 server with `tcp_tw_recycle` (as `tw-recycle-nat` will be).
    fn recycling_server() -> Scenario {
        let handshake = find("handshake").unwrap();
        Scenario {
            hosts: CLIENT_SERVER,
            id: "recycling-server",
            summary: "",
            settings: &[],
            until: Duration::from_secs(1),
            sysctls: &[
                ("server.profile", "linux-3.10"),
                ("server.tcp_tw_recycle", "1"),
                ("tcp_timestamps", "1"),
            ],
            build: handshake.build,
            outcome: handshake.outcome,
        }
    }

    // A scenario's own per-host sysctls and profile land on their host, survive the reader's
    // profile for that host when it has them, and do not stop a profile that lacks them.
    #[test]
    fn scenario_sysctls_follow_the_hosts_profile() {
        let sc = recycling_server();
        let p = sc.params(1);
        assert_eq!(p.hosts[1].profile, Profile::Linux3_10);
        assert_eq!(p.hosts[1].sysctl.tcp_tw_recycle, 1);
        assert_eq!(p.hosts[0].profile, Profile::Linux6_18);
        let mut q = sc.params(1);
        sc.set_all(
            &mut q,
            &[
                ("server.profile", "linux-3.10"),
                ("client.profile", "linux-3.10"),
            ],
        )
        .unwrap();
        assert_eq!(q.hosts[1].sysctl.tcp_tw_recycle, 1);
        assert_eq!(q.hosts[0].sysctl.tcp_tw_recycle, 0);
        let mut r = sc.params(1);
        sc.set_all(&mut r, &[("server.profile", "linux-6.18")])
            .unwrap();
        assert_eq!(r.hosts[1].profile, Profile::Linux6_18);
        assert_eq!(r.hosts[1].sysctl.tcp_tw_recycle, 0);
    }
}
