"""The filter a planner sets on the map, the list and exports — one definition for all.

It round-trips through URL query parameters so a filtered view can be sent as a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from clusters import i18n, stages
from clusters.errors import BadLink
from clusters.model import BATCHES, CLUSTER_TYPES, WWTP_STATUSES, Cluster
from clusters.text import fold, match_score

DEFAULT_STAGES = tuple(c for c in stages.STAGE_CODES if c != stages.TERMINAL)
_LISTS = ("stages", "batches", "districts", "communes", "types", "wwtp")
_UNKNOWN = "unknown"  # stands for "not recorded" in batch and wastewater filters
TEXT_MAX = 200
AREA_MAX = 100_000.0  # ha; all of Hanoi is about 336,000 ha, its largest cluster under 100
_SHOWN_MAX = 40  # characters of a bad value repeated in a message
_REGISTRY_LISTS = ("districts", "communes")  # values come from the registry, not a code list


@dataclass(frozen=True)
class ClusterFilter:
    stages: tuple[str, ...] = DEFAULT_STAGES
    batches: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # 2025 commune codes
    types: tuple[str, ...] = ()
    wwtp: tuple[str, ...] = ()
    verified_only: bool = False
    area_min: float | None = None
    area_max: float | None = None
    text: str = ""

    def accepts(self, c: Cluster) -> bool:
        if self.stages and c.stage not in self.stages:
            return False
        if self.batches and (c.batch or _UNKNOWN) not in self.batches:
            return False
        if self.districts and not any(d in self.districts for d in districts_of(c)):
            return False
        if self.communes and c.commune_2025_code not in self.communes:
            return False
        if self.types and c.cluster_type not in self.types:
            return False
        if self.wwtp and (c.wwtp_status or _UNKNOWN) not in self.wwtp:
            return False
        if self.verified_only and not c.stage_verified:
            return False
        if self.area_min is not None and (c.area_ha is None or c.area_ha < self.area_min):
            return False
        if self.area_max is not None and (c.area_ha is None or c.area_ha > self.area_max):
            return False
        return self.text_score(c) is not None

    def text_score(self, c: Cluster) -> int | None:
        """How well ``c`` matches the search text (``text.match_score``); None: no match."""
        return match_score(
            self.text,
            c.name,
            *c.aliases,
            c.commune_2019,
            c.commune_2025_name,
            c.district_2019,
            c.investor,
        )

    def apply(self, clusters: Iterable[Cluster]) -> list[Cluster]:
        """The clusters the filter accepts; with a search text, the best match first
        (equal matches keep their order)."""
        chosen = [c for c in clusters if self.accepts(c)]
        if self.text.strip():
            chosen.sort(key=lambda c: -(self.text_score(c) or 0))
        return chosen

    def is_default(self) -> bool:
        return self == ClusterFilter()

    def to_query(self) -> dict[str, str]:
        """Query parameters for the parts that differ from the default."""
        out: dict[str, str] = {}
        default = ClusterFilter()
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if f.name in _LISTS:
                out[f.name] = ",".join(value) if value else "-"
            elif isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            else:
                out[f.name] = (
                    ""
                    if value is None
                    else f"{value:g}"
                    if isinstance(value, float)
                    else str(value)
                )
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str | Sequence[str]]) -> ClusterFilter:
        """Read a filter from query parameters, leaving out what it cannot read."""
        return cls.parse_query(params)[0]

    @classmethod
    def parse_query(
        cls, params: Mapping[str, str | Sequence[str]], known: FilterOptions | None = None
    ) -> tuple[ClusterFilter, list[BadLink]]:
        """The filter in query parameters, and a message for each value it cannot read
        (left out of the filter). ``known`` holds the registry's districts and communes, so
        that a name it does not hold is reported too; other parameters are not looked at."""
        kw: dict[str, object] = {}
        problems: list[BadLink] = []
        for name, allowed in _vocabulary(known).items():
            raw = _one(params, name)
            if raw is None:
                continue
            values = () if raw == "-" else tuple(x for x in raw.split(",") if x)
            bad = [v for v in values if allowed is not None and v not in allowed]
            hint = ", ".join(allowed) if allowed and name not in _REGISTRY_LISTS else None
            problems += [_bad_value(name, v, hint) for v in bad]
            good = tuple(v for v in values if v not in bad)
            if good or not bad:  # only bad values: the default, not "any value"
                kw[name] = good
        if (raw := _one(params, "verified_only")) is not None:
            if raw in ("0", "1"):
                kw["verified_only"] = raw == "1"
            else:
                problems.append(_bad_value("verified_only", raw, "0, 1"))
        for name in ("area_min", "area_max"):
            raw = _one(params, name)
            if raw:
                area = _area(raw)
                if area is None:
                    problems.append(_bad_value(name, raw, f"0–{AREA_MAX:g} ha"))
                else:
                    kw[name] = area
        if (raw := _one(params, "text")) is not None:
            if len(raw) > TEXT_MAX:
                problems.append(
                    BadLink(
                        f"Từ tìm kiếm trong đường dẫn dài quá {TEXT_MAX} ký tự; chỉ dùng "
                        f"{TEXT_MAX} ký tự đầu.",
                        f"The search text in the link is longer than {TEXT_MAX} characters; "
                        f"only the first {TEXT_MAX} are used.",
                        field="text",
                    )
                )
            kw["text"] = raw[:TEXT_MAX]
        return cls(**kw), problems  # type: ignore[arg-type]

    def describe(self) -> str:
        """A compact, language-neutral statement of the filter, for exported files."""
        q = self.to_query()
        return "; ".join(f"{k}={v}" for k, v in q.items()) or "all non-removed clusters"


def _one(params: Mapping[str, str | Sequence[str]], name: str) -> str | None:
    """A parameter's value; the last one when the address repeats it."""
    v = params.get(name)
    if v is None or isinstance(v, str):
        return v
    return v[-1] if v else None


