"""Development tools shared by tests, benchmarks and scripts: the stand-in API and the app harness.

Not imported by the dashboard itself; everything here may use development dependencies.
"""
