"""The floor: an empty Streamlit page showing one line of text (run by benchmarks/run.py)."""

from __future__ import annotations

import streamlit as st

st.write("Trang trống · empty page")
