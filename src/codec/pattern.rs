//! XSD regular expressions (pattern facets), compiled to Rust regexes.
//!
//! `xs:pattern` facets are written in the regular-expression dialect of
//! XML Schema 1.0 Part 2, Appendix F. [`Pattern::compile`] parses that dialect
//! with a small hand-written parser and re-emits it in the syntax of the
//! [`regex`] crate, so the engine never sees a construct the schema author did
//! not write in XSD terms.
//!
//! # Accepted dialect
//!
//! * Patterns are implicitly anchored: the whole value must match
//!   (the translation is `^(?:...)$`).
//! * Branches `a|b` (empty branches allowed), groups `( )` (always translated
//!   to non-capturing groups), quantifiers `? * + {n} {n,} {n,m}`.
//! * `.` matches any character except `\n` and `\r`.
//! * Single-character escapes `\n \r \t \\ \| \. \- \^ \? \* \+ \{ \} \( \) \[ \]`.
//! * Multi-character escapes `\s \S` (only space, tab, CR, LF), `\d \D`
//!   (`\p{Nd}`), `\w \W` (everything except `\p{P}`, `\p{Z}`, `\p{C}`),
//!   `\i \I \c \C`, `\p{..}`/`\P{..}` with the XSD general categories
//!   (`L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po Z Zs Zl
//!   Zp S Sm Sc Sk So C Cc Cf Co Cn`) and the XSD 1.0 block escapes
//!   (`\p{IsBasicLatin}`, `\p{IsGreek}`, `\p{IsCJKUnifiedIdeographs}`, ...),
//!   which are translated to explicit code point ranges.
//! * Character classes with ranges, negation `[^...]`, escapes, and class
//!   subtraction `[a-z-[aeiou]]` (translated to the regex crate's `--`).
//!   An unescaped `-` is literal only first or last in a class.
//!
//! Constructs from other dialects are rejected with a [`PatternError`] rather
//! than passed through: `(?...)` groups and inline flags, lazy or possessive
//! quantifiers, backreferences, `\b`/`\A`/`\z` anchors, `\x`/`\u` escapes and
//! script names such as `\p{Greek}`. Outside classes, `^` and `$` are ordinary
//! characters in XSD (`a^b` matches the text `a^b`), so they are escaped.
//!
//! # Approximations
//!
//! * `\i` and `\c` use the XML 1.0 Fifth Edition `NameStartChar` / `NameChar`
//!   ranges, not the older Unicode-2.0-based `Letter` tables that XSD 1.0
//!   formally refers to; the two agree for practically every real name.
//! * General categories come from the regex crate's (current) Unicode tables,
//!   not Unicode 3.1, so characters assigned since then are classified as
//!   today's Unicode says.
//! * Block escapes use the Unicode 3.1 block ranges listed by XSD 1.0. The
//!   surrogate blocks match nothing (a Rust string holds no surrogates).
//!
//! # Safety limits
//!
//! Schemas may come from untrusted partners, so compiling one must not be a
//! way to exhaust memory or the stack: patterns longer than 10,000
//! characters, or nesting groups/classes more than 64 deep (checked while
//! parsing, before any recursion can run deep), are refused, and the regex is built with an 8 MiB limit on the
//! compiled program (`RegexBuilder::size_limit`; enough for real facets such
//! as `[\p{L} '\-]{1,100}`, not for `\w{1,1000}`) and a 2 MiB lazy-DFA cache
//! (`dfa_size_limit`). Exceeding any of these is a
//! [`PatternError::TooLarge`], never a panic. Matching itself is linear-time
//! (the regex crate does not backtrack), so values cannot trigger
//! catastrophic backtracking.

use std::fmt::Write as _;

/// Longest accepted XSD pattern, in characters.
const MAX_PATTERN_CHARS: usize = 10_000;
/// Deepest accepted nesting of groups and character classes.
const MAX_NESTING: usize = 64;
/// Upper bound on the compiled program size, in bytes. Generous enough for
/// real facets such as `[\p{L} '\-]{1,100}` (about 4 MiB) or `.{0,4000}`,
/// small enough to refuse `\w{1,1000}`-style blow-ups.
const SIZE_LIMIT: usize = 8 << 20;
/// Upper bound on the lazy DFA cache, in bytes (per matching thread).
const DFA_SIZE_LIMIT: usize = 2 << 20;

/// A compiled XSD pattern facet.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: regex::Regex,
}

impl Pattern {
    /// Compiles an XSD regular expression. XSD patterns are implicitly anchored (the whole value must match).
    pub fn compile(xsd: &str) -> Result<Pattern, PatternError> {
        let length = xsd.chars().count();
        if length > MAX_PATTERN_CHARS {
            return Err(PatternError::TooLarge {
                pattern: xsd.to_string(),
                detail: format!("it is {length} characters long; the limit is {MAX_PATTERN_CHARS}"),
            });
        }
        let body = Translator::new(xsd).translate()?;
        let translated = format!("^(?:{body})$");
        let regex = regex::RegexBuilder::new(&translated)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(DFA_SIZE_LIMIT)
            .build()
            .map_err(|error| match error {
                regex::Error::CompiledTooBig(limit) => PatternError::TooLarge {
                    pattern: xsd.to_string(),
                    detail: format!(
                        "its compiled form exceeds the {limit}-byte limit \
                         (large repetition counts or many Unicode classes)"
                    ),
                },
                other => PatternError::Engine {
                    pattern: xsd.to_string(),
                    detail: other.to_string(),
                },
            })?;
        Ok(Pattern {
            source: xsd.to_string(),
            regex,
        })
    }

    /// True if the whole `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }

    /// The original XSD source text.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Why an XSD pattern could not be compiled.
///
/// `pattern` is always the full XSD source; the `Display` form shows a
/// shortened excerpt of long patterns. `offset` is a 0-based character
/// (not byte) offset into the pattern.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// The pattern is not a valid XSD regular expression.
    #[error("invalid XSD pattern {}: {detail} (at character offset {offset})", excerpt(.pattern))]
    Syntax {
        pattern: String,
        offset: usize,
        detail: String,
    },
    /// The pattern uses a construct XSD regular expressions do not have
    /// (inline flags, lazy quantifiers, backreferences, ...) or an unknown
    /// property or block name.
    #[error("unsupported construct in XSD pattern {}: {detail} (at character offset {offset})", excerpt(.pattern))]
    Unsupported {
        pattern: String,
        offset: usize,
        detail: String,
    },
    /// The pattern exceeds a safety limit (length, nesting, compiled size).
    #[error("XSD pattern {} is too large: {detail}", excerpt(.pattern))]
    TooLarge { pattern: String, detail: String },
    /// The regex engine rejected the translation (a translator bug, not a
    /// schema error).
    #[error("XSD pattern {} could not be compiled after translation: {detail}", excerpt(.pattern))]
    Engine { pattern: String, detail: String },
}

