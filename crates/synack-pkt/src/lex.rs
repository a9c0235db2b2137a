//! The tokens of a packetdrill script, as packetdrill's `lexer.l` splits them.
//!
//! flex takes the longest match and, between matches of one length, the rule listed first; the
//! rules that matter here, in that order: `...`, `--option`, floats (`[-]?[0-9]*[.][0-9]+`),
//! integers (`[-]?[0-9]+`), hex (`0x...`), words (`[a-zA-Z0-9_]+`, keywords included), `"strings"`,
//! `` `commands` ``, comments (`//` and `/* */`), `%{ code }%`, IPv4 addresses, and any other
//! character on its own. Keywords (`ack`, `win`, `mss`, `TS`, ...) are words here; the parser
//! compares their text.

use alloc::string::String;
use alloc::vec::Vec;

/// One token and the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// The 1-based line of its first character.
    pub line: u32,
}

/// A token's kind and value.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `--name` of an option line.
    Option(String),
    /// A number with a fractional part, and its text.
    Float(f64, String),
    /// A decimal or hex integer.
    Int(i64),
    /// A word or keyword.
    Word(String),
    /// A double-quoted string, without its quotes.
    Str(String),
    /// A back-quoted command, without its quotes.
    Command(String),
    /// The text between `%{` and `}%`.
    Code(String),
    /// A dotted IPv4 address.
    Ipv4(String),
    /// `...`.
    Ellipsis,
    /// Any other single character.
    Punct(char),
}

/// A character the lexer cannot continue from (an unterminated string, comment or code block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// The line it starts on.
    pub line: u32,
    /// What is wrong.
    pub message: &'static str,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Splits `src` into tokens.
pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut line = 1u32;
    let mut out = Vec::new();
    let at = |j: usize| b.get(j).copied().unwrap_or(0);
    while i < b.len() {
        let c = at(i);
        let start_line = line;
        let rest = src.get(i..).unwrap_or("");
        // Whitespace and comments.
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        if rest.starts_with("//") {
            // `cpp_comment` needs its newline; the last line of a file may lack one.
            i += rest.find('\n').unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with("/*") {
            let Some(end) = rest.get(2..).and_then(|r| r.find("*/")) else {
                return Err(LexError {
                    line,
                    message: "unterminated /* comment",
                });
            };
            let body = rest.get(..end + 4).unwrap_or("");
            line += count_lines(body);
            i += end + 4;
            continue;
        }
        if rest.starts_with("%{") {
            let Some(end) = rest.find("}%") else {
                return Err(LexError {
                    line,
                    message: "unterminated %{ code block",
                });
            };
            let body = rest.get(2..end).unwrap_or("");
            line += count_lines(body);
            out.push(Token {
                kind: Tok::Code(String::from(body)),
                line: start_line,
            });
            i += end + 2;
            continue;
        }
        if c == b'"' || c == b'`' {
            let mut j = i + 1;
            while j < b.len() && at(j) != c {
                if at(j) == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                return Err(LexError {
                    line,
                    message: if c == b'"' {
                        "unterminated string"
                    } else {
                        "unterminated `command`"
                    },
                });
            }
            let body = src.get(i + 1..j).unwrap_or("");
            line += count_lines(body);
            out.push(Token {
                kind: if c == b'"' {
                    Tok::Str(unescape(body))
                } else {
                    Tok::Command(String::from(body))
                },
                line: start_line,
            });
            i = j + 1;
            continue;
        }
        if rest.starts_with("...") {
            out.push(Token {
                kind: Tok::Ellipsis,
                line,
            });
            i += 3;
            continue;
        }
        if rest.starts_with("--") && is_word(at(i + 2)) {
            let mut j = i + 2;
            while is_word(at(j)) {
                j += 1;
            }
            out.push(Token {
                kind: Tok::Option(String::from(src.get(i + 2..j).unwrap_or(""))),
                line,
            });
            i = j;
            continue;
        }
        // Numbers, words and addresses: the longest of the candidate matches.
        let neg = usize::from(c == b'-');
        let digits = |from: usize| {
            let mut j = from;
            while at(j).is_ascii_digit() {
                j += 1;
            }
            j
        };
        let int_end = digits(i + neg);
        let float_end = if at(int_end) == b'.' && at(int_end + 1).is_ascii_digit() {
            Some(digits(int_end + 1))
        } else {
            None
        };
        let word_end = {
            let mut j = i;
            while is_word(at(j)) {
                j += 1;
            }
            j
        };
        let ipv4_end = ipv4_end(b, i);
        let hex_end = if c == b'0' && at(i + 1) == b'x' && at(i + 2).is_ascii_hexdigit() {
            let mut j = i + 2;
            while at(j).is_ascii_hexdigit() {
                j += 1;
            }
            Some(j)
        } else {
            None
        };
        let int_len = if int_end > i + neg { int_end - i } else { 0 };
        let float_len = float_end.map_or(0, |e| e - i);
        let best = [
            float_len,
            int_len,
            hex_end.map_or(0, |e| e - i),
            word_end - i,
            ipv4_end.map_or(0, |e| e - i),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        if best > 0 {
            let text = src.get(i..i + best).unwrap_or("");
            // Among matches of the longest length, the rule listed first in lexer.l wins.
            let kind = if best == float_len {
                Tok::Float(text.parse::<f64>().unwrap_or(0.0), String::from(text))
            } else if best == int_len {
                Tok::Int(text.parse::<i64>().unwrap_or(i64::MAX))
            } else if hex_end.is_some_and(|e| e - i == best) {
                Tok::Int(i64::from_str_radix(text.get(2..).unwrap_or(""), 16).unwrap_or(i64::MAX))
            } else if best == word_end - i {
                Tok::Word(String::from(text))
            } else {
                Tok::Ipv4(String::from(text))
            };
            out.push(Token { kind, line });
            i += best;
            continue;
        }
        // Any other character stands alone (multi-byte characters included).
        let ch = rest.chars().next().unwrap_or('\0');
        out.push(Token {
            kind: Tok::Punct(ch),
            line,
        });
        i += ch.len_utf8().max(1);
    }
    Ok(out)
}

fn count_lines(s: &str) -> u32 {
    u32::try_from(s.bytes().filter(|c| *c == b'\n').count()).unwrap_or(u32::MAX)
}

/// `[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+` starting at `i`.
fn ipv4_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for part in 0..4 {
        let s = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == s {
            return None;
        }
        if part < 3 {
            if b.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
    }
    Some(j)
}

/// packetdrill's `quoted()`: the C escapes a script may use.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn w(s: &str) -> Tok {
        Tok::Word(String::from(s))
    }

    #[test]
    fn a_packet_line_splits_as_flex_splits_it() {
        assert_eq!(
            kinds("+.1 < 40001>8080 S. 0:0(0) ack 1 win 257 <mss 1000,nop>"),
            vec![
                Tok::Punct('+'),
                Tok::Float(0.1, String::from(".1")),
                Tok::Punct('<'),
                Tok::Int(40001),
                Tok::Punct('>'),
                Tok::Int(8080),
                w("S"),
                Tok::Punct('.'),
                Tok::Int(0),
                Tok::Punct(':'),
                Tok::Int(0),
                Tok::Punct('('),
                Tok::Int(0),
                Tok::Punct(')'),
                w("ack"),
                Tok::Int(1),
                w("win"),
                Tok::Int(257),
                Tok::Punct('<'),
                w("mss"),
                Tok::Int(1000),
                Tok::Punct(','),
                w("nop"),
                Tok::Punct('>'),
            ]
        );
    }

    #[test]
    fn comments_code_commands_and_lines() {
        let toks =
            lex("// a\n`./x.sh 1`\n/* b\nc */ %{ assert\n x }% 1.2.3.4 -1 0x1f ...").unwrap();
        let lines: Vec<u32> = toks.iter().map(|t| t.line).collect();
        assert_eq!(lines, vec![2, 4, 5, 5, 5, 5]);
        assert_eq!(toks[0].kind, Tok::Command(String::from("./x.sh 1")));
        assert_eq!(toks[1].kind, Tok::Code(String::from(" assert\n x ")));
        assert_eq!(toks[2].kind, Tok::Ipv4(String::from("1.2.3.4")));
        assert_eq!(toks[3].kind, Tok::Int(-1));
        assert_eq!(toks[4].kind, Tok::Int(31));
        assert_eq!(toks[5].kind, Tok::Ellipsis);
    }

    #[test]
    fn unterminated_things_name_their_line() {
        assert_eq!(lex("\n\"abc").unwrap_err().line, 2);
        assert_eq!(lex("1\n2\n%{ x").unwrap_err().line, 3);
    }
}
