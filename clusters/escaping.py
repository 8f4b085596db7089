"""THE escaping function for every user string that reaches the map's HTML or JavaScript.

Folium puts tooltip text inside JavaScript template literals and Leaflet inserts tooltip
content as HTML, so one function neutralises both: HTML markup and quotes, and the
template-literal syntax (backtick, ``$``, braces, backslash). The result reads the same in a
browser, as plain text.
"""

from __future__ import annotations

_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "$": "&#x24;",
    "{": "&#x7B;",
    "}": "&#x7D;",
    "\\": "&#x5C;",
}
_TABLE = str.maketrans(_ENTITIES)


def escape(text: object) -> str:
    """Text safe inside HTML (content or quoted attribute) and inside a JS template literal.

    ``None`` becomes the empty string; anything else is converted with ``str`` first.
    """
    if text is None:
        return ""
    return str(text).translate(_TABLE)