/// The pattern as shown in error messages: quoted, and cut short when long.
fn excerpt(pattern: &str) -> String {
    const SHOWN: usize = 60;
    let length = pattern.chars().count();
    if length <= SHOWN {
        format!("{pattern:?}")
    } else {
        let head: String = pattern.chars().take(SHOWN).collect();
        format!("{head:?}... ({length} characters)")
    }
}

/// The XSD general categories accepted by `\p{..}` (XSD 1.0 Part 2, F.1.1).
const CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp", "S", "Sm", "Sc", "Sk", "So", "C",
    "Cc", "Cf", "Co", "Cn",
];

/// Block names accepted by `\p{IsXxx}` with their code point ranges: the
/// Unicode 3.1 blocks listed by XSD 1.0 (plus two later spellings as aliases).
const BLOCKS: &[(&str, &[(u32, u32)])] = &[
    ("BasicLatin", &[(0x0000, 0x007F)]),
    ("Latin-1Supplement", &[(0x0080, 0x00FF)]),
    ("LatinExtended-A", &[(0x0100, 0x017F)]),
    ("LatinExtended-B", &[(0x0180, 0x024F)]),
    ("IPAExtensions", &[(0x0250, 0x02AF)]),
    ("SpacingModifierLetters", &[(0x02B0, 0x02FF)]),
    ("CombiningDiacriticalMarks", &[(0x0300, 0x036F)]),
    ("Greek", &[(0x0370, 0x03FF)]),
    ("GreekandCoptic", &[(0x0370, 0x03FF)]),
    ("Cyrillic", &[(0x0400, 0x04FF)]),
    ("Armenian", &[(0x0530, 0x058F)]),
    ("Hebrew", &[(0x0590, 0x05FF)]),
    ("Arabic", &[(0x0600, 0x06FF)]),
    ("Syriac", &[(0x0700, 0x074F)]),
    ("Thaana", &[(0x0780, 0x07BF)]),
    ("Devanagari", &[(0x0900, 0x097F)]),
    ("Bengali", &[(0x0980, 0x09FF)]),
    ("Gurmukhi", &[(0x0A00, 0x0A7F)]),
    ("Gujarati", &[(0x0A80, 0x0AFF)]),
    ("Oriya", &[(0x0B00, 0x0B7F)]),
    ("Tamil", &[(0x0B80, 0x0BFF)]),
    ("Telugu", &[(0x0C00, 0x0C7F)]),
    ("Kannada", &[(0x0C80, 0x0CFF)]),
    ("Malayalam", &[(0x0D00, 0x0D7F)]),
    ("Sinhala", &[(0x0D80, 0x0DFF)]),
    ("Thai", &[(0x0E00, 0x0E7F)]),
    ("Lao", &[(0x0E80, 0x0EFF)]),
    ("Tibetan", &[(0x0F00, 0x0FFF)]),
    ("Myanmar", &[(0x1000, 0x109F)]),
    ("Georgian", &[(0x10A0, 0x10FF)]),
    ("HangulJamo", &[(0x1100, 0x11FF)]),
    ("Ethiopic", &[(0x1200, 0x137F)]),
    ("Cherokee", &[(0x13A0, 0x13FF)]),
    ("UnifiedCanadianAboriginalSyllabics", &[(0x1400, 0x167F)]),
    ("Ogham", &[(0x1680, 0x169F)]),
    ("Runic", &[(0x16A0, 0x16FF)]),
    ("Khmer", &[(0x1780, 0x17FF)]),
    ("Mongolian", &[(0x1800, 0x18AF)]),
    ("LatinExtendedAdditional", &[(0x1E00, 0x1EFF)]),
    ("GreekExtended", &[(0x1F00, 0x1FFF)]),
    ("GeneralPunctuation", &[(0x2000, 0x206F)]),
    ("SuperscriptsandSubscripts", &[(0x2070, 0x209F)]),
    ("CurrencySymbols", &[(0x20A0, 0x20CF)]),
    ("CombiningMarksforSymbols", &[(0x20D0, 0x20FF)]),
    ("CombiningDiacriticalMarksforSymbols", &[(0x20D0, 0x20FF)]),
    ("LetterlikeSymbols", &[(0x2100, 0x214F)]),
    ("NumberForms", &[(0x2150, 0x218F)]),
    ("Arrows", &[(0x2190, 0x21FF)]),
    ("MathematicalOperators", &[(0x2200, 0x22FF)]),
    ("MiscellaneousTechnical", &[(0x2300, 0x23FF)]),
    ("ControlPictures", &[(0x2400, 0x243F)]),
    ("OpticalCharacterRecognition", &[(0x2440, 0x245F)]),
    ("EnclosedAlphanumerics", &[(0x2460, 0x24FF)]),
    ("BoxDrawing", &[(0x2500, 0x257F)]),
    ("BlockElements", &[(0x2580, 0x259F)]),
    ("GeometricShapes", &[(0x25A0, 0x25FF)]),
    ("MiscellaneousSymbols", &[(0x2600, 0x26FF)]),
    ("Dingbats", &[(0x2700, 0x27BF)]),
    ("BraillePatterns", &[(0x2800, 0x28FF)]),
    ("CJKRadicalsSupplement", &[(0x2E80, 0x2EFF)]),
    ("KangxiRadicals", &[(0x2F00, 0x2FDF)]),
    ("IdeographicDescriptionCharacters", &[(0x2FF0, 0x2FFF)]),
    ("CJKSymbolsandPunctuation", &[(0x3000, 0x303F)]),
    ("Hiragana", &[(0x3040, 0x309F)]),
    ("Katakana", &[(0x30A0, 0x30FF)]),
    ("Bopomofo", &[(0x3100, 0x312F)]),
    ("HangulCompatibilityJamo", &[(0x3130, 0x318F)]),
    ("Kanbun", &[(0x3190, 0x319F)]),
    ("BopomofoExtended", &[(0x31A0, 0x31BF)]),
    ("EnclosedCJKLettersandMonths", &[(0x3200, 0x32FF)]),
    ("CJKCompatibility", &[(0x3300, 0x33FF)]),
    ("CJKUnifiedIdeographsExtensionA", &[(0x3400, 0x4DB5)]),
    ("CJKUnifiedIdeographs", &[(0x4E00, 0x9FFF)]),
    ("YiSyllables", &[(0xA000, 0xA48F)]),
    ("YiRadicals", &[(0xA490, 0xA4CF)]),
    ("HangulSyllables", &[(0xAC00, 0xD7A3)]),
    ("HighSurrogates", &[(0xD800, 0xDB7F)]),
    ("HighPrivateUseSurrogates", &[(0xDB80, 0xDBFF)]),
    ("LowSurrogates", &[(0xDC00, 0xDFFF)]),
    (
        "PrivateUse",
        &[(0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)],
    ),
    ("CJKCompatibilityIdeographs", &[(0xF900, 0xFAFF)]),
    ("AlphabeticPresentationForms", &[(0xFB00, 0xFB4F)]),
    ("ArabicPresentationForms-A", &[(0xFB50, 0xFDFF)]),
    ("CombiningHalfMarks", &[(0xFE20, 0xFE2F)]),
    ("CJKCompatibilityForms", &[(0xFE30, 0xFE4F)]),
    ("SmallFormVariants", &[(0xFE50, 0xFE6F)]),
    ("ArabicPresentationForms-B", &[(0xFE70, 0xFEFE)]),
    ("Specials", &[(0xFEFF, 0xFEFF), (0xFFF0, 0xFFFD)]),
    ("HalfwidthandFullwidthForms", &[(0xFF00, 0xFFEF)]),
    ("OldItalic", &[(0x10300, 0x1032F)]),
    ("Gothic", &[(0x10330, 0x1034F)]),
    ("Deseret", &[(0x10400, 0x1044F)]),
    ("ByzantineMusicalSymbols", &[(0x1D000, 0x1D0FF)]),
    ("MusicalSymbols", &[(0x1D100, 0x1D1FF)]),
    ("MathematicalAlphanumericSymbols", &[(0x1D400, 0x1D7FF)]),
    ("CJKUnifiedIdeographsExtensionB", &[(0x20000, 0x2A6D6)]),
    (
        "CJKCompatibilityIdeographsSupplement",
        &[(0x2F800, 0x2FA1F)],
    ),
    ("Tags", &[(0xE0000, 0xE007F)]),
];

