"""The launcher ``clusters serve`` runs: the entry script as an ASGI app with the session routes.

``streamlit run`` finds the ``st.App`` below and serves it with uvicorn, applying the same
Streamlit options as for a plain script. Laid out beside ``streamlit_app.py``, whose folder
holds the ``static/`` files Streamlit serves at ``app/static/``.
"""

import streamlit as st

from clusters.ui import asgi

app = st.App("streamlit_app.py", routes=asgi.routes())
