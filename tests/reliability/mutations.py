"""Seeded mutations for the reader fuzzer.

Damaged bytes mostly stop at a file's first gate (not UTF-8, not a zip, not XML), so each
structure is also damaged in ways that pass it: text edited as text, JSON and XML with
odd values put into a well-formed tree, one member of a zip damaged and the zip rebuilt,
a GeoPackage's rows changed through SQLite. ``mutants`` draws from these by weight.
"""

from __future__ import annotations

import copy
import io
import json
import random
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from tests.bad_files.make_bad_files import zip_bytes

Mutation = Callable[[random.Random, bytes], bytes]

# Bytes and text that mean something to one reader or another.
TOKENS = (
    b"NaN",
    b"Infinity",
    b"-1e999",
    b"\x00",
    b'"',
    b",",
    b";",
    b"\t",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b"</",
    b"&amp;",
    b"(",
    b")",
    b"\xff\xfe",
    b"\xc3",
    b"9" * 40,
    b"GEOMETRYCOLLECTION (",
    b"sep=",
)
# Well-formed text a reader may not expect: numbers out of range, references out of the
# sheet, coordinates with too many or too few parts, very long words.
ODD_TEXT = (
    "",
    " ",
    "NaN",
    "inf",
    "-1e999",
    "9" * 400,
    "0",
    "-1",
    "1048577",
    "A0",
    "ZZZZ1",
    "A99999999999",
    "XFD1",
    "105.7,21.0,0,5,6",
    "105.7",
    "105.7,21.0 " * 50,
    "x" * 300,
    "Cụm công nghiệp",
    "\u00a0",
)
ODD_VALUES: tuple[Any, ...] = (
    None,
    "",
    0,
    -1,
    10**30,
    1e308,
    float("nan"),
    float("inf"),
    True,
    [],
    {},
    [[[[[]]]]],
    "NaN",
    "x" * 500,
    {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": []}]},
)
ODD_SQL: tuple[Any, ...] = (
    None,
    "",
    0,
    -1,
    2**62,
    1e308,
    "NaN",
    "x" * 500,
    b"",
    b"GP\x00\x01" + bytes(range(40)),
    99999,
    "GEOGCS[garbage]",
    "9999-99-99",
    b'GEOGCS["\xff\xfe"]',  # not UTF-8, where text is expected
)


# Bytes -----------------------------------------------------------------------------------


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    chunk = rng.choice(TOKENS) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 32))
    return data[:at] + chunk * rng.randint(1, 4) + data[at:]


def duplicate(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, max(1, len(data) // 4))]
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk * rng.randint(1, 8) + data[at:]


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 3)):
        data = rng.choice((flip, truncate, insert, duplicate))(rng, data)
    return data


# Structures that stay well-formed --------------------------------------------------------


def mutate_text(rng: random.Random, data: bytes) -> bytes:
    """Edited as text, so it stays UTF-8 and reaches the parser."""
    text = data.decode("utf-8", errors="replace")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        op = rng.randrange(4)
        if op == 0:
            word = rng.choice(TOKENS).decode("utf-8", "replace")
            text = text[:at] + (word if rng.random() < 0.5 else rng.choice(ODD_TEXT)) + text[at:]
        elif op == 1:
            text = text[:at] + text[at + rng.randint(1, 40) :]
        elif op == 2:
            text = text[:at] + text[at : at + rng.randint(1, 200)] * rng.randint(2, 5) + text[at:]
        else:
            text = text[:at]
    return text.encode()


def mutate_json(rng: random.Random, data: bytes) -> bytes:
    """Well-formed JSON with odd values put in: reaches the reader behind the parser."""
    doc = json.loads(data)
    for _ in range(rng.randint(1, 4)):
        parent: Any = None
        key: Any = None
        node: Any = doc
        while isinstance(node, dict | list) and node and rng.random() < 0.8:
            parent = node
            key = rng.choice(sorted(node) if isinstance(node, dict) else range(len(node)))
            node = node[key]
        if parent is not None:
            parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))  # never shared: no cycles
    return json.dumps(doc, ensure_ascii=False).encode()


