"""This dashboard's own files: the versioned export of one run or a comparison, and the CSV downloads.

Imports run one way, from the bottom up:

- ``schema``: the document (``ft-checkpoint-dashboard-export``), what it holds and how a document from
  outside is checked;
- ``json_file`` and ``parquet_file``: the document as a JSON file and as a Parquet file (and one frame as a
  Parquet blob, the archive store's tables), each on ``schema`` alone;
- ``download``: the smaller of the two files, and the names downloads are saved under;
- ``csv_file``: a table as CSV a spreadsheet opens without running a cell as a formula.

Which file is what is told from its first bytes by ``components.sources.file_kinds``. No Streamlit here.
"""
