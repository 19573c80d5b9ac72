"""Read an insider Parquet export with pyarrow and print what it holds, for the Rust test to check.

Usage: read_trials.py FILE
Prints one JSON object: num_rows, num_row_groups, schema ([name, arrow type, nullable] per
column), the file's key-value metadata, and every row as a dict (pyarrow's own conversion).
"""
import json
import sys

import pyarrow.parquet as pq

path = sys.argv[1]
table = pq.read_table(path)
metadata = table.schema.metadata or {}
print(
    json.dumps(
        {
            "num_rows": table.num_rows,
            "num_row_groups": pq.ParquetFile(path).num_row_groups,
            "schema": [[f.name, str(f.type), f.nullable] for f in table.schema],
            "metadata": {k.decode(): v.decode() for k, v in metadata.items()},
            "rows": table.to_pylist(),
        }
    )
)