def mutate_xml(rng: random.Random, data: bytes) -> bytes:
    """Well-formed XML with odd text and attributes, elements repeated or removed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser=parser)
    for _ in range(rng.randint(1, 3)):
        el = rng.choice(list(root.iter()))
        parent = el.getparent()
        op = rng.randrange(4)
        if op == 0:
            el.text = rng.choice(ODD_TEXT)
        elif op == 1 and el.attrib:
            el.set(rng.choice(sorted(el.attrib)), rng.choice(ODD_TEXT))
        elif op == 2 and parent is not None:
            for _ in range(rng.randint(1, 20)):
                parent.insert(parent.index(el), copy.deepcopy(el))
        elif parent is not None:
            parent.remove(el)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def mutate_member(rng: random.Random, data: bytes) -> bytes:
    """One member of a zip damaged, the zip rebuilt: reaches the reader behind the unzip."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    victim = rng.choice(sorted(members))
    is_xml = victim.endswith((".xml", ".kml", ".rels"))
    how = rng.choice((mutate_xml, mutate_text, mutate_bytes) if is_xml else (mutate_bytes,))
    members[victim] = how(rng, members[victim])
    return zip_bytes(members)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mutate_gpkg(rng: random.Random, data: bytes) -> bytes:
    """A GeoPackage with some cells changed through SQLite: odd values, damaged blobs."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutant.gpkg"
        path.write_bytes(data)
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA synchronous = OFF")  # a scratch copy: no need to wait for disk
            con.execute("PRAGMA journal_mode = MEMORY")
            # The R-tree triggers call GDAL's SQL functions, which plain SQLite lacks.
            for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'"):
                con.execute(f"DROP TRIGGER {_quoted(trigger)}")
            tables = [t for (t,) in con.execute("SELECT table_name FROM gpkg_contents")]
            tables += ["gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys"]
            for _ in range(rng.randint(1, 3)):
                table = _quoted(rng.choice(tables))
                cols = [c for _, c, *_ in con.execute(f"PRAGMA table_info({table})")]
                rowids = [r for (r,) in con.execute(f"SELECT rowid FROM {table}")]
                if not rowids:
                    continue
                col, rowid = _quoted(rng.choice(cols)), rng.choice(rowids)
                query = f"SELECT {col} FROM {table} WHERE rowid = ?"
                value = con.execute(query, (rowid,)).fetchone()[0]
                if isinstance(value, bytes) and rng.random() < 0.7:
                    value = mutate_bytes(rng, value)
                else:
                    value = rng.choice(ODD_SQL)
                con.execute(f"UPDATE {table} SET {col} = ? WHERE rowid = ?", (value, rowid))
            con.commit()
        except sqlite3.Error:  # a constraint refused the change: keep what was committed
            con.rollback()
        finally:
            con.close()
        return path.read_bytes()


STRATEGIES: dict[str, tuple[tuple[float, Mutation], ...]] = {
    "json": ((0.5, mutate_json), (0.25, mutate_text), (0.25, mutate_bytes)),
    "xml": ((0.5, mutate_xml), (0.25, mutate_text), (0.25, mutate_bytes)),
    "text": ((0.6, mutate_text), (0.4, mutate_bytes)),
    "zip": ((0.7, mutate_member), (0.3, mutate_bytes)),
    "gpkg": ((0.6, mutate_gpkg), (0.4, mutate_bytes)),
}


def mutants(structure: str, sample: bytes, count: int, seed: str) -> list[bytes]:
    """``count`` damaged copies of ``sample``; the same seed gives the same copies."""
    rng = random.Random(seed)
    weights, strategies = zip(*STRATEGIES[structure], strict=True)
    return [rng.choices(strategies, weights)[0](rng, sample) for _ in range(count)]
