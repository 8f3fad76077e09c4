"""Screenshots of the Uploads wizard (called by screenshots.py): each step on the demo's
exchange-rate file, the rules of a column, and a validation report with errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Save = Callable[[Any, str], Path]


def upload_shots(  # type: ignore[no-untyped-def]
    window, folder: Path, save: Save, wait_for: Callable[..., None], settle: Callable[..., None]
) -> None:
    from dms_desktop.core.uploads import UploadService
    from dms_desktop.core.uploads.demo import demo_uploads

    ws, user = window.ws, window.user
    demo_uploads(ws, user)
    window.show_module("uploads")
    page = window.page("uploads")
    page.refresh()
    wait_for(lambda: page.list.count() >= 2 and not page._list_task.busy)
    page.select("FX_RATES")
    page.open_selected()
    wizard = page.wizard
    wait_for(lambda: wizard.file_step.ready)
    settle(300)
    save(window, "uploads_file")
    wizard.next()
    settle(300)
    save(window, "uploads_preview")
    wizard.next()
    step = wizard.mapping_step
    wait_for(lambda: step.ready and not step.busy)
    step.view.selectRow(2)
    settle(300)
    save(window, "uploads_mapping")
    dialog = step.edit_rules(2)
    save(dialog, "uploads_rules")
    dialog.reject()
    wizard.next()
    wait_for(lambda: wizard.validation_step.result is not None)
    settle(300)
    save(window, "uploads_validation")
    wizard.next()
    wizard.load_step.start()
    wait_for(lambda: wizard.load_step.result is not None)
    settle(300)
    save(window, "uploads_load")

    # The same layout with mistakes in it: the validation report lists them.
    source = Path(wizard.draft.path)
    lines = source.read_bytes().decode("cp1252").split("\r\n")
    lines[3] = lines[3].replace("11.2025", "13.2025")  # no 13th month
    lines[7] = lines[7].replace(";", ";;", 1)  # a value too many
    lines[12] = lines[12].replace(",", "x", 1)  # not a number
    lines[20] = lines[19]  # a repeated date and currency
    lines[33] = lines[33].replace("EZB", "EZB;extra")
    bad = folder / "exchange_rates_2026-02.csv"
    bad.write_bytes("\r\n".join(lines).encode("cp1252"))
    wizard.open_definition(UploadService(ws, user).get("FX_RATES"), str(bad))
    wait_for(lambda: wizard.file_step.ready)
    wizard.next()
    wizard.next()
    wait_for(lambda: step.ready and not step.busy)
    wizard.next()
    wait_for(lambda: wizard.validation_step.result is not None)
    settle(300)
    save(window, "uploads_validation_errors")
