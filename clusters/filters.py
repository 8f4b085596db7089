"""The filter a planner sets on the map, the list and exports — one definition for all.

It round-trips through URL query parameters so a filtered view can be sent as a link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from clusters import stages
from clusters.model import Cluster
from clusters.text import fold, matches

DEFAULT_STAGES = tuple(c for c in stages.STAGE_CODES if c != stages.TERMINAL)
_LISTS = ("stages", "batches", "districts", "communes", "types", "wwtp")
_UNKNOWN = "unknown"  # stands for "not recorded" in batch and wastewater filters


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
        return not self.text.strip() or matches(
            self.text,
            c.name,
            *c.aliases,
            c.commune_2019,
            c.commune_2025_name,
            c.district_2019,
            c.investor,
        )

    def apply(self, clusters: Iterable[Cluster]) -> list[Cluster]:
        return [c for c in clusters if self.accepts(c)]

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
        """Read a filter from query parameters, ignoring what it does not understand."""

        def one(name: str) -> str | None:
            v = params.get(name)
            if v is None:
                return None
            return v if isinstance(v, str) else (v[-1] if v else None)

        kw: dict[str, object] = {}
        for name in _LISTS:
            raw = one(name)
            if raw is not None:
                kw[name] = () if raw == "-" else tuple(x for x in raw.split(",") if x)
        if "stages" in kw:
            kw["stages"] = tuple(s for s in kw["stages"] if stages.is_stage(s))  # type: ignore[attr-defined]
        if (v := one("verified_only")) is not None:
            kw["verified_only"] = v == "1"
        for name in ("area_min", "area_max"):
            raw = one(name)
            if raw:
                with contextlib.suppress(ValueError):
                    kw[name] = float(raw)
        if (v := one("text")) is not None:
            kw["text"] = v[:200]
        return cls(**kw)  # type: ignore[arg-type]

    def describe(self) -> str:
        """A compact, language-neutral statement of the filter, for exported files."""
        q = self.to_query()
        return "; ".join(f"{k}={v}" for k, v in q.items()) or "all non-removed clusters"


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


def summary(clusters: Sequence[Cluster]) -> tuple[int, float]:
    """How many clusters, and their total decided area (ha, where known)."""
    return len(clusters), round(sum(c.area_ha or 0.0 for c in clusters), 2)


__all__ = ["DEFAULT_STAGES", "ClusterFilter", "FilterOptions", "districts_of", "options", "summary"]
