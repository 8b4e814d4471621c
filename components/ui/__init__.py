"""Streamlit widgets and layout pieces; each module owns its widget keys. Only app.py composes them."""