/// XML 1.0 (Fifth Edition) `NameStartChar`, used for `\i`.
const NAME_START_CHARS: &[(u32, u32)] = &[
    (0x3A, 0x3A), // ':'
    (0x41, 0x5A), // A-Z
    (0x5F, 0x5F), // '_'
    (0x61, 0x7A), // a-z
    (0xC0, 0xD6),
    (0xD8, 0xF6),
    (0xF8, 0x2FF),
    (0x370, 0x37D),
    (0x37F, 0x1FFF),
    (0x200C, 0x200D),
    (0x2070, 0x218F),
    (0x2C00, 0x2FEF),
    (0x3001, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFFD),
    (0x10000, 0xEFFFF),
];

/// The characters XML 1.0 (Fifth Edition) `NameChar` adds to
/// `NameStartChar`, used together with [`NAME_START_CHARS`] for `\c`.
const NAME_EXTRA_CHARS: &[(u32, u32)] = &[
    (0x2D, 0x2E), // '-', '.'
    (0x30, 0x39), // 0-9
    (0xB7, 0xB7),
    (0x300, 0x36F),
    (0x203F, 0x2040),
];

/// `.`: anything but newline and carriage return.
const DOT: &str = r"[^\x{A}\x{D}]";
/// A class that matches nothing (empty blocks).
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";
/// A class that matches everything (negated empty blocks).
const EVERYTHING: &str = r"[\x{0}-\x{10FFFF}]";

/// Appends `c` as a literal that is safe both inside and outside a Rust
/// character class: ASCII letters and digits as is, everything else as a
/// `\x{..}` escape (so no character can act as a regex-crate metacharacter).
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        // Writing to a String cannot fail.
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    }
}

/// Appends the code point `cp` as a `\x{..}` escape.
fn push_code_point(out: &mut String, cp: u32) {
    let _ = write!(out, "\\x{{{cp:X}}}");
}

/// A Rust character class for the union of `ranges` (negated if asked).
/// Surrogate code points are dropped: they never occur in a Rust string.
fn ranges_class(ranges: &[&[(u32, u32)]], negated: bool) -> String {
    let mut items = String::new();
    for &(lo, hi) in ranges.iter().flat_map(|r| r.iter()) {
        let pieces = [(lo, hi.min(0xD7FF)), (lo.max(0xE000), hi)];
        for (lo, hi) in pieces {
            if lo > hi {
                continue;
            }
            push_code_point(&mut items, lo);
            if hi > lo {
                items.push('-');
                push_code_point(&mut items, hi);
            }
        }
    }
    match (items.is_empty(), negated) {
        (true, false) => NOTHING.to_string(),
        (true, true) => EVERYTHING.to_string(),
        (false, false) => format!("[{items}]"),
        (false, true) => format!("[^{items}]"),
    }
}

/// What an escape stands for.
enum Escape {
    /// A single character (`\n`, `\.`, ...).
    Char(char),
    /// A set of characters, already in Rust syntax (`\p{Nd}`, `[...]`),
    /// usable both inside and outside a Rust character class.
    Set(String),
}

/// Translates XSD regex syntax to regex-crate syntax (without the anchors).
struct Translator<'a> {
    source: &'a str,
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    out: String,
}

type Result<T, E = PatternError> = std::result::Result<T, E>;

impl<'a> Translator<'a> {
    fn new(source: &'a str) -> Self {
        Translator {
            source,
            chars: source.chars().collect(),
            pos: 0,
            depth: 0,
            out: String::with_capacity(source.len() * 2),
        }
    }

