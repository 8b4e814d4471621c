"""The checkpoint dashboard's code: API client, data, charts and Streamlit UI, each in its own package."""
