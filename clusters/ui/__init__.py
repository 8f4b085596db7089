"""The Streamlit app: the only package that imports streamlit and streamlit_folium."""
