"""Generate rust_src/normalize/pyunicode_tables.rs from CPython 3.11's own Unicode data.

google-research/bert `tokenization.py` relies on `unicodedata` and `str` methods, so tokkit
must see Unicode exactly as CPython 3.11 does (Unicode 14.0.0), whatever Rust's std knows.
Every property is read from CPython itself (never from UCD files), by asking it about each
code point:

* category flags: `unicodedata.category` and `str.isspace`;
* the case kinds CPython's Final_Sigma rule uses, probed through `str.lower` (see `case_kind`);
* `str.lower` of every code point, and `unicodedata.normalize("NFD", ...)` of every code point
  except the Hangul syllables, which the Rust side decomposes algorithmically;
* canonical combining classes: `unicodedata.combining`.

Run from anywhere: `python3.11 tools/gen_pyunicode_tables.py`.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

UNICODE_VERSION = "14.0.0"
OUT = Path(__file__).resolve().parent.parent / "rust_src" / "normalize" / "pyunicode_tables.rs"

MAX_CP = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

# Category flag bits; the names are emitted as Rust constants of the same name.
FLAGS = {
    "CONTROL": (1, "category Cc or Cf"),
    "SPACE_SEPARATOR": (2, "category Zs"),
    "NONSPACING_MARK": (4, "category Mn"),
    "PUNCTUATION": (8, "category P*"),
    "WHITESPACE": (16, "`str.isspace()`"),
}

# Case kinds: all that CPython's `handle_capital_sigma` can tell apart (see `case_kind`).
CASE_KINDS = {
    "CASE_OTHER": (0, "neither cased nor case-ignorable"),
    "CASE_IGNORABLE": (1, "case-ignorable (cased or not: the Final_Sigma rule skips it)"),
    "CASED": (2, "cased and not case-ignorable"),
}

# Range tables carry a block index over the first two planes (nearly all real text): for each
# block of 2**BLOCK_SHIFT code points, the run its first code point is in, so a lookup binary
# searches only the few runs of one block instead of all of them.
BLOCK_SHIFT = 8
INDEXED_BLOCKS = 0x20000 >> BLOCK_SHIFT

# NFD property value of a code point whose canonical decomposition is not itself; any other
# value is the canonical combining class (at most 240 in Unicode).
DECOMPOSES = 255

# A mapping value with this bit set points into an expansion array: bits 8..31 hold the
# offset, bits 0..7 the length. Any other value is the single code point mapped to.
EXPANSION_BIT = 1 << 31


def code_points() -> range:
    return range(MAX_CP + 1)


def is_surrogate(cp: int) -> bool:
    return 0xD800 <= cp <= 0xDFFF


def category_flags(cp: int) -> int:
    c = chr(cp)
    cat = unicodedata.category(c)
    flags = 0
    if cat in ("Cc", "Cf"):
        flags |= FLAGS["CONTROL"][0]
    if cat == "Zs":
        flags |= FLAGS["SPACE_SEPARATOR"][0]
    if cat == "Mn":
        flags |= FLAGS["NONSPACING_MARK"][0]
    if cat.startswith("P"):
        flags |= FLAGS["PUNCTUATION"][0]
    if c.isspace():
        flags |= FLAGS["WHITESPACE"][0]
    return flags


def case_kind(cp: int) -> int:
    """What CPython's Final_Sigma rule sees in `cp`, probed through `str.lower`.

    `handle_capital_sigma` looks back from U+03A3 past case-ignorable chars to the first one
    that is not, and asks whether it is cased (and likewise forward). So only three kinds
    matter: case-ignorable (skipped, cased or not), cased and not ignorable, and neither.
    Before a final sigma, "A" (cased) is reached only through an ignorable char, and "1"
    (not cased) is never a reason to make it final.
    """
    c = chr(cp)
    after_cased = ("A" + c + "\u03a3").lower()[-1] == "\u03c2"
    after_uncased = ("1" + c + "\u03a3").lower()[-1] == "\u03c2"
    if after_uncased:
        assert after_cased, f"U+{cp:04X}: final after '1' but not after 'A'"
        return CASE_KINDS["CASED"][0]
    return CASE_KINDS["CASE_IGNORABLE"][0] if after_cased else CASE_KINDS["CASE_OTHER"][0]


def nfd_prop(cp: int) -> int:
    if HANGUL_FIRST <= cp <= HANGUL_LAST:
        return 0
    c = chr(cp)
    if unicodedata.normalize("NFD", c) != c:
        return DECOMPOSES
    return unicodedata.combining(c)


def runs(prop: Callable[[int], int]) -> list[tuple[int, int]]:
    """(first code point, value) at every change of `prop`, starting at code point 0.

    Surrogates (never a Rust char) take the value of the code point before them so they do
    not split a run.
    """
    out: list[tuple[int, int]] = []
    for cp in code_points():
        value = out[-1][1] if is_surrogate(cp) else prop(cp)
        if not out or out[-1][1] != value:
            out.append((cp, value))
    return out


def block_index(table: list[tuple[int, int]]) -> list[int]:
    """For block b in 0..=INDEXED_BLOCKS, the index of the run holding code point b << SHIFT."""
    out = []
    for b in range(INDEXED_BLOCKS + 1):
        cp = b << BLOCK_SHIFT
        out.append(sum(1 for start, _ in table if start <= cp) - 1)
    assert out[-1] < 1 << 16
    return out


def mappings(mapped: Callable[[int], str]) -> tuple[list[tuple[int, int]], list[int]]:
    """Sorted (code point, packed value) for every code point that `mapped` changes, and the
    expansion array the multi-char values point into."""
    entries: list[tuple[int, int]] = []
    expansions: list[int] = []
    for cp in code_points():
        if is_surrogate(cp):
            continue
        out = mapped(cp)
        if out == chr(cp):
            continue
        if len(out) == 1:
            entries.append((cp, ord(out)))
        else:
            assert 1 < len(out) < 256
            entries.append((cp, EXPANSION_BIT | (len(expansions) << 8) | len(out)))
            expansions.extend(ord(ch) for ch in out)
    assert len(expansions) < 1 << 23
    return entries, expansions


def nfd_mapping(cp: int) -> str:
    if HANGUL_FIRST <= cp <= HANGUL_LAST:
        return chr(cp)
    return unicodedata.normalize("NFD", chr(cp))


def check_invariants(
    nfd_expansions: list[int], nfd_entries: list[tuple[int, int]], lower: list[tuple[int, int]]
) -> None:
    """What the Rust side relies on without checking it again."""
    targets = list(nfd_expansions) + [v for _, v in nfd_entries if not v & EXPANSION_BIT]
    for cp in targets:
        assert nfd_prop(cp) != DECOMPOSES, f"U+{cp:04X} in a decomposition decomposes again"
    assert max(unicodedata.combining(chr(cp)) for cp in code_points()) < DECOMPOSES
    # The Rust ASCII fast paths, written out there by hand, are compared here.
    for cp in range(128):
        c = chr(cp)
        assert nfd_prop(cp) == 0 and len(c.lower()) == 1
        assert ("A" + c + "\u03a3").lower()[-1] == (
            "\u03c2" if c.isalpha() or c in "'.:^`" else "\u03c3"
        )
        assert ("1" + c + "\u03a3").lower()[-1] == ("\u03c2" if c.isalpha() else "\u03c3")
    assert "\u03a3".lower() == "\u03c3"


def rust_array(name: str, ty: str, values: list[str], per_line: int) -> str:
    lines = [f"pub(super) static {name}: [{ty}; {len(values)}] = ["]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(values[i : i + per_line]) + ",")
    lines.append("];")
    return "\n".join(lines) + "\n"


def hexes(values: list[int]) -> list[str]:
    return [f"0x{v:X}" for v in values]


def chars(values: list[int]) -> list[str]:
    return [f"'\\u{{{v:X}}}'" for v in values]


def range_tables(prefix: str, doc: str, table: list[tuple[int, int]]) -> str:
    return (
        f"/// First code point of each run of equal {doc}; sorted, starts at 0.\n"
        + rust_array(f"{prefix}_STARTS", "u32", hexes([s for s, _ in table]), 12)
        + f"/// {doc[0].upper()}{doc[1:]} of each run in `{prefix}_STARTS`.\n"
        + rust_array(f"{prefix}_VALUES", "u8", [str(v) for _, v in table], 24)
        + f"/// For each block of planes 0 and 1, the run of `{prefix}_STARTS` it starts in.\n"
        + rust_array(f"{prefix}_BLOCKS", "u16", [str(v) for v in block_index(table)], 20)
    )


def block_bits(entries: list[tuple[int, int]]) -> list[int]:
    """Bit b set when block b (of planes 0 and 1) holds a key; no key may lie beyond."""
    words = [0] * (INDEXED_BLOCKS // 64)
    for cp, _ in entries:
        assert cp >> BLOCK_SHIFT < INDEXED_BLOCKS
        words[cp >> BLOCK_SHIFT >> 6] |= 1 << (cp >> BLOCK_SHIFT & 63)
    return words


def block_bits_table(prefix: str, entries: list[tuple[int, int]]) -> str:
    return (
        f"/// Bit b: block b (of planes 0 and 1) holds one of `{prefix}_KEYS`; none lie beyond.\n"
        + rust_array(f"{prefix}_BLOCK_BITS", "u64", [f"0x{w:016X}" for w in block_bits(entries)], 4)
    )


def mapping_tables(prefix: str, doc: str, entries: list[tuple[int, int]], exp: list[int]) -> str:
    return (
        f"/// Code points whose {doc} is not themselves; sorted.\n"
        + rust_array(f"{prefix}_KEYS", "u32", hexes([k for k, _ in entries]), 12)
        + f"/// {doc[0].upper()}{doc[1:]} of each of `{prefix}_KEYS`: a code point, or "
        "`EXPANSION_BIT | offset << 8 | len` into the expansion array.\n"
        + rust_array(f"{prefix}_VALUES", "u32", hexes([v for _, v in entries]), 10)
        + f"/// The multi-char values of `{prefix}_VALUES`.\n"
        + rust_array(f"{prefix}_EXPANSIONS", "char", chars(exp), 10)
    )


def generate() -> str:
    categories = runs(category_flags)
    cases = runs(case_kind)
    nfd_props = runs(nfd_prop)
    lower, lower_exp = mappings(lambda cp: chr(cp).lower())
    nfd, nfd_exp = mappings(nfd_mapping)
    check_invariants(nfd_exp, nfd, lower)

    consts = "".join(
        f"/// `CATEGORY_VALUES` bit: {doc}.\npub(super) const {k}: u8 = {v};\n"
        for k, (v, doc) in FLAGS.items()
    )
    consts += "".join(
        f"/// `CASE_VALUES`: {doc}.\npub(super) const {k}: u8 = {v};\n"
        for k, (v, doc) in CASE_KINDS.items()
    )
    header = (
        f"//! Unicode tables of CPython 3.11 (unicodedata {UNICODE_VERSION}); generated, do not"
        " edit.\n"
        "//!\n"
        "//! Regenerate with CPython 3.11: `python3.11 tools/gen_pyunicode_tables.py`.\n"
        "//! Range tables hold the first code point of each run and the run's value (binary\n"
        "//! search the starts); mapping tables hold sorted keys and packed values.\n"
        "\n"
    )
    nfd_consts = (
        "/// `NFD_PROP_VALUES`: the code point has a canonical decomposition.\n"
        f"pub(super) const DECOMPOSES: u8 = {DECOMPOSES};\n"
        "/// Marks a packed mapping value that points into an expansion array.\n"
        f"pub(super) const EXPANSION_BIT: u32 = 0x{EXPANSION_BIT:X};\n"
        "/// log2 of the block size of the `*_BLOCKS` indexes.\n"
        f"pub(super) const BLOCK_SHIFT: u32 = {BLOCK_SHIFT};\n"
        "\n"
    )
    return "".join(
        [
            header,
            consts,
            nfd_consts,
            range_tables("CATEGORY", "category flags", categories),
            range_tables("CASE", "case kinds", cases),
            range_tables("NFD_PROP", "canonical combining classes (or DECOMPOSES)", nfd_props),
            block_bits_table("LOWER", lower),
            mapping_tables("LOWER", "`str.lower()`", lower, lower_exp),
            mapping_tables("NFD", "full canonical decomposition", nfd, nfd_exp),
        ]
    )


def main() -> None:
    if sys.version_info[:2] != (3, 11) or unicodedata.unidata_version != UNICODE_VERSION:
        sys.exit(
            f"needs CPython 3.11 with Unicode {UNICODE_VERSION}, not Python "
            f"{sys.version.split()[0]} with Unicode {unicodedata.unidata_version}"
        )
    OUT.write_text(generate(), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
