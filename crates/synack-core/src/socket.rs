//! The socket API an application sees: calls, their results, and Linux's errno values.

use crate::wire::Endpoint;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use serde::Serialize;

/// A file descriptor, as `socket()` and `accept()` return it (the lowest free number from 3).
pub type Fd = i32;

/// `O_RDWR`, as `fcntl(F_GETFL)` reports it for a socket.
pub const O_RDWR: i32 = 0o2;
/// `O_NONBLOCK` (Linux's value on x86 and arm).
pub const O_NONBLOCK: i32 = 0o4000;

/// The errno values the simulated calls return, with Linux's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum Errno {
    EBADF = 9,
    EAGAIN = 11,
    EINVAL = 22,
    EMFILE = 24,
    EPIPE = 32,
    EOPNOTSUPP = 95,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ECONNRESET = 104,
    EISCONN = 106,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EALREADY = 114,
    EINPROGRESS = 115,
}

impl Errno {
    /// The symbolic name, `EINPROGRESS`.
    pub const fn name(self) -> &'static str {
        match self {
            Errno::EBADF => "EBADF",
            Errno::EAGAIN => "EAGAIN",
            Errno::EINVAL => "EINVAL",
            Errno::EMFILE => "EMFILE",
            Errno::EPIPE => "EPIPE",
            Errno::EOPNOTSUPP => "EOPNOTSUPP",
            Errno::EADDRINUSE => "EADDRINUSE",
            Errno::EADDRNOTAVAIL => "EADDRNOTAVAIL",
            Errno::ECONNRESET => "ECONNRESET",
            Errno::EISCONN => "EISCONN",
            Errno::ENOTCONN => "ENOTCONN",
            Errno::ETIMEDOUT => "ETIMEDOUT",
            Errno::ECONNREFUSED => "ECONNREFUSED",
            Errno::EALREADY => "EALREADY",
            Errno::EINPROGRESS => "EINPROGRESS",
        }
    }

    /// The `strerror` text, as packetdrill and `perror` print it.
    pub const fn message(self) -> &'static str {
        match self {
            Errno::EBADF => "Bad file descriptor",
            Errno::EAGAIN => "Resource temporarily unavailable",
            Errno::EINVAL => "Invalid argument",
            Errno::EMFILE => "Too many open files",
            Errno::EPIPE => "Broken pipe",
            Errno::EOPNOTSUPP => "Operation not supported",
            Errno::EADDRINUSE => "Address already in use",
            Errno::EADDRNOTAVAIL => "Cannot assign requested address",
            Errno::ECONNRESET => "Connection reset by peer",
            Errno::EISCONN => "Transport endpoint is already connected",
            Errno::ENOTCONN => "Transport endpoint is not connected",
            Errno::ETIMEDOUT => "Connection timed out",
            Errno::ECONNREFUSED => "Connection refused",
            Errno::EALREADY => "Operation already in progress",
            Errno::EINPROGRESS => "Operation now in progress",
        }
    }

    /// Every errno the simulated calls return.
    pub const ALL: &'static [Errno] = &[
        Errno::EBADF,
        Errno::EAGAIN,
        Errno::EINVAL,
        Errno::EMFILE,
        Errno::EPIPE,
        Errno::EOPNOTSUPP,
        Errno::EADDRINUSE,
        Errno::EADDRNOTAVAIL,
        Errno::ECONNRESET,
        Errno::EISCONN,
        Errno::ENOTCONN,
        Errno::ETIMEDOUT,
        Errno::ECONNREFUSED,
        Errno::EALREADY,
        Errno::EINPROGRESS,
    ];

    /// The errno whose symbolic name is `name`.
    pub fn from_name(name: &str) -> Option<Errno> {
        Errno::ALL
            .iter()
            .copied()
            .find(|e| e.name() == name || (name == "EWOULDBLOCK" && *e == Errno::EAGAIN))
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.message())
    }
}

/// `shutdown()`'s `how`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum How {
    /// `SHUT_RD`.
    Read,
    /// `SHUT_WR`.
    Write,
    /// `SHUT_RDWR`.
    Both,
}

