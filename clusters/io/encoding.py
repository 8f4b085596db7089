"""Text encodings: read UTF-8 or UTF-16, and recognise legacy Vietnamese ones.

Lists from districts still arrive in the pre-Unicode encodings: TCVN3 (ABC, fonts .VnTime),
VNI-Windows (fonts VNI-Times) and Windows-1258. They are not guessed into Unicode silently —
a wrong guess would corrupt names — but recognised and reported, so the sender can convert
the file (e.g. with Unikey's converter) and send it again.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable

from clusters.io.errors import ImportFileError

LEGACY_NAMES = {
    "tcvn3": "TCVN3 (ABC, .VnTime)",
    "vni": "VNI-Windows",
    "cp1258": "Windows-1258",
}
# How "Công nghiệp" looks when each legacy encoding is read as Unicode.
_GARBLED = {"tcvn3": "C«ng nghiÖp", "vni": "Coâng nghieäp"}

# Vietnamese letters beyond ASCII, precomposed (NFC).
_VI_BASES = "aăâeêioôơuưy"
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook above, tilde, dot below
VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", b + t)
    for base in _VI_BASES
    for b in (base, base.upper())
    for t in ("", *_TONES)
) | frozenset("đĐ")
_TONED = frozenset(
    unicodedata.normalize("NFC", b + t)
    for base in _VI_BASES
    for b in (base, base.upper())
    for t in _TONES
)

# TCVN3 (TCVN 5712:1993, ABC): one byte per Vietnamese letter; toned capitals live in a
# separate font (.VnTimeH), so only the lower-case letters and toneless capitals are here.
_TCVN3_RUNS = (
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđ"),
    (0xB5, "àảãáạ"),
    (0xBB, "ằẳẵắ"),
    (0xC6, "ặầẩẫấậè"),
    (0xCE, "ẻẽéẹềểễếệìỉ"),
    (0xDC, "ĩíịò"),
    (0xE1, "ỏõóọồổỗốộờởỡớợù"),
    (0xF1, "ủũúụừửữứựỳỷỹýỵ"),
)
TCVN3_BYTES: dict[int, str] = {
    start + i: ch for start, run in _TCVN3_RUNS for i, ch in enumerate(run)
}

# VNI-Windows writes a letter as an ASCII base followed by a mark byte (cp1252 glyphs);
# a few letters are single bytes. Upper-case marks are the lower-case ones minus 0x20.
_VNI_TONE = {0xF9, 0xF8, 0xFB, 0xF5, 0xEF}  # ù ø û õ ï: acute grave hook tilde dot
_VNI_CIRCUMFLEX = {0xE2, 0xE1, 0xE0, 0xE5, 0xE3, 0xE4}  # â á à å ã ä: ^ and ^ + tone
_VNI_BREVE = {0xEA, 0xE9, 0xE8, 0xFA, 0xFC, 0xEB}  # ê é è ú ü ë: breve and breve + tone
_VNI_SINGLE = {0xF4, 0xF6, 0xF1, 0xEC, 0xED, 0xE6, 0xF3, 0xF2, 0xEE}  # ơ ư đ ì í ỉ ĩ ị ỵ
_VOWELS = set(b"aeiouyAEIOUY")


def _vni_ok(data: bytes, i: int) -> bool:
    """Whether the high byte at ``i`` fits VNI-Windows where it stands."""
    b = data[i]
    upper = 0xC0 <= b <= 0xDF
    low = b + 0x20 if upper else b
    prev = data[i - 1] if i else 0x20
    if low in _VNI_SINGLE:
        # Single-byte letters start a syllable or follow a consonant or another VNI letter.
        return not upper or not (0x61 <= prev <= 0x7A)
    if upper and 0x61 <= prev <= 0x7A:
        return False
    prev_low = prev | 0x20 if prev < 0x80 else prev
    if low in _VNI_TONE:
        return prev in _VOWELS or prev in (0xF4, 0xF6, 0xD4, 0xD6) or prev >= 0xC0
    if low in _VNI_CIRCUMFLEX:
        return prev_low in b"aeo"
    if low in _VNI_BREVE:
        return prev_low == ord("a")
    return False


def _looks_cp1258(data: bytes) -> bool:
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return False
    high = [ch for ch in text if ord(ch) > 0x7F]
    return bool(high) and all(ch in VIETNAMESE_LETTERS for ch in high)


def _looks_vni(data: bytes) -> bool:
    high = [i for i, b in enumerate(data) if b > 0x7F]
    return bool(high) and sum(_vni_ok(data, i) for i in high) >= 0.9 * len(high)


_WORD = re.compile(r"\w+")


def _looks_tcvn3(data: bytes) -> bool:
    if not any(b > 0x7F for b in data):
        return False
    if any(b > 0x7F and b not in TCVN3_BYTES for b in data):
        return False
    text = "".join(TCVN3_BYTES.get(b, chr(b)) for b in data)
    # A Vietnamese syllable carries at most one tone mark.
    return all(sum(ch in _TONED for ch in w) <= 1 for w in _WORD.findall(text))


# Legacy text is the same throughout a file: its first megabyte tells the encoding, and
# the byte-by-byte tests stay fast on a 50 MB file.
_SAMPLE = 1024 * 1024


def legacy_encoding(data: bytes) -> str | None:
    """Which legacy Vietnamese encoding non-UTF-8 bytes look like, if any."""
    data = data[:_SAMPLE]
    if _looks_cp1258(data):
        return "cp1258"
    if _looks_vni(data):
        return "vni"
    if _looks_tcvn3(data):
        return "tcvn3"
    return None


def legacy_error(found: str | None, saved_as_unicode: bool = False) -> ImportFileError:
    how_vi = "Hãy chuyển sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi lưu dạng UTF-8."
    how_en = "Convert it to Unicode (e.g. with Unikey's converter) and save it as UTF-8."
    if found is None:
        return ImportFileError(
            "Tệp không phải văn bản UTF-8 và không nhận ra bảng mã. " + how_vi,
            "The file is not UTF-8 text and its encoding is not recognised. " + how_en,
        )
    name = LEGACY_NAMES[found]
    if saved_as_unicode:
        return ImportFileError(
            f"Chữ trong tệp là bảng mã cũ {name} bị lưu nhầm thành Unicode "
            f"(«Công nghiệp» hiện thành «{_GARBLED[found]}»). " + how_vi,
            f"The text is in the legacy {name} encoding saved as if it were Unicode "
            f"('Công nghiệp' shows as '{_GARBLED[found]}'). " + how_en,
        )
    return ImportFileError(
        f"Tệp dùng bảng mã cũ {name}, không phải UTF-8. " + how_vi,
        f"The file uses the legacy {name} encoding, not UTF-8. " + how_en,
    )


def utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" for UTF-16 saved without a BOM, told by its NUL bytes.

    Text of mostly ASCII letters, digits and separators has a NUL in every other byte in
    UTF-16 (after each character in LE, before it in BE); UTF-8 text has hardly any NUL.
    """
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd >= 0.3 and nul_even <= 0.05:
        return "utf-16-le"
    if nul_even >= 0.3 and nul_odd <= 0.05:
        return "utf-16-be"
    return None


