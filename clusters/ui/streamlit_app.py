"""The installed Streamlit entry script that ``clusters serve`` runs. Only routes."""

from clusters.ui.main import main

main()