/// A socket call, as an application makes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "call")]
pub enum Call {
    /// `socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)`.
    Socket,
    /// `setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, [on], 4)`.
    SetReuseAddr {
        /// The socket.
        fd: Fd,
        /// The value.
        on: bool,
    },
    /// `setsockopt(fd, SOL_SOCKET, SO_LINGER, {l_onoff, l_linger}, 8)`: with `on`, `close()` waits
    /// up to `secs` seconds for the FIN to be acknowledged, or with 0 s aborts the connection with a
    /// RST (`__tcp_close`).
    SetLinger {
        /// The socket.
        fd: Fd,
        /// `l_onoff`.
        on: bool,
        /// `l_linger`, seconds.
        secs: u32,
    },
    /// `fcntl(fd, F_SETFL, O_NONBLOCK)` (or clearing it).
    SetNonBlocking {
        /// The socket.
        fd: Fd,
        /// The value.
        on: bool,
    },
    /// `fcntl(fd, F_GETFL)`: the file status flags (`O_RDWR`, and `O_NONBLOCK` if set).
    GetFlags {
        /// The socket.
        fd: Fd,
    },
    /// `getsockopt(fd, SOL_SOCKET, SO_ERROR, ...)`: returns and clears the pending error.
    GetSoError {
        /// The socket.
        fd: Fd,
    },
    /// `bind(fd, addr)`.
    Bind {
        /// The socket.
        fd: Fd,
        /// The address.
        addr: Endpoint,
    },
    /// `listen(fd, backlog)`.
    Listen {
        /// The socket.
        fd: Fd,
        /// The backlog asked for (capped by `somaxconn`).
        backlog: u32,
    },
    /// `accept(fd)`.
    Accept {
        /// The listener.
        fd: Fd,
    },
    /// `connect(fd, addr)`.
    Connect {
        /// The socket.
        fd: Fd,
        /// The peer.
        addr: Endpoint,
    },
    /// `read(fd, buf, len)`.
    Read {
        /// The socket.
        fd: Fd,
        /// The most bytes to read.
        len: u32,
    },
    /// `write(fd, data)`.
    Write {
        /// The socket.
        fd: Fd,
        /// The bytes (boxed: a thin pointer keeps every `Call`, and so every trace event, small;
        /// see `trace::Event`).
        #[allow(clippy::box_collection)]
        data: Box<Vec<u8>>,
    },
    /// `shutdown(fd, how)`.
    Shutdown {
        /// The socket.
        fd: Fd,
        /// Which direction.
        how: How,
    },
    /// `close(fd)`.
    Close {
        /// The socket.
        fd: Fd,
    },
}

impl Call {
    /// The socket the call is about, if any.
    pub const fn fd(&self) -> Option<Fd> {
        match self {
            Call::Socket => None,
            Call::SetReuseAddr { fd, .. }
            | Call::SetLinger { fd, .. }
            | Call::SetNonBlocking { fd, .. }
            | Call::GetFlags { fd }
            | Call::GetSoError { fd }
            | Call::Bind { fd, .. }
            | Call::Listen { fd, .. }
            | Call::Accept { fd }
            | Call::Connect { fd, .. }
            | Call::Read { fd, .. }
            | Call::Write { fd, .. }
            | Call::Shutdown { fd, .. }
            | Call::Close { fd } => Some(*fd),
        }
    }
}

/// Printed as `strace` would: `connect(3, 10.0.0.2:8080)`.
impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Socket => write!(f, "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)"),
            Call::SetReuseAddr { fd, on } => {
                write!(
                    f,
                    "setsockopt({fd}, SOL_SOCKET, SO_REUSEADDR, [{}])",
                    u8::from(*on)
                )
            }
            Call::SetLinger { fd, on, secs } => write!(
                f,
                "setsockopt({fd}, SOL_SOCKET, SO_LINGER, {{l_onoff={}, l_linger={secs}}})",
                u8::from(*on)
            ),
            Call::SetNonBlocking { fd, on } => {
                write!(
                    f,
                    "fcntl({fd}, F_SETFL, {})",
                    if *on { "O_RDWR|O_NONBLOCK" } else { "O_RDWR" }
                )
            }
            Call::GetFlags { fd } => write!(f, "fcntl({fd}, F_GETFL)"),
            Call::GetSoError { fd } => write!(f, "getsockopt({fd}, SOL_SOCKET, SO_ERROR)"),
            Call::Bind { fd, addr } => write!(f, "bind({fd}, {}:{})", addr.ip, addr.port),
            Call::Listen { fd, backlog } => write!(f, "listen({fd}, {backlog})"),
            Call::Accept { fd } => write!(f, "accept({fd})"),
            Call::Connect { fd, addr } => write!(f, "connect({fd}, {}:{})", addr.ip, addr.port),
            Call::Read { fd, len } => write!(f, "read({fd}, {len})"),
            Call::Write { fd, data } => write!(f, "write({fd}, {} bytes)", data.len()),
            Call::Shutdown { fd, how } => write!(
                f,
                "shutdown({fd}, {})",
                match how {
                    How::Read => "SHUT_RD",
                    How::Write => "SHUT_WR",
                    How::Both => "SHUT_RDWR",
                }
            ),
            Call::Close { fd } => write!(f, "close({fd})"),
        }
    }
}

/// What a call returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result")]
pub enum CallResult {
    /// A non-negative return value (0, an fd, a byte count, an errno from SO_ERROR).
    Ok {
        /// The value: an `int` as most of these calls return. `write()` returns `ssize_t`, but
        /// no count here comes near 2 GiB: the page writes at most 1 MiB at a time, a
        /// packetdrill script 16 MiB (a `read()` returns its bytes, as `Data`).
        value: i32,
    },
    /// The bytes a `read()` returned.
    Data {
        /// The bytes (boxed, as `Call::Write`'s).
        #[allow(clippy::box_collection)]
        data: Box<Vec<u8>>,
    },
    /// -1 with errno.
    Err {
        /// The errno.
        errno: Errno,
    },
    /// The call blocks; a `Returned` event follows when it completes.
    Blocked,
}

impl fmt::Display for CallResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallResult::Ok { value } => write!(f, "{value}"),
            CallResult::Data { data } => write!(f, "{}", data.len()),
            CallResult::Err { errno } => write!(f, "-1 {errno}"),
            CallResult::Blocked => write!(f, "(blocks)"),
        }
    }
}