def _vocabulary(known: FilterOptions | None) -> dict[str, tuple[str, ...] | None]:
    """The values each list parameter may hold (None: any, when the registry is not known)."""
    return {
        "stages": stages.STAGE_CODES,
        "batches": (*BATCHES, _UNKNOWN),
        "districts": known.districts if known else None,
        "communes": tuple(code for code, _ in known.communes) if known else None,
        "types": CLUSTER_TYPES,
        "wwtp": (*WWTP_STATUSES, _UNKNOWN),
    }


def _area(raw: str) -> float | None:
    """An area in ha from a link, or None when it is not one (negative, too big, nan …)."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0 <= value <= AREA_MAX else None


# The filter widgets' labels name the parameters in messages; "to (ha)" needs its noun.
_LABELS = {"area_max": ("Diện tích đến (ha)", "Area up to (ha)")}


def _bad_value(name: str, value: str, allowed: str | None = None) -> BadLink:
    shown = value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"
    key = f"filter.{name}"
    label_vi, label_en = _LABELS.get(name) or (i18n.t(key, "vi"), i18n.t(key, "en"))
    hint_vi = f" (dùng: {allowed})" if allowed else ""
    hint_en = f" (use: {allowed})" if allowed else ""
    return BadLink(
        f"Đường dẫn có «{shown}» cho «{label_vi}», giá trị không hợp lệ{hint_vi}; đã bỏ qua.",
        f"The link gives '{shown}' for '{label_en}', which is not a valid value{hint_en}; "
        "it was left out.",
        field=name,
    )


def districts_of(c: Cluster) -> list[str]:
    """Former districts named in the record (some clusters straddle two)."""
    if not c.district_2019:
        return []
    return [d.strip() for d in c.district_2019.split(";") if d.strip()]


@dataclass(frozen=True)
class FilterOptions:
    districts: tuple[str, ...]
    communes: tuple[tuple[str, str], ...]  # (2025 code, name)


def options(clusters: Iterable[Cluster]) -> FilterOptions:
    """Values present in the registry, for filter choices, sorted as a planner reads them."""
    cs = list(clusters)
    communes = {
        c.commune_2025_code: c.commune_2025_name or c.commune_2025_code
        for c in cs
        if c.commune_2025_code
    }
    return FilterOptions(
        districts=tuple(sorted({d for c in cs for d in districts_of(c)}, key=fold)),
        communes=tuple(sorted(communes.items(), key=lambda kv: fold(kv[1]))),
    )


@dataclass(frozen=True)
class Tally:
    """What a filter's results add up to: how many clusters, their total decided area (ha,
    where known), how many have an area, and how many are at each stage."""

    count: int
    area_ha: float
    with_area: int
    by_stage: Mapping[str, int]


def tally(clusters: Sequence[Cluster]) -> Tally:
    by_stage: dict[str, int] = {}
    area, with_area = 0.0, 0
    for c in clusters:
        by_stage[c.stage] = by_stage.get(c.stage, 0) + 1
        if c.area_ha is not None:
            area += c.area_ha
            with_area += 1
    return Tally(len(clusters), round(area, 2), with_area, by_stage)


__all__ = [
    "DEFAULT_STAGES",
    "ClusterFilter",
    "FilterOptions",
    "Tally",
    "districts_of",
    "options",
    "tally",
]