    fn syntax<T>(&self, offset: usize, detail: impl Into<String>) -> Result<T> {
        Err(PatternError::Syntax {
            pattern: self.source.to_string(),
            offset,
            detail: detail.into(),
        })
    }

    fn unsupported<T>(&self, offset: usize, detail: impl Into<String>) -> Result<T> {
        Err(PatternError::Unsupported {
            pattern: self.source.to_string(),
            offset,
            detail: detail.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Enters a group or character class opened at `offset`.
    fn enter(&mut self, offset: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(PatternError::TooLarge {
                pattern: self.source.to_string(),
                detail: format!(
                    "groups and character classes are nested more than {MAX_NESTING} deep \
                     (at character offset {offset})"
                ),
            });
        }
        Ok(())
    }

    fn translate(mut self) -> Result<String> {
        self.reg_exp()?;
        if self.pos < self.chars.len() {
            // reg_exp only stops early at a ')' it did not open.
            return self.syntax(
                self.pos,
                "unmatched ')' (escape a literal parenthesis as '\\)')",
            );
        }
        Ok(self.out)
    }

    /// regExp ::= branch ( '|' branch )*
    fn reg_exp(&mut self) -> Result<()> {
        loop {
            self.branch()?;
            if self.peek() == Some('|') {
                self.pos += 1;
                self.out.push('|');
            } else {
                return Ok(());
            }
        }
    }

    /// branch ::= piece*
    fn branch(&mut self) -> Result<()> {
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            self.atom()?;
            self.quantifier()?;
        }
        Ok(())
    }

    /// atom ::= Char | charClass | '(' regExp ')'
    fn atom(&mut self) -> Result<()> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(());
        };
        match c {
            '(' => {
                if self.peek_at(1) == Some('?') {
                    return self.unsupported(
                        start,
                        "'(?' constructs (non-capturing groups, lookaround, inline flags \
                         such as '(?i)') are not part of XSD regular expressions",
                    );
                }
                self.enter(start)?;
                self.pos += 1;
                self.out.push_str("(?:");
                self.reg_exp()?;
                if self.peek() != Some(')') {
                    return self.syntax(start, "unbalanced '(': no matching ')'");
                }
                self.pos += 1;
                self.out.push(')');
                self.depth -= 1;
            }
            '[' => {
                let class = self.class_expr()?;
                self.out.push_str(&class);
            }
            '.' => {
                self.pos += 1;
                self.out.push_str(DOT);
            }
            '\\' => match self.escape()? {
                Escape::Char(c) => push_literal(&mut self.out, c),
                Escape::Set(set) => self.out.push_str(&set),
            },
            '?' | '*' | '+' | '{' => {
                return self.syntax(
                    start,
                    format!(
                        "quantifier '{c}' has nothing to repeat \
                         (escape a literal '{c}' as '\\{c}')"
                    ),
                );
            }
            '}' | ']' => {
                return self.syntax(
                    start,
                    format!("unmatched '{c}' (escape a literal '{c}' as '\\{c}')"),
                );
            }
            _ => {
                // Includes '^' and '$', which are ordinary characters in XSD.
                self.pos += 1;
                push_literal(&mut self.out, c);
            }
        }
        Ok(())
    }

    /// quantifier ::= [?*+] | '{' quantity '}', at most one per atom.
    fn quantifier(&mut self) -> Result<()> {
        match self.peek() {
            Some(c @ ('?' | '*' | '+')) => {
                self.pos += 1;
                self.out.push(c);
            }
            Some('{') => self.counted()?,
            _ => return Ok(()),
        }
        match self.peek() {
            Some('?') => self.unsupported(
                self.pos,
                "lazy quantifiers ('*?', '+?', '??', '{n,m}?') are not part of XSD \
                 regular expressions (escape a literal '?' as '\\?')",
            ),
            Some('+') => self.unsupported(
                self.pos,
                "possessive quantifiers ('*+', '++', ...) are not part of XSD regular \
                 expressions (escape a literal '+' as '\\+')",
            ),
            Some(c @ ('*' | '{')) => self.syntax(
                self.pos,
                format!(
                    "quantifier '{c}' directly follows another quantifier; group the \
                     repeated part first, e.g. '(a{{2}}){c}'"
                ),
            ),
            _ => Ok(()),
        }
    }

    /// '{' ( n | n ',' | n ',' m ) '}'
    fn counted(&mut self) -> Result<()> {
        let start = self.pos;
        self.pos += 1;
        let Some(min) = self.number()? else {
            return self.syntax(
                start,
                "'{' must start a quantifier '{n}', '{n,}' or '{n,m}' \
                 (escape a literal '{' as '\\{')",
            );
        };
        // `None`: exactly `min`; `Some(None)`: at least `min`; `Some(Some(max))`: a range.
        let mut upper = None;
        if self.peek() == Some(',') {
            self.pos += 1;
            upper = Some(self.number()?);
        }
        if self.peek() != Some('}') {
            return self.syntax(
                start,
                "malformed quantifier: expected '{n}', '{n,}' or '{n,m}' with decimal n and m",
            );
        }
        self.pos += 1;
        match upper {
            None => {
                let _ = write!(self.out, "{{{min}}}");
            }
            Some(None) => {
                let _ = write!(self.out, "{{{min},}}");
            }
            Some(Some(max)) if max < min => {
                return self.syntax(
                    start,
                    format!("quantifier {{{min},{max}}} has its minimum greater than its maximum"),
                );
            }
            Some(Some(max)) => {
                let _ = write!(self.out, "{{{min},{max}}}");
            }
        }
        Ok(())
    }

    /// An optional decimal repetition count.
    fn number(&mut self) -> Result<Option<u32>> {
        let start = self.pos;
        let mut value: Option<u32> = None;
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            let next = value
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|v| v.checked_add(digit));
            let Some(next) = next else {
                return Err(PatternError::TooLarge {
                    pattern: self.source.to_string(),
                    detail: format!(
                        "the repetition count at character offset {start} does not fit in 32 bits"
                    ),
                });
            };
            value = Some(next);
            self.pos += 1;
        }
        Ok(value)
    }

    /// charClassExpr ::= '[' ( '^' )? posCharGroup ( '-' charClassExpr )? ']'
    ///
    /// Returns the class in Rust syntax; `self.pos` is at the '['.
    fn class_expr(&mut self) -> Result<String> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let caret = if negated { "^" } else { "" };
        let mut items = String::new();
        let mut count = 0usize;
        let class = loop {
            let Some(c) = self.peek() else {
                return self.syntax(
                    open,
                    "unterminated character class: '[' has no matching ']'",
                );
            };
            match c {
                ']' => {
                    if count == 0 {
                        return self.syntax(
                            open,
                            "empty character class (escape a literal ']' as '\\]')",
                        );
                    }
                    self.pos += 1;
                    break format!("[{caret}{items}]");
                }
                '-' if self.peek_at(1) == Some('[') => {
                    if count == 0 {
                        return self.syntax(
                            self.pos,
                            "a character class subtraction '-[...]' needs characters to \
                             subtract from",
                        );
                    }
                    self.pos += 1;
                    let subtracted = self.class_expr()?;
                    if self.peek() != Some(']') {
                        return self.syntax(
                            self.pos,
                            "a character class subtraction '-[...]' must come last in its \
                             class (expected ']')",
                        );
                    }
                    self.pos += 1;
                    break format!("[[{caret}{items}]--{subtracted}]");
                }
                '-' => {
                    if count == 0 || matches!(self.peek_at(1), Some(']') | None) {
                        self.pos += 1;
                        push_literal(&mut items, '-');
                        count += 1;
                    } else {
                        return self.syntax(
                            self.pos,
                            "'-' in a character class must be escaped as '\\-' unless it is \
                             the first or last character or part of a range such as 'a-z'",
                        );
                    }
                }
                '[' => {
                    return self.syntax(
                        self.pos,
                        "'[' inside a character class must be escaped as '\\[' \
                         (a subtraction is written '-[...]' at the end of the class)",
                    );
                }
                _ => {
                    self.class_item(&mut items)?;
                    count += 1;
                }
            }
        };
        self.depth -= 1;
        Ok(class)
    }

    /// One character, range or escape inside a class, appended to `items`.
    fn class_item(&mut self, items: &mut String) -> Result<()> {
        let start = self.pos;
        // A '-' followed by something other than ']' or '[' makes a range.
        let range_follows =
            |t: &Self| t.peek() == Some('-') && !matches!(t.peek_at(1), Some(']' | '[') | None);
        let low = match self.class_char()? {
            Escape::Set(set) => {
                items.push_str(&set);
                if range_follows(self) {
                    return self.syntax(
                        start,
                        "a multi-character escape such as '\\d' cannot start a range",
                    );
                }
                return Ok(());
            }
            Escape::Char(c) => c,
        };
        if !range_follows(self) {
            push_literal(items, low);
            return Ok(());
        }
        self.pos += 1;
        let end = self.pos;
        let high = match self.peek() {
            Some('-') => {
                return self.syntax(end, "'-' as the end of a range must be escaped as '\\-'");
            }
            _ => match self.class_char()? {
                Escape::Char(c) => c,
                Escape::Set(_) => {
                    return self.syntax(
                        end,
                        "a multi-character escape such as '\\d' cannot end a range",
                    );
                }
            },
        };
        if low > high {
            return self.syntax(
                start,
                format!(
                    "character range '{}-{}' is out of order (U+{:04X} > U+{:04X})",
                    low.escape_debug(),
                    high.escape_debug(),
                    u32::from(low),
                    u32::from(high)
                ),
            );
        }
        push_literal(items, low);
        items.push('-');
        push_literal(items, high);
        Ok(())
    }

    /// A single character or escape inside a class ('[', ']' and '-' have
    /// been dealt with by the caller, except as range ends).
    fn class_char(&mut self) -> Result<Escape> {
        match self.peek() {
            Some('\\') => self.escape(),
            Some(c @ ('[' | ']')) => self.syntax(
                self.pos,
                format!("'{c}' inside a character class must be escaped as '\\{c}'"),
            ),
            Some(c) => {
                self.pos += 1;
                Ok(Escape::Char(c))
            }
            None => self.syntax(
                self.pos,
                "unterminated character class: '[' has no matching ']'",
            ),
        }
    }

    /// An escape; `self.pos` is at the '\'.
    fn escape(&mut self) -> Result<Escape> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return self.syntax(
                start,
                "dangling '\\' at the end of the pattern (write '\\\\' for a literal backslash)",
            );
        };
        self.pos += 1;
        let set = |s: &str| Ok(Escape::Set(s.to_string()));
        match c {
            'n' => Ok(Escape::Char('\n')),
            'r' => Ok(Escape::Char('\r')),
            't' => Ok(Escape::Char('\t')),
            '\\' | '|' | '.' | '-' | '^' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '[' | ']' => {
                Ok(Escape::Char(c))
            }
            's' => set(r"[\x{20}\x{9}\x{A}\x{D}]"),
            'S' => set(r"[^\x{20}\x{9}\x{A}\x{D}]"),
            'd' => set(r"\p{Nd}"),
            'D' => set(r"\P{Nd}"),
            'w' => set(r"[^\p{P}\p{Z}\p{C}]"),
            'W' => set(r"[\p{P}\p{Z}\p{C}]"),
            'i' => Ok(Escape::Set(ranges_class(&[NAME_START_CHARS], false))),
            'I' => Ok(Escape::Set(ranges_class(&[NAME_START_CHARS], true))),
            'c' => Ok(Escape::Set(ranges_class(
                &[NAME_START_CHARS, NAME_EXTRA_CHARS],
                false,
            ))),
            'C' => Ok(Escape::Set(ranges_class(
                &[NAME_START_CHARS, NAME_EXTRA_CHARS],
                true,
            ))),
            'p' | 'P' => self.property(start, c == 'P'),
            '0'..='9' => self.unsupported(
                start,
                format!("backreferences such as '\\{c}' are not part of XSD regular expressions"),
            ),
            'b' | 'B' | 'A' | 'z' | 'Z' | 'G' => self.unsupported(
                start,
                format!(
                    "'\\{c}' (anchors and word boundaries) is not part of XSD regular \
                     expressions; XSD patterns always match the whole value"
                ),
            ),
            'x' | 'u' | 'U' => self.unsupported(
                start,
                format!(
                    "'\\{c}' hex escapes are not part of XSD regular expressions; write the \
                     character itself (in the schema, a reference such as '&#x41;' works)"
                ),
            ),
            other => self.syntax(
                start,
                format!("unknown escape '\\{}'", other.escape_debug()),
            ),
        }
    }

    /// `\p{Name}` / `\P{Name}`; `self.pos` is just after the 'p' or 'P'.
    fn property(&mut self, start: usize, negated: bool) -> Result<Escape> {
        let letter = if negated { 'P' } else { 'p' };
        if self.peek() != Some('{') {
            return self.syntax(
                start,
                format!(
                    "'\\{letter}' must be followed by a name in braces, such as \
                     '\\{letter}{{Lu}}' or '\\{letter}{{IsBasicLatin}}'"
                ),
            );
        }
        self.pos += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    break;
                }
                Some(c) if c.is_ascii_alphanumeric() || c == '-' => {
                    name.push(c);
                    self.pos += 1;
                }
                Some(c) => {
                    return self.syntax(
                        self.pos,
                        format!(
                            "unexpected '{}' in a '\\{letter}{{..}}' property name",
                            c.escape_debug()
                        ),
                    );
                }
                None => {
                    return self
                        .syntax(start, format!("unterminated '\\{letter}{{': missing '}}'"));
                }
            }
        }
        if name.is_empty() {
            return self.syntax(start, format!("empty property name in '\\{letter}{{}}'"));
        }
        if let Some(block) = name.strip_prefix("Is") {
            return match BLOCKS.iter().find(|(known, _)| *known == block) {
                Some((_, ranges)) => Ok(Escape::Set(ranges_class(&[ranges], negated))),
                None => self.unsupported(
                    start,
                    format!(
                        "unknown Unicode block '{name}' (XSD 1.0 block names are written \
                         without spaces, e.g. 'IsBasicLatin', 'IsLatin-1Supplement', \
                         'IsCJKUnifiedIdeographs')"
                    ),
                ),
            };
        }
        if CATEGORIES.contains(&name.as_str()) {
            return Ok(Escape::Set(format!("\\{letter}{{{name}}}")));
        }
        self.unsupported(
            start,
            format!(
                "unknown Unicode general category '{name}' (XSD accepts L, Lu, Ll, Lt, Lm, Lo, \
                 M, Mn, Mc, Me, N, Nd, Nl, No, P, Pc, Pd, Ps, Pe, Pi, Pf, Po, Z, Zs, Zl, Zp, \
                 S, Sm, Sc, Sk, So, C, Cc, Cf, Co, Cn, or a block such as 'IsBasicLatin')"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(xsd: &str) -> Pattern {
        Pattern::compile(xsd).unwrap_or_else(|e| panic!("{xsd:?} should compile: {e}"))
    }

    /// Asserts that `xsd` accepts every value in `yes` and rejects every value in `no`.
    fn check(xsd: &str, yes: &[&str], no: &[&str]) {
        let p = pattern(xsd);
        for value in yes {
            assert!(p.is_match(value), "{xsd:?} should match {value:?}");
        }
        for value in no {
            assert!(!p.is_match(value), "{xsd:?} should not match {value:?}");
        }
    }

    fn error(xsd: &str) -> PatternError {
        match Pattern::compile(xsd) {
            Ok(p) => panic!(
                "{xsd:?} should be rejected, compiled to {:?}",
                p.regex.as_str()
            ),
            Err(e) => e,
        }
    }

    fn syntax_error(xsd: &str) -> (usize, String) {
        match error(xsd) {
            PatternError::Syntax {
                pattern,
                offset,
                detail,
            } => {
                assert_eq!(pattern, xsd);
                (offset, detail)
            }
            other => panic!("{xsd:?}: expected a syntax error, got {other:?}"),
        }
    }

    fn unsupported_error(xsd: &str) -> String {
        match error(xsd) {
            PatternError::Unsupported {
                pattern, detail, ..
            } => {
                assert_eq!(pattern, xsd);
                detail
            }
            other => panic!("{xsd:?}: expected an unsupported error, got {other:?}"),
        }
    }

    #[test]
    fn source_is_kept() {
        assert_eq!(pattern("[A-Z]{3}").source(), "[A-Z]{3}");
    }

    #[test]
    fn patterns_are_anchored() {
        check(
            "abc",
            &["abc"],
            &["xabc", "abcx", "xabcx", "ab", "", "abc\n"],
        );
        check("a|b", &["a", "b"], &["ab", "ba", ""]);
        check("", &[""], &["a"]);
    }

    #[test]
    fn iban_like() {
        check(
            "[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}",
            &[
                "DE89370400440532013000",
                "GB29NWBK60161331926819",
                "NO9386011117947",
            ],
            &[
                "de89370400440532013000",
                "DE8937040044",
                "DE89 3704 0044 0532 0130 00",
                "D189370400440532013000",
            ],
        );
    }

    #[test]
    fn digits_with_literal_dash() {
        check(
            r"\d{3}-\d{4}",
            &["555-1234", "٥٥٥-١٢٣٤"],
            &["5551234", "555-123", "55a-1234", "555-12345"],
        );
    }

    #[test]
    fn currency_code() {
        check("[A-Z]{3}", &["EUR", "USD"], &["eur", "EU", "EURO", "€"]);
    }

    #[test]
    fn email_ish() {
        check(
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
            &["jane.doe+orders@example.co.uk", "a@b.cd"],
            &[
                "jane@localhost",
                "@example.com",
                "jane doe@example.com",
                "jane@example.c",
            ],
        );
    }

    #[test]
    fn unicode_categories() {
        check(
            r"\p{Lu}\p{Ll}+",
            &["Hello", "Émile", "Ωμέγα"],
            &["hello", "HELLO", "H", "Hello1"],
        );
        check(r"\P{L}+", &["123 !", "\u{0}"], &["a1"]);
        check(r"\p{Sc}", &["€", "$", "¥"], &["E"]);
        check(r"\p{Nd}\p{Zs}\p{Po}", &["1 !"], &["1 a"]);
        check(r"\p{Cn}?", &[""], &["a"]);
        for category in CATEGORIES {
            pattern(&format!(
                r"\p{{{category}}}\P{{{category}}}[\p{{{category}}}\P{{{category}}}]"
            ));
        }
    }

    #[test]
    fn name_chars() {
        check(
            r"\i\c*",
            &["order", "_x", "ns:Order-Line.2", "été", "名前"],
            &["1abc", "-a", ".a", "a b", ""],
        );
        check(r"\I\C", &["1 "], &["a1", "1a"]);
    }

    #[test]
    fn class_subtraction() {
        check(r"[\p{L}-[\p{Lu}]]+", &["abc", "éß"], &["aBc", "ABC", "a1"]);
        check("[a-z-[aeiou]]+", &["bcd", "xyz"], &["bad", "BCD"]);
        // Nested subtraction: [a-z-[aeiou-[e]]] is a-z minus {a, i, o, u}.
        check("[a-z-[aeiou-[e]]]+", &["bed", "e"], &["bad", "bid"]);
        // A negated base: anything but digits, minus space.
        check(r"[^0-9-[ ]]+", &["abc"], &["a c", "a1"]);
        check(r"[\w-[\d]]+", &["abc+"], &["ab1", "a_"]);
    }

    #[test]
    fn negated_multi_char_escape_in_class() {
        check(
            r"[^\s]+",
            &["abc", "a-b"],
            &["a b", "a\tb", "a\nb", "a\rb", ""],
        );
        check(r"\S+", &["abc"], &["a b"]);
        // \s is only the four XML whitespace characters.
        check(
            r"\s",
            &[" ", "\t", "\n", "\r"],
            &["\u{A0}", "\u{2003}", "\u{B}"],
        );
        check(r"[\s\d]+", &["1 2\t3"], &["1a"]);
    }

    #[test]
    fn word_escape() {
        // XSD \w excludes all punctuation, including '_' (Pc), but keeps symbols.
        check(
            r"\w+",
            &["abc", "a1", "x+y", "€"],
            &["a b", "a-b", "a.b", "a_b", "a\u{200B}"],
        );
        check(r"\W", &[" ", "-", ".", "\u{7}"], &["a", "+"]);
    }

    #[test]
    fn dot_excludes_line_ends() {
        check(".", &["a", " ", "\t", "é", "😀"], &["\n", "\r", "", "ab"]);
        check(".*", &["", "abc def"], &["line1\nline2", "a\r"]);
        check("[.]", &["."], &["a"]);
    }

    #[test]
    fn single_char_escapes() {
        check(r"\.", &["."], &["a"]);
        check(r"\-", &["-"], &["a"]);
        check(r"a\.b\-c", &["a.b-c"], &["axb-c"]);
        check(r"\\\|\^\?\*\+\{\}\(\)\[\]", &[r"\|^?*+{}()[]"], &[""]);
        check(r"\n\r\t", &["\n\r\t"], &["nrt"]);
        check(r"[\n\t]", &["\n", "\t"], &["n"]);
        check(r"[\[\]\-\\]+", &["[]-\\"], &["a"]);
    }

    #[test]
    fn caret_and_dollar_are_literals() {
        check("a^b", &["a^b"], &["ab", "b"]);
        check("a$b", &["a$b"], &["a", "ab"]);
        check("^abc$", &["^abc$"], &["abc"]);
        check(r"$?\d+", &["$12", "12"], &["$$1"]);
        check("[$^]+", &["$^$"], &["a"]);
        check("[a^]", &["a", "^"], &["b"]);
        check("[^^]", &["a"], &["^"]);
    }

    #[test]
    fn block_escapes() {
        check(
            r"\p{IsBasicLatin}+",
            &["Hello, world!", "\u{0}\u{7F}"],
            &["héllo", "\u{80}"],
        );
        check(r"\P{IsBasicLatin}", &["é", "日"], &["e"]);
        check(r"\p{IsGreek}+", &["αβγ"], &["abc"]);
        check(r"\p{IsCyrillic}+", &["Привет"], &["Privet"]);
        check(
            r"\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}",
            &["あア日"],
            &["アあ日"],
        );
        check(r"\p{IsLatin-1Supplement}", &["é"], &["e"]);
        check(
            r"\p{IsPrivateUse}",
            &["\u{E000}", "\u{F0000}", "\u{10FFFD}"],
            &["a"],
        );
        check(r"[\p{IsCurrencySymbols}\p{IsArrows}]+", &["€→"], &["$"]);
        check(r"[\p{IsBasicLatin}-[a-z]]+", &["ABC"], &["AbC"]);
        // Surrogate blocks can never match a Rust string, and their complement matches anything.
        check(r"\p{IsHighSurrogates}?", &[""], &["a"]);
        check(r"[^\p{IsLowSurrogates}]", &["a", "😀"], &[""]);
        for (name, _) in BLOCKS {
            pattern(&format!(
                r"\p{{Is{name}}}\P{{Is{name}}}[\p{{Is{name}}}-[a]]"
            ));
        }
    }

    #[test]
    fn quantifier_forms() {
        check("a?", &["", "a"], &["aa"]);
        check("a*", &["", "a", "aaaa"], &["b"]);
        check("a+", &["a", "aaa"], &[""]);
        check("a{3}", &["aaa"], &["aa", "aaaa"]);
        check("a{2,}", &["aa", "aaaaaa"], &["a"]);
        check("a{2,3}", &["aa", "aaa"], &["a", "aaaa"]);
        check("a{0,0}b", &["b"], &["ab"]);
        check("a{1,1}", &["a"], &["aa"]);
        check("(ab){2}", &["abab"], &["ab", "aab"]);
        check(
            "[0-9]{1,3}(,[0-9]{3})*",
            &["1", "1,000", "12,345,678"],
            &["1,00", ",000"],
        );
    }

    #[test]
    fn alternation_and_groups() {
        check("(a|)", &["a", ""], &["aa"]);
        check("(|a)b", &["b", "ab"], &["aab"]);
        check("a||b", &["a", "", "b"], &["ab"]);
        check("((a|b)(c|d))+", &["ac", "bdad"], &["ab", "a"]);
        check("(((x)))", &["x"], &[""]);
        check("()*x", &["x"], &[""]);
        check("0|1|true|false", &["0", "true"], &["2", "truefalse"]);
    }

    #[test]
    fn dash_in_classes() {
        check("[-a]", &["-", "a"], &["b"]);
        check("[a-]", &["-", "a"], &["b"]);
        check("[^-a]", &["b"], &["-", "a"]);
        check("[-]", &["-"], &[""]);
        check(r"[a\-z]", &["a", "-", "z"], &["b"]);
        check("[a-c-]", &["b", "-"], &["d"]);
        let (offset, detail) = syntax_error("[a-c-e]");
        assert_eq!(offset, 4);
        assert!(detail.contains("'-'"), "{detail}");
        syntax_error("[+--]");
        syntax_error(r"[\d-z]");
        syntax_error(r"[a-\d]");
    }

    #[test]
    fn non_ascii_literals_and_ranges() {
        check("[à-ÿ]+", &["éü"], &["e"]);
        check("日本", &["日本"], &["日"]);
        check("[😀-😂]", &["😁"], &["😃"]);
    }

    #[test]
    fn unknown_block_is_an_error() {
        let detail = unsupported_error(r"\p{IsNotABlock}");
        assert!(detail.contains("IsNotABlock"), "{detail}");
        unsupported_error(r"\p{Is}");
        unsupported_error(r"[\P{IsBasiclatin}]");
    }

    #[test]
    fn unknown_or_non_xsd_properties_are_errors() {
        unsupported_error(r"\p{Greek}");
        unsupported_error(r"\p{Letter}");
        unsupported_error(r"\p{Cs}");
        syntax_error(r"\p{L&}");
        syntax_error(r"\p{}");
        syntax_error(r"\pL");
        syntax_error(r"\p{Lu");
    }

    #[test]
    fn unbalanced_groups() {
        let (offset, detail) = syntax_error("(ab");
        assert_eq!(offset, 0);
        assert!(detail.contains("unbalanced '('"), "{detail}");
        let (offset, _) = syntax_error("a(b(c)");
        assert_eq!(offset, 1);
        let (offset, detail) = syntax_error("ab)");
        assert_eq!(offset, 2);
        assert!(detail.contains("unmatched ')'"), "{detail}");
        syntax_error("[ab");
        syntax_error("ab]");
        syntax_error("a}");
        syntax_error("[]");
        syntax_error("[^]");
        syntax_error("[a[b]]");
    }

    #[test]
    fn reversed_range() {
        let (offset, detail) = syntax_error("[z-a]");
        assert_eq!(offset, 1);
        assert!(detail.contains("out of order"), "{detail}");
        syntax_error("a{3,2}");
    }

    #[test]
    fn dangling_backslash() {
        let (offset, detail) = syntax_error("abc\\");
        assert_eq!(offset, 3);
        assert!(detail.contains("dangling"), "{detail}");
        syntax_error("[a\\");
        syntax_error(r"\q");
        syntax_error(r"\$");
    }

    #[test]
    fn rust_and_perl_features_do_not_leak() {
        for xsd in ["(?i)abc", "(?:a)", "(?=a)", "(?<n>a)", "a(?!b)"] {
            let detail = unsupported_error(xsd);
            assert!(detail.contains("'(?'"), "{xsd}: {detail}");
        }
        assert!(unsupported_error("a*?").contains("lazy"));
        assert!(unsupported_error("a{2,3}?").contains("lazy"));
        assert!(unsupported_error("a++").contains("possessive"));
        unsupported_error(r"(a)\1");
        unsupported_error(r"\bword\b");
        unsupported_error(r"\Aabc\z");
        unsupported_error(r"\x41");
        unsupported_error(r"\u0041");
        syntax_error("a**");
        syntax_error("a{2}{3}");
        syntax_error("*a");
        syntax_error("a|+");
        syntax_error("a{,3}");
        syntax_error("a{x}");
        syntax_error("a{2");
        syntax_error("{2}");
        // Characters special to the regex crate but ordinary in XSD stay literal.
        check("a#b c", &["a#b c"], &["ab"]);
        check("[a&&b]", &["a", "&", "b"], &["ab"]);
        check("[a~~b]", &["~"], &["c"]);
        check("<x>", &["<x>"], &["x"]);
        syntax_error("[[:alpha:]]");
    }

    #[test]
    fn huge_patterns_are_refused() {
        let long = "a".repeat(MAX_PATTERN_CHARS + 1);
        match error(&long) {
            PatternError::TooLarge { pattern, detail } => {
                assert_eq!(pattern.len(), long.len());
                assert!(detail.contains("10001 characters"), "{detail}");
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // Just within the length limit is fine.
        pattern(&"a".repeat(MAX_PATTERN_CHARS));
        // Short but with a huge compiled form.
        for xsd in [
            r"\w{1,1000}",
            "(a{1000}){1000}",
            ".{0,100000}",
            "[\\p{L}\\p{N}]{4294967295}",
        ] {
            assert!(
                matches!(error(xsd), PatternError::TooLarge { .. }),
                "{xsd:?} should be too large"
            );
        }
        assert!(matches!(
            error("a{4294967296}"),
            PatternError::TooLarge { .. }
        ));
        // Deep nesting is refused before it can exhaust the stack.
        let deep = format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000));
        assert!(matches!(error(&deep), PatternError::TooLarge { .. }));
        let deep_class = format!("{}]", "[a-".repeat(1000)) + &"]".repeat(999);
        assert!(matches!(error(&deep_class), PatternError::TooLarge { .. }));
        // Nesting within the limit works.
        let ok = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        check(&ok, &["a"], &["aa"]);
        let ok = "[a-z-".repeat(MAX_NESTING - 1) + "[q]" + &"]".repeat(MAX_NESTING - 1);
        pattern(&ok);
    }

    #[test]
    fn realistic_facets_fit_the_size_limit() {
        pattern(r"[\p{L} '\-]{1,100}");
        pattern(r".{0,4000}");
        pattern(r"\w{1,100}");
        pattern(r"\c{1,64}");
    }

    #[test]
    fn errors_name_the_pattern() {
        let message = error("[z-a]").to_string();
        assert!(message.contains("\"[z-a]\""), "{message}");
        assert!(message.contains("out of order"), "{message}");
        let message = error(r"\p{IsNotABlock}").to_string();
        assert!(message.contains(r#""\\p{IsNotABlock}""#), "{message}");
        let message = error(&"b".repeat(20_000)).to_string();
        assert!(message.contains("20000 characters"), "{message}");
        assert!(
            message.len() < 300,
            "long patterns are shortened: {message}"
        );
    }
}
