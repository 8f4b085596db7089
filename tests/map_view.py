"""What the map page sends the browser, read back as the map's script reads it.

The base map carries ``ClusterLayer.attach(map, config)`` (config with the clusters inline
when the app serves no data route, as under AppTest); each rerun's feature group carries
``ClusterLayer.show(key, mask)``. These helpers decode both, so a test can say which
clusters the map shows without a browser.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

_ATTACH = "ClusterLayer.attach("
_SHOW = re.compile(r'ClusterLayer\.show\(("[^"]*"), (null|"[A-Za-z0-9+/=]*")\);')


def attach_config(script: str) -> dict[str, Any]:
    """The config the base map passes to ``ClusterLayer.attach``."""
    start = script.index(_ATTACH) + len(_ATTACH)
    start = script.index(",", start) + 1
    config, _ = json.JSONDecoder().raw_decode(script[start:].lstrip())
    return config


def show_call(feature_group: str) -> tuple[str, str | None]:
    """(key, mask) of the rerun's ``ClusterLayer.show``."""
    found = _SHOW.search(feature_group)
    assert found, "the feature group shows no clusters"
    return json.loads(found.group(1)), json.loads(found.group(2))


_FIT = re.compile(r"ClusterLayer\.fit\((\[\[[^\]]*\],\[[^\]]*\]\]), (\d+)\);")


def fit_call(feature_group: str) -> tuple[list[list[float]], int] | None:
    """([[south, west], [north, east]], request) of the rerun's ``ClusterLayer.fit``, if any."""
    found = _FIT.search(feature_group)
    return (json.loads(found.group(1)), int(found.group(2))) if found else None


def decode_mask(mask: str | None, count: int) -> list[bool]:
    if mask is None:
        return [True] * count
    bits = base64.b64decode(mask)
    return [bool(bits[i >> 3] >> (i & 7) & 1) for i in range(count)]


def shown_features(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The features the map shows, from the component's arguments (inline data)."""
    config = attach_config(args["script"])
    features = config["data"]["features"]
    key, mask = show_call(args["feature_group"])
    assert key == config["key"], "the filter names another revision than the map's data"
    return [f for f, keep in zip(features, decode_mask(mask, len(features)), strict=True) if keep]


def shown_ids(args: dict[str, Any]) -> list[int]:
    return [f["properties"]["cluster_id"] for f in shown_features(args)]
