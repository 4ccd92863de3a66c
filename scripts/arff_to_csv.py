#!/usr/bin/env python3
"""Converts an ARFF file (optionally .gz) to CSV with a header and a leading 0-based row_id column.

'?' (ARFF's missing value) becomes an empty field. Standard library only.
Usage: arff_to_csv.py INPUT.arff[.gz] OUTPUT.csv
"""
import csv
import gzip
import sys


def main(src, dst):
    opener = gzip.open if src.endswith('.gz') else open
    names, rows = [], 0
    with opener(src, 'rt', encoding='utf-8') as f, open(dst, 'w', newline='', encoding='utf-8') as out:
        writer = None
        in_data = False
        for line in f:
            s = line.strip()
            if not s or s.startswith('%'):
                continue
            if not in_data:
                low = s.lower()
                if low.startswith('@attribute'):
                    rest = s[len('@attribute'):].strip()
                    name = next(csv.reader([rest], delimiter=' ', quotechar="'", skipinitialspace=True))[0]
                    names.append(name)
                elif low.startswith('@data'):
                    in_data = True
                    writer = csv.writer(out)
                    writer.writerow(['row_id'] + names)
                continue
            fields = next(csv.reader([s], quotechar='"', escapechar='\\', skipinitialspace=True))
            if len(fields) != len(names):
                sys.exit(f'{src}: data row {rows + 1} has {len(fields)} fields, expected {len(names)}')
            writer.writerow([rows] + ['' if v == '?' else v for v in fields])
            rows += 1
    if not in_data or rows == 0:
        sys.exit(f'{src}: no @data rows found')
    print(f'{dst}: {rows} rows, {len(names)} columns')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
