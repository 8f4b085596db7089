"""Streamlit entry point: ``streamlit run app.py`` (or ``clusters serve``). Only routes."""

from clusters.ui.main import main

main()
