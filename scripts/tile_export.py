"""Repeat an export N times with distinct Session_IDs (each copy's IDs get its copy number appended).

    python scripts/tile_export.py SOURCE.csv OUT.csv --times 10

How ``make bench-validate`` builds its ten-million-row file from the generated million
rows in seconds (generating ten million rows directly takes far longer and over 12 GB).
Rows with an empty Session_ID stay empty, so their copies are exact duplicates of each other.
"""

from __future__ import annotations

import argparse
import csv

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    with open(args.source, encoding="utf-8-sig") as handle:
        header = next(csv.reader([handle.readline()]))
    table = pa_csv.read_csv(args.source, parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                            convert_options=pa_csv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                                  strings_can_be_null=False))
    ids = table["Session_ID"]
    with pa.OSFile(args.out, "wb") as sink, pa_csv.CSVWriter(sink, table.schema) as writer:
        for copy in range(args.times):
            suffixed = pc.if_else(pc.equal(ids, ""), ids, pc.binary_join_element_wise(ids, pa.scalar(str(copy)), ""))
            writer.write_table(table.set_column(0, "Session_ID", suffixed))
    print(f"{args.out}: {table.num_rows * args.times:,} rows")


if __name__ == "__main__":
    main()
