//! `%{ ... }%` blocks: packetdrill hands them to Python 3 with a `struct tcp_info` snapshot in
//! scope; synack evaluates the part of Python they use: `assert EXPR[, MSG]` statements over
//! integers, with Python's precedence (`or` < `and` < `not` < comparisons, which chain < `|` <
//! `^` < `&` < shifts < `+ -` < `* // %` < unary minus).
//!
//! Names are the snapshot's `tcpi_*` fields and packetdrill's constants (`TCP_ESTABLISHED`,
//! `TCPI_OPT_SACK`, ...). A name synack does not fill is an error that says so, never a guess.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A value: Python ints, bools, and tuples of them (an assert's message may be one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// `True` / `False`.
    Bool(bool),
    /// `(a, b)`.
    Tuple(Vec<Value>),
}

impl Value {
    fn int(&self) -> Result<i64, CodeError> {
        match self {
            Value::Int(v) => Ok(*v),
            Value::Bool(b) => Ok(i64::from(*b)),
            Value::Tuple(_) => Err(CodeError::Unsupported(String::from(
                "synack does not compute with tuples (only an assert's message may be one)",
            ))),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Tuple(items) => !items.is_empty(),
            other => other.int().is_ok_and(|v| v != 0),
        }
    }

    /// As Python's `str()` prints it.
    pub fn python_str(&self) -> String {
        match self {
            Value::Int(v) => format!("{v}"),
            Value::Bool(true) => String::from("True"),
            Value::Bool(false) => String::from("False"),
            Value::Tuple(items) if items.len() == 1 => {
                format!(
                    "({},)",
                    items.first().map_or(String::new(), Value::python_str)
                )
            }
            Value::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(Value::python_str).collect();
                format!("({})", parts.join(", "))
            }
        }
    }
}

/// Why a block did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// An assertion was false: Python's `AssertionError: MSG` (MSG may be empty).
    Assertion(String),
    /// The text is not Python synack can evaluate, or names something it does not simulate.
    Unsupported(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum T {
    Num(i64),
    Name(String),
    Op(&'static str),
    Sep,
}

const OPS: &[&str] = &[
    "==", "!=", "<=", ">=", "<<", ">>", "//", "<", ">", "&", "|", "^", "+", "-", "*", "%", "(",
    ")", ",",
];

fn tokens(src: &str) -> Result<Vec<T>, CodeError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = char::from(b.get(i).copied().unwrap_or(0));
        let rest = src.get(i..).unwrap_or("");
        if c == '\n' || c == ';' {
            out.push(T::Sep);
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if c.is_ascii_digit() {
            let len = rest
                .find(|ch: char| !ch.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let text = rest.get(..len).unwrap_or("");
            let v = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16),
                None => text.parse::<i64>(),
            }
            .map_err(|_| CodeError::Unsupported(format!("bad number `{text}`")))?;
            out.push(T::Num(v));
            i += len;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            out.push(T::Name(rest.get(..len).unwrap_or("").to_string()));
            i += len;
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(T::Op(op));
            i += op.len();
        } else {
            return Err(CodeError::Unsupported(format!(
                "`{c}` in a %{{ }}% block is not Python that synack evaluates"
            )));
        }
    }
    Ok(out)
}

struct P<'a> {
    t: Vec<T>,
    pos: usize,
    names: &'a dyn Fn(&str) -> Result<i64, CodeError>,
}

/// Runs every statement of a block; the first false assertion is the error.
pub fn run(src: &str, names: &dyn Fn(&str) -> Result<i64, CodeError>) -> Result<(), CodeError> {
    let mut p = P {
        t: tokens(src)?,
        pos: 0,
        names,
    };
    loop {
        while p.peek() == Some(&T::Sep) {
            p.pos += 1;
        }
        if p.peek().is_none() {
            return Ok(());
        }
        p.statement()?;
    }
}