def _utf16_error() -> ImportFileError:
    return ImportFileError(
        "Tệp có vẻ là văn bản UTF-16 nhưng bị hỏng (cắt dở hoặc có ký tự sai), không đọc được. "
        "Hãy lưu lại dạng «CSV UTF-8».",
        "The file looks like UTF-16 text but is damaged (cut short or with invalid "
        "characters) and cannot be read. Save it again as 'CSV UTF-8'.",
    )


def decode_text(data: bytes) -> str:
    """Text of a file in UTF-8 (BOM or not) or UTF-16 (BOM or not); legacy encodings refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _utf16_error() from exc
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise _utf16_error() from exc
        check_text([text])  # one string: no list of a million lines
        return text
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise legacy_error(legacy_encoding(data)) from exc
    check_text([text])  # one string: no list of a million lines
    return text


def check_text(values: Iterable[object]) -> None:
    """Refuse text that is legacy-encoded Vietnamese read as Latin-1 (a .dbf without .cpg,
    a TCVN3 sheet saved as UTF-8): it decodes, but every name would be garbage."""
    texts = [v for v in values if isinstance(v, str) and v]
    joined = "\n".join(texts)
    if joined.isascii():
        return
    if _BEYOND_CP1252.search(joined):
        return  # real Unicode Vietnamese (ộ, ư, đ …) is present
    raw = joined.encode("cp1252", errors="replace")[:_SAMPLE]
    if len(raw) - len(raw.translate(None, _HIGH_BYTES)) < 3:
        return
    found = "vni" if _looks_vni(raw) else "tcvn3" if _looks_tcvn3(raw) else None
    if found:
        raise legacy_error(found, saved_as_unicode=True)


# Characters of cp1252's 0x80–0x9F block, which a Latin-1 reading can also produce.
_CP1252_EXTRA = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))
# A character beyond Latin-1 that a Latin-1/cp1252 reading cannot produce.
_BEYOND_CP1252 = re.compile(
    "[^\x00-\xff" + "".join(re.escape(ch) for ch in sorted(_CP1252_EXTRA)) + "]"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
