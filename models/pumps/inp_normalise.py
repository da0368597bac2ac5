"""EPANET's own reading of an ``.inp`` file, saved again: a network wntr's reader refuses.

wntr's ``.inp`` reader refuses some files that EPANET 2.2 itself opens and solves: ``SEGMENTS``
in ``[OPTIONS]``, units ``SI``, clock times written with AM/PM where wntr expects a number,
``Quality Chemical TIME``, a default ``Pattern`` that is not defined, ``Statistic Average``, …
Such a file is opened in the EPANET 2.2 toolkit that wntr ships (``ENopen``), which applies
EPANET's own rules (an undefined default pattern, for instance, leaves demands without a
pattern), and saved again (``ENsaveinpfile``) in the canonical form EPANET writes, which wntr
reads. The saved file describes the network EPANET would have solved, to the precision EPANET
2.2.0 writes (most numbers with 4 decimals): on the six networks shipped with epyt that wntr
refuses, the first period's pressures agree with EPANET's reading of the original within
1.2e-4 (psi or m). Forced through the round trip, 4 of the 52 shipped networks move by 0.1 to
2.3 psi, each at a valve or pump whose state sits at a threshold (tank levels are rounded).

Every file of the round trip (the saved file, EPANET's report) lives in a temporary directory
removed before :func:`read_through_epanet` returns: nothing is written beside the user's file or
in the working directory. A file EPANET refuses too is an :class:`~wdnopt.models.errors.InputError`
with EPANET's error code, its message and the lines of EPANET's report that say where.
"""

from __future__ import annotations

import ctypes
import logging
import re
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError, Problem
from wdnopt.models.lazy import lazy_import

wntr = lazy_import("wntr")

logger = logging.getLogger(__name__)

REPORT_LINES = 5
"""Lines of EPANET's report (its per-line input errors) quoted in the error at most."""

WNTR_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\s*STATISTIC\s+)AVERAGE\s*$", re.IGNORECASE | re.MULTILINE), r"\1AVERAGED"),
)
"""Words EPANET writes that wntr's reader spells otherwise (both mean the same to EPANET)."""


def epanet_saved_text(path: Path, *, lock: AbstractContextManager[Any]) -> str:
    """The ``.inp`` text EPANET 2.2 writes for ``path`` after reading it with its own reader.

    ``lock`` is held while the EPANET project is open (EPANET's reader is not thread safe).
    Raises :class:`InputError` with EPANET's error code when EPANET refuses the file.
    """
    with tempfile.TemporaryDirectory(prefix="wdnopt-normalise-") as tmp:
        saved = Path(tmp) / "saved.inp"
        report = Path(tmp) / "epanet.rpt"
        code = _open_and_save(path, saved, report, lock)
        if code:
            raise _refusal(path, code, _report_errors(report))
        return saved.read_text(encoding="latin-1")


def read_through_epanet(
    path: Path, refusal: str, *, lock: AbstractContextManager[Any]
) -> wntr.network.WaterNetworkModel:
    """The network of ``path`` as EPANET 2.2 reads it, loaded by wntr from EPANET's own save.

    ``refusal`` is why wntr's reader refused ``path`` (said in the log and in any error).
    """
    text = for_wntr(epanet_saved_text(path, lock=lock))
    with tempfile.TemporaryDirectory(prefix="wdnopt-normalise-") as tmp:
        saved = Path(tmp) / f"{path.stem}.inp"
        saved.write_text(text, encoding="latin-1")
        try:
            wn = wntr.network.WaterNetworkModel(str(saved))
        except Exception as exc:  # wntr raises many kinds (ENSyntaxError, KeyError, ...)
            raise InputError.single(
                "a valid EPANET .inp network: EPANET 2.2 reads it, but wntr's reader refuses "
                f"both the file ({refusal}) and EPANET's own save of it "
                f"({type(exc).__name__}: {exc})",
                file=path,
            ) from None
    logger.info(
        "%s: normalised through EPANET 2.2's own reader (opened and saved again) because "
        "wntr's reader refused it: %s",
        path,
        refusal,
    )
    return wn


