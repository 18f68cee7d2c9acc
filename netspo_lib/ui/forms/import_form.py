"""«Импорт данных» (the engineer, R-4.2.b, R-4.2.c): upload a file, choose or detect its
kind, see the column mapping, check it (a dry run with the errors table), then load it;
download the error report; the history of imports.

The form decides nothing about rights: :func:`~netspo_lib.imports.run_import` and
:func:`~netspo_lib.imports.history.import_history` refuse, and the refusal is shown.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib.access import Action, Actor, Resource, allowed
from netspo_lib.errors import NetspoError
from netspo_lib.imports import engine as import_engine
from netspo_lib.imports import kinds as import_kinds
from netspo_lib.imports.detect import column_mapping, detect_kind
from netspo_lib.imports.history import import_history
from netspo_lib.imports.report import write_error_report
from netspo_lib.ui.common import MessageArea, Progress, download_html, guarded, section, table_html
from netspo_lib.ui.forms._shared import private_file, private_folder, safe_file_name

AUTO = "__auto__"
AUTO_LABEL = "Определить автоматически"
ACCEPT = ".xlsx,.csv"
ERROR_COLUMNS = ["Строка", "Столбец", "Ошибка"]
COUNT_LABELS = [
    (import_engine.INSERT, "Будет добавлено"),
    (import_engine.UPDATE, "Будет изменено"),
    (import_engine.UNCHANGED, "Без изменений"),
    (import_engine.REFUSED, "Отклонено"),
]
DONE_LABELS = {
    import_engine.INSERT: "Добавлено",
    import_engine.UPDATE: "Изменено",
    import_engine.UNCHANGED: "Без изменений",
    import_engine.REFUSED: "Отклонено",
}


@dataclass(frozen=True)
class Uploaded:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _content(item: Any) -> bytes:
    content = item.get("content") if isinstance(item, dict) else getattr(item, "content", None)
    if content is None:
        return b""
    return bytes(content)


def problems_frame(result: import_engine.ImportResult) -> pd.DataFrame:
    """The errors table of a run: row (empty for the whole file), column, message."""
    return pd.DataFrame([[p.row or "", p.column, p.message] for p in result.problems], columns=ERROR_COLUMNS)


def counts_frame(result: import_engine.ImportResult, committed: bool = False) -> pd.DataFrame:
    labels = DONE_LABELS if committed else dict(COUNT_LABELS)
    return pd.DataFrame([[labels[key], result.counts[key]] for key, _ in COUNT_LABELS], columns=["", "Строк"])


class ImportForm:
    """The import form; ``widget`` is its root. Inputs: ``upload``, ``kind``; buttons
    ``check_button`` (dry run) and ``commit_button`` (enabled after a clean dry run of the
    same file and kind); outputs ``mapping``, ``counts``, ``errors``, ``report``,
    ``history``, ``messages``, ``progress``; the last run in ``result``."""

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self.messages = MessageArea()
        self.upload = w.FileUpload(accept=ACCEPT, multiple=False, description="Выбрать файл")
        self.file_label = w.HTML("<i>Файл не выбран.</i>")
        self.kind = w.Dropdown(options=self._kind_options(), value=AUTO, description="Вид данных")
        self.kind.style.description_width = "110px"
        self.detected = w.HTML("")
        self.mapping = w.HTML("")
        self.check_button = w.Button(description="Проверить", icon="check", button_style="info")
        self.commit_button = w.Button(
            description="Загрузить в базу", icon="upload", button_style="success", disabled=True
        )
        self.progress = Progress()
        self.counts = w.HTML("")
        self.errors = w.HTML("")
        self.report = w.HTML("")
        self.history = w.HTML("")
        self.refresh_button = w.Button(description="Обновить историю", icon="refresh")
        self.result: import_engine.ImportResult | None = None
        self.report_bytes: bytes | None = None
        self._clean: tuple[str, str] | None = None  # (sha256, kind) of the clean dry run

        self.upload.observe(guarded(self.messages)(self._on_upload), names="value")
        self.kind.observe(guarded(self.messages)(self._on_kind), names="value")
        self.check_button.on_click(guarded(self.messages)(self._on_check))
        self.commit_button.on_click(guarded(self.messages)(self._on_commit))
        self.refresh_button.on_click(guarded(self.messages)(lambda _b: self.refresh_history()))

        self.widget = w.VBox(
            [
                w.HTML("<h2>Импорт данных</h2>"),
                self.messages,
                section(
                    "1. Файл",
                    [
                        w.HTML("Загрузите файл .xlsx или .csv (UTF-8 или Windows-1251)."),
                        w.HBox([self.upload, self.file_label]),
                        self.kind,
                        self.detected,
                    ],
                ),
                section("2. Соответствие столбцов", [self.mapping]),
                section(
                    "3. Проверка и загрузка",
                    [
                        w.HBox([self.check_button, self.commit_button]),
                        self.progress,
                        self.counts,
                        self.errors,
                        self.report,
                    ],
                ),
                section("История загрузок", [self.refresh_button, self.history]),
            ]
        )
        guarded(self.messages)(self._start)()

    # --- setup ------------------------------------------------------------------------------
    @staticmethod
    def _kind_options() -> list[tuple[str, str]]:
        kinds = import_kinds.KINDS.values()  # read at call time: kinds are added over time
        return [(AUTO_LABEL, AUTO), *((k.title.capitalize(), k.name) for k in kinds)]

    def _start(self) -> None:
        with Session(self.engine) as session:
            may = allowed(session, self.actor, Action.DATA_IMPORT, Resource(college_id=self.actor.college_id))
        if not may:  # a convenience only: the library refuses anyway
            for button in (self.check_button, self.commit_button):
                button.layout.display = "none"
        self.refresh_history()

    # --- the uploaded file ------------------------------------------------------------------
    def uploaded(self) -> Uploaded | None:
        """The file in the upload widget, if any."""
        value = self.upload.value
        if not value:
            return None
        item = value[0] if isinstance(value, list | tuple) else next(iter(value.values()))
        name = item.get("name") if isinstance(item, dict) else getattr(item, "name", "")
        return Uploaded(safe_file_name(str(name or "файл")), _content(item))

    def _kind_name(self, file: Uploaded) -> str:
        if self.kind.value != AUTO:
            return str(self.kind.value)
        with private_file(file.data, file.name) as path:
            return detect_kind(path).kind

    def _reset_run(self) -> None:
        self._clean = None
        self.result = None
        self.report_bytes = None
        self.commit_button.disabled = True
        self.counts.value = self.errors.value = self.report.value = ""

    def _on_upload(self, _change: Any = None) -> None:
        self.messages.clear()
        self._reset_run()
        file = self.uploaded()
        if file is None:
            self.file_label.value = "<i>Файл не выбран.</i>"
            self.mapping.value = self.detected.value = ""
            return
        size = f"{len(file.data):,}".replace(",", " ")
        self.file_label.value = f"Файл: <b>{html.escape(file.name)}</b> ({size} байт)"
        self.show_mapping()

    def _on_kind(self, _change: Any = None) -> None:
        self.messages.clear()
        self._reset_run()
        if self.uploaded() is not None:
            self.show_mapping()

    def show_mapping(self) -> None:
        """Show the kind (detected or chosen) and how the file's columns will be read."""
        file = self.uploaded()
        self.mapping.value = self.detected.value = ""
        if file is None:
            return
        with private_file(file.data, file.name) as path:
            if self.kind.value == AUTO:
                found = detect_kind(path)
                kind = import_kinds.kind_by_name(found.kind)
                self.detected.value = (
                    f"Определён вид данных: <b>{html.escape(kind.title)}</b> "
                    f"(строка заголовков {found.header_row}, совпало столбцов: {len(found.matched)})."
                )
            else:
                kind = import_kinds.kind_by_name(str(self.kind.value))
            frame = column_mapping(path, kind)
        self.mapping.value = table_html(frame, empty="В файле нет столбцов.")

    # --- dry run and commit -------------------------------------------------------------------
    def _run(self, file: Uploaded, kind: str, commit: bool) -> import_engine.ImportResult:
        self.progress.start("Загрузка в базу…" if commit else "Проверка файла…")
        try:
            with private_file(file.data, file.name) as path, Session(self.engine) as session:
                result = import_engine.run_import(
                    session, self.actor, kind, path, commit=commit, progress=self.progress.callback
                )
                session.commit()  # the run is kept in the history, dry or not
                if result.problems:
                    self._error_report(path, kind, result)
        finally:
            self.progress.finish()
        return result

    def _error_report(self, source: Any, kind: str, result: import_engine.ImportResult) -> None:
        with private_folder() as folder:
            out = folder / "ошибки_загрузки.xlsx"
            try:
                write_error_report(out, source, import_kinds.kind_by_name(kind), result.problems)
            except NetspoError:
                return  # a file without a header has no rows to mark: the table says it all
            self.report_bytes = out.read_bytes()
        name = f"ошибки_{safe_file_name(result.file_name).rsplit('.', 1)[0]}.xlsx"
        self.report.value = download_html(self.report_bytes, name, "Скачать отчёт об ошибках (.xlsx)")

    def _show(self, result: import_engine.ImportResult, committed: bool) -> None:
        self.counts.value = table_html(counts_frame(result, committed))
        self.errors.value = (
            "<b>Ошибки</b>" + table_html(problems_frame(result), max_rows=500) if result.problems else ""
        )

    def _on_check(self, _button: Any = None) -> None:
        self.messages.clear()
        self._reset_run()
        file = self.uploaded()
        if file is None:
            raise NetspoError("Сначала выберите файл .xlsx или .csv.")
        kind = self._kind_name(file)
        result = self._run(file, kind, commit=False)
        self.result = result
        self._show(result, committed=False)
        if result.ok:
            self._clean = (file.sha256, kind)
            self.commit_button.disabled = False
            self.messages.show(
                f"Проверка пройдена: строк {len(result.rows)}, ошибок нет. Ничего не записано — "
                "нажмите «Загрузить в базу».",
                "success",
            )
        else:
            self.messages.show(
                f"В файле ошибок: {len(result.problems)}. Исправьте их и проверьте файл снова; "
                "ничего не записано.",
                "warning",
            )
        self.refresh_history()

    def _on_commit(self, _button: Any = None) -> None:
        self.messages.clear()
        file = self.uploaded()
        if file is None or self._clean is None or self._clean[0] != file.sha256:
            self.commit_button.disabled = True
            raise NetspoError(
                "Сначала проверьте этот файл кнопкой «Проверить»: загрузка — после проверки без ошибок."
            )
        kind = self._clean[1]
        result = self._run(file, kind, commit=True)
        self.result = result
        self._reset_clean_only()
        self._show(result, committed=result.committed)
        if result.committed:
            self.messages.show(f"Загружено: строк {len(result.rows)}. Изменения записаны в базу.", "success")
        else:
            self.messages.show(
                "Данные изменились после проверки, в файле появились ошибки: ничего не записано.", "warning"
            )
        self.refresh_history()

    def _reset_clean_only(self) -> None:
        self._clean = None
        self.commit_button.disabled = True

    # --- history ------------------------------------------------------------------------------
    def refresh_history(self) -> None:
        with Session(self.engine) as session:
            frame = import_history(session, self.actor, limit=50)
        self.history.value = table_html(frame, empty="Загрузок ещё не было.")
