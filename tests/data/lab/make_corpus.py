"""Write the corpus of hostile lab files used by tests/optimizer/test_lab_files.py (run from the repo root).

Each file is one way a spreadsheet or a person can move a value onto the wrong candidate, or make a
reader guess; `EXPECTED` in the test says what viglas must do with it. The files are committed; this
script documents how they were made and remakes them: ``python tests/data/lab/make_corpus.py``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

TEXT = {
    "decimal_comma.csv": ("utf-8", "id,tg_C [degC]\n2,6,5\n"),
    "semicolon_decimal_comma.csv": ("utf-8", "id;tg_C [degC];log10_sigma_30C [mS/cm]\n1;-16,8;1,52\n"),
    "bom_utf8.csv": ("utf-8-sig", "id,tg_C [°C]\n1,-16.8\n"),
    "latin1.csv": ("latin-1", "id,tg_C [°C]\n1,-16.8\n"),
    "utf16.csv": ("utf-16", "id,tg_C [°C]\n1,-16.8\n"),
    "moved_row.csv": ("utf-8", "id,formula,tg_C [degC]\n1,NaAlCl2.5O0.75,-25.5\n"),
    "foreign_metal.csv": ("utf-8", "id,analysed_formula,tg_C [degC]\n1,NaAlCl2.5O0.75,-20\n"),
    "mixed_units.csv": ("utf-8", "id,log10_sigma_30C [S/cm],log10_sigma_30C_std [mS/cm]\n1,0.0015,0.3\n"),
    "two_units.csv": ("utf-8", "id,tg_C [degC],tg_C [K]\n1,-16.8,256.35\n"),
    "duplicate_id.csv": ("utf-8", "id,tg_C [degC]\n1,-16.8\n1,-17.0\n"),
    "failed.csv": ("utf-8", "id,failed\n3,no glass formed (crystallised on quench)\n"),
    "values_and_failed.csv": ("utf-8", "id,tg_C [degC],failed\n3,-10,crystallised\n"),
    "huge_id.csv": ("utf-8", "id,tg_C [degC]\n99999999999999999999999,-16.8\n"),
    "empty.csv": ("utf-8", ""),
    "no_unit.csv": ("utf-8", "id,tg_C\n1,-16.8\n"),
}


def _xlsx(name: str, rows: list[list[object]], merge: str | None = None) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(HERE / name)


def main() -> None:
    for name, (encoding, text) in TEXT.items():
        (HERE / name).write_bytes(text.encode(encoding))
    (HERE / "binary.csv").write_bytes(b"id,tg_C [degC]\x00\x01\x02\n1,-16.8\n")
    header = ["id", "formula", "tg_C [degC]"]
    _xlsx("merged_id.xlsx", [header, [1, "LiAlCl2.5O0.75", -16.8], [None, "NaAlCl2.5O0.75", -25.5]], merge="A2:A3")
    _xlsx("merged_value.xlsx", [header, [1, "LiAlCl2.5O0.75", -16.8], [2, "NaAlCl2.5O0.75", None]], merge="C2:C3")
    _xlsx("formula_uncached.xlsx", [["id", "tg_C [K]", "tg_C_std [K]"], [1, 256.35, "=B2*0.01"]])
    _xlsx("good.xlsx", [["id", "formula", "tg_C [K]", "log10_sigma_30C [mS/cm]"],
                        [1, "LiAlCl2.5O0.75", 256.35, 1.52], [2, "NaAlCl2.5O0.75", 247.65, 1.33]])


if __name__ == "__main__":
    main()