def for_wntr(text: str) -> str:
    """EPANET's save of a network (``text``) in the form wntr's reader reads as EPANET does.

    - Words wntr spells otherwise are rewritten (:data:`WNTR_SPELLINGS`).
    - EPANET 2.2 writes each demand's pattern, none for a demand without one (the original's
      default pattern was not defined), and no default ``PATTERN`` option: a reader would then
      give those demands the pattern ``1``, if there is one. A constant pattern is added and
      made the default, so that they stay constant.
    """
    for pattern, replacement in WNTR_SPELLINGS:
        text = pattern.sub(replacement, text)
    sections = _section_rows(text)
    patterns = {row[0] for row in sections.get("[PATTERNS]", [])}
    unpatterned = any(len(row) == 2 for row in sections.get("[DEMANDS]", []))
    has_default = any(row[0].upper() == "PATTERN" for row in sections.get("[OPTIONS]", []))
    if "1" not in patterns or not unpatterned or has_default:
        return text
    constant = next(
        f"constant{i or ''}"
        for i in range(len(patterns) + 1)
        if f"constant{i or ''}" not in patterns
    )
    text = _append_to_section(text, "[PATTERNS]", f" {constant} 1.0")
    return _append_to_section(text, "[OPTIONS]", f" PATTERN {constant}")


def _section_rows(text: str) -> dict[str, list[list[str]]]:
    """The fields of each data line (comments removed) of each section, by section header."""
    rows: dict[str, list[list[str]]] = {}
    section = ""
    for line in text.splitlines():
        fields = line.split(";", 1)[0].split()
        if not fields:
            continue
        if fields[0].startswith("["):
            section = fields[0].upper()
            rows.setdefault(section, [])
        elif section:
            rows[section].append(fields)
    return rows


def _append_to_section(text: str, header: str, line: str) -> str:
    """``text`` with ``line`` added right after the header line of section ``header``."""
    lines = text.splitlines()
    for i, existing in enumerate(lines):
        if existing.strip().upper().startswith(header):
            return "\n".join([*lines[: i + 1], line, *lines[i + 1 :]]) + "\n"
    return text + f"\n{header}\n{line}\n"


def _open_and_save(path: Path, saved: Path, report: Path, lock: AbstractContextManager[Any]) -> int:
    """Open ``path`` in EPANET (report to ``report``) and save it to ``saved``: EPANET's error
    code, 0 when both succeeded.

    The library's functions are called directly (the toolkit class would log each refusal as an
    error of its own before the caller could say what it means).
    """
    en = wntr.epanet.toolkit.ENepanet(version=2.2)
    lib, project = en.ENlib, en._project
    with lock:
        lib.EN_createproject(ctypes.byref(project))
        try:
            code = int(lib.EN_open(project, _c(path), _c(report), b""))
            if code < 100:
                code = int(lib.EN_saveinpfile(project, _c(saved)))
        finally:
            lib.EN_close(project)  # also after a failed open: frees what the reader made
            lib.EN_deleteproject(project)
    return code if code >= 100 else 0


def _c(path: Path) -> bytes:
    """A path as the EPANET library takes it."""
    return str(path).encode("latin-1")


def _report_errors(report: Path) -> list[str]:
    """EPANET's input errors from its report, each with the line it was found in, except the
    summary (error 200, the code itself)."""
    try:
        lines = report.read_text(encoding="latin-1", errors="replace").splitlines()
    except OSError:
        return []
    errors = []
    for i, line in enumerate(lines):
        text = line.strip()
        if not text.lower().startswith("error") or text.lower().startswith("error 200:"):
            continue
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if following and not following.lower().startswith("error"):
            text += " " + " ".join(following.split())
        errors.append(text)
    return errors[:REPORT_LINES] + (["…"] if len(errors) > REPORT_LINES else [])


def _refusal(path: Path, code: int, details: list[str]) -> InputError:
    """The :class:`InputError` for a file EPANET refuses with error ``code``."""
    message = wntr.epanet.exceptions.EN_ERROR_CODES.get(code, "unknown error")
    message = message.replace("(%s)", "").replace("%s", "").strip(" ,")  # the file is named
    expected = f"a valid EPANET .inp network (EPANET 2.2 refuses it: error {code}, {message})"
    problems = [Problem("", expected, None, str(path))]
    problems += [Problem("", f"EPANET {line}", None, str(path)) for line in details]
    return InputError(problems)
