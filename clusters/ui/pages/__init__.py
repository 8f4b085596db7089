"""One module per page. Each defines ``render()`` and runs it when Streamlit executes the file."""