impl P<'_> {
    fn peek(&self) -> Option<&T> {
        self.t.get(self.pos)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(T::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, n: &str) -> bool {
        if matches!(self.peek(), Some(T::Name(x)) if x == n) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn statement(&mut self) -> Result<(), CodeError> {
        if !self.eat_name("assert") {
            return Err(CodeError::Unsupported(String::from(
                "synack evaluates `assert EXPR[, MESSAGE]` statements only",
            )));
        }
        let cond = self.or()?;
        let msg = if self.eat_op(",") {
            Some(self.or()?)
        } else {
            None
        };
        if !matches!(self.peek(), None | Some(T::Sep)) {
            return Err(CodeError::Unsupported(String::from(
                "unexpected text after an assert statement",
            )));
        }
        if cond.truthy() {
            Ok(())
        } else {
            Err(CodeError::Assertion(
                msg.as_ref().map_or(String::new(), Value::python_str),
            ))
        }
    }

    fn or(&mut self) -> Result<Value, CodeError> {
        let mut v = self.and()?;
        while self.eat_name("or") {
            let r = self.and()?;
            if !v.truthy() {
                v = r;
            }
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<Value, CodeError> {
        let mut v = self.not()?;
        while self.eat_name("and") {
            let r = self.not()?;
            if v.truthy() {
                v = r;
            }
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<Value, CodeError> {
        if self.eat_name("not") {
            let v = self.not()?;
            return Ok(Value::Bool(!v.truthy()));
        }
        self.comparison()
    }

    /// Python chains comparisons: `a < b < c` is `a < b and b < c`.
    fn comparison(&mut self) -> Result<Value, CodeError> {
        let mut left = self.bitor()?;
        let mut result: Option<bool> = None;
        loop {
            let op = match self.peek() {
                Some(T::Op(o)) if matches!(*o, "==" | "!=" | "<" | "<=" | ">" | ">=") => *o,
                _ => break,
            };
            self.pos += 1;
            let right = self.bitor()?;
            let (a, b) = (left.int()?, right.int()?);
            let holds = match op {
                "==" => a == b,
                "!=" => a != b,
                "<" => a < b,
                "<=" => a <= b,
                ">" => a > b,
                _ => a >= b,
            };
            result = Some(result.unwrap_or(true) && holds);
            left = right;
        }
        Ok(match result {
            Some(r) => Value::Bool(r),
            None => left,
        })
    }

    fn binary(
        &mut self,
        ops: &[&str],
        next: fn(&mut Self) -> Result<Value, CodeError>,
    ) -> Result<Value, CodeError> {
        let mut v = next(self)?;
        loop {
            let Some(op) = ops.iter().find(|o| self.eat_op(o)) else {
                return Ok(v);
            };
            let r = next(self)?.int()?;
            let a = v.int()?;
            v = Value::Int(match *op {
                "|" => a | r,
                "^" => a ^ r,
                "&" => a & r,
                "<<" => a.checked_shl(u32::try_from(r).unwrap_or(64)).unwrap_or(0),
                ">>" => a.checked_shr(u32::try_from(r).unwrap_or(64)).unwrap_or(0),
                "+" => a.wrapping_add(r),
                "-" => a.wrapping_sub(r),
                "*" => a.wrapping_mul(r),
                "//" | "%" if r == 0 => {
                    return Err(CodeError::Unsupported(String::from(
                        "ZeroDivisionError: integer division or modulo by zero",
                    )));
                }
                "//" => a.div_euclid(r),
                _ => a.rem_euclid(r),
            });
        }
    }

    fn bitor(&mut self) -> Result<Value, CodeError> {
        self.binary(&["|"], Self::bitxor)
    }
    fn bitxor(&mut self) -> Result<Value, CodeError> {
        self.binary(&["^"], Self::bitand)
    }
    fn bitand(&mut self) -> Result<Value, CodeError> {
        self.binary(&["&"], Self::shift)
    }
    fn shift(&mut self) -> Result<Value, CodeError> {
        self.binary(&["<<", ">>"], Self::sum)
    }
    fn sum(&mut self) -> Result<Value, CodeError> {
        self.binary(&["+", "-"], Self::product)
    }
    fn product(&mut self) -> Result<Value, CodeError> {
        self.binary(&["*", "//", "%"], Self::unary)
    }

    fn unary(&mut self) -> Result<Value, CodeError> {
        if self.eat_op("-") {
            return Ok(Value::Int(self.unary()?.int()?.wrapping_neg()));
        }
        match self.peek().cloned() {
            Some(T::Num(v)) => {
                self.pos += 1;
                Ok(Value::Int(v))
            }
            Some(T::Name(n)) => {
                self.pos += 1;
                match n.as_str() {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    _ => (self.names)(&n).map(Value::Int),
                }
            }
            Some(T::Op("(")) => {
                self.pos += 1;
                if self.eat_op(")") {
                    return Ok(Value::Tuple(Vec::new()));
                }
                let first = self.or()?;
                if !self.eat_op(",") {
                    if !self.eat_op(")") {
                        return Err(CodeError::Unsupported(String::from("missing `)`")));
                    }
                    return Ok(first);
                }
                // A tuple: `(a, b)`, `(a,)`.
                let mut items = alloc::vec![first];
                while !self.eat_op(")") {
                    items.push(self.or()?);
                    if !self.eat_op(",") {
                        if !self.eat_op(")") {
                            return Err(CodeError::Unsupported(String::from("missing `)`")));
                        }
                        break;
                    }
                }
                Ok(Value::Tuple(items))
            }
            _ => Err(CodeError::Unsupported(String::from(
                "expected a number, a name or `(`",
            ))),
        }
    }
}

/// packetdrill's constants for code blocks (`code.c`, `write_symbols`).
pub fn constant(name: &str) -> Option<i64> {
    Some(match name {
        "TCP_ESTABLISHED" => 1,
        "TCP_SYN_SENT" => 2,
        "TCP_SYN_RECV" => 3,
        "TCP_FIN_WAIT1" => 4,
        "TCP_FIN_WAIT2" => 5,
        "TCP_TIME_WAIT" => 6,
        "TCP_CLOSE" => 7,
        "TCP_CLOSE_WAIT" => 8,
        "TCP_LAST_ACK" => 9,
        "TCP_LISTEN" => 10,
        "TCP_CLOSING" => 11,
        "TCP_CA_Open" => 0,
        "TCP_CA_Disorder" => 1,
        "TCP_CA_CWR" => 2,
        "TCP_CA_Recovery" => 3,
        "TCP_CA_Loss" => 4,
        "TCPI_OPT_TIMESTAMPS" => 1,
        "TCPI_OPT_SACK" => 2,
        "TCPI_OPT_WSCALE" => 4,
        "TCPI_OPT_ECN" => 8,
        "TCPI_OPT_ECN_SEEN" => 16,
        "TCPI_OPT_SYN_DATA" => 32,
        "TCPI_OPT_USEC_TS" => 64,
        "TCPI_OPT_TFO_CHILD" => 128,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Result<(), CodeError> {
        run(src, &|n| match n {
            "tcpi_state" => Ok(4),
            "tcpi_options" => Ok(6),
            _ => constant(n).ok_or_else(|| CodeError::Unsupported(format!("no {n}"))),
        })
    }

    #[test]
    fn python_precedence_and_messages() {
        assert_eq!(
            eval("assert tcpi_state == TCP_FIN_WAIT1, tcpi_state"),
            Ok(())
        );
        assert_eq!(
            eval("assert tcpi_state == TCP_CLOSING, tcpi_state"),
            Err(CodeError::Assertion(String::from("4")))
        );
        // `&` binds tighter than `==`.
        assert_eq!(eval("assert tcpi_options & TCPI_OPT_SACK == 2"), Ok(()));
        assert_eq!(
            eval("assert tcpi_options & TCPI_OPT_TIMESTAMPS"),
            Err(CodeError::Assertion(String::new()))
        );
        assert_eq!(
            eval("assert 1 < tcpi_state < 4, 1 < 2"),
            Err(CodeError::Assertion(String::from("True")))
        );
        assert_eq!(
            eval("assert tcpi_state == 4 and not tcpi_options == 0\nassert (2 | 1) == 3"),
            Ok(())
        );
    }

    #[test]
    fn what_is_not_python_we_know_fails() {
        assert!(matches!(
            eval("print(tcpi_state)"),
            Err(CodeError::Unsupported(_))
        ));
        assert!(matches!(
            eval("assert tcpi_bogus == 1"),
            Err(CodeError::Unsupported(_))
        ));
        assert!(matches!(
            eval("assert 1 == 1 extra"),
            Err(CodeError::Unsupported(_))
        ));
    }
}
