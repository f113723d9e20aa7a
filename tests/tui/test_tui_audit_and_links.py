"""Links between screens (SPEC §16): a run's per-order result opens the order, a run opens a
preview of its file; a configuration screen shows its audit trail."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static, TextArea
from tui_fixtures import open_erp_export, type_text, wait_for

from orderio_tui.tui.app import OrderioApp
from orderio_tui.tui.configuration.audit_screen import AuditTrailScreen
from orderio_tui.tui.history.file_preview import FilePreviewScreen
from orderio_tui.tui.history.run_detail import RunDetailScreen
from orderio_tui.tui.history.screen import RunHistoryScreen
from orderio_tui.tui.main.screen import MainScreen
from orderio_tui.tui.orders.detail import OrderDetailScreen


async def _run_erp_export(pilot, app: OrderioApp) -> None:
    await pilot.press("down", "r")  # bi-export, then erp-export
    await wait_for(pilot, lambda: not app.active_runs, timeout=60, what="the run to end")


async def test_enter_on_a_result_opens_the_order_and_p_previews_the_runs_file(
    app: OrderioApp,
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await _run_erp_export(pilot, app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        results = app.screen.query_one("#results", DataTable)
        await wait_for(pilot, lambda: results.row_count > 0)
        document_no = str(results.get_row_at(0)[1])  # after the retry mark column

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        header = str(app.screen.query_one("#order-header", Static).render())
        assert f"Order {document_no} · channel 'demo-b2c'" in header

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePreviewScreen))
        path = app.screen.paths[0]
        title = str(app.screen.query_one("#preview-title", Static).render())
        assert title.startswith(path) and "read-only" in title
        preview = app.screen.query_one("#preview", TextArea)
        assert preview.read_only
        shown, stored = preview.text.splitlines(), Path(path).read_text().splitlines()[:200]
        assert len(shown) == len(stored) and shown[0] == stored[0]
        for line, full in zip(shown, stored, strict=True):  # long lines are cut at 1000
            assert line == full or (len(line) == 1000 and full.startswith(line[:-1]))


async def test_the_preview_of_a_deleted_file_says_so_and_a_long_file_shows_200_lines(
    app: OrderioApp,
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await _run_erp_export(pilot, app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        [run] = app.screen.runs.values()
        path = Path(run.files[0])
        path.write_text("".join(f"line {n} " + "x" * 5000 + "\n" for n in range(1000)))

        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePreviewScreen))
        lines = app.screen.query_one("#preview", TextArea).text.splitlines()
        assert len(lines) == 200
        assert lines[199].startswith("line 199 ") and len(lines[199]) == 1000
        assert "first 200 lines" in str(app.screen.query_one("#preview-title", Static).render())

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RunHistoryScreen))
        path.unlink()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePreviewScreen))
        title = str(app.screen.query_one("#preview-title", Static).render())
        assert str(path) in title and "no longer exists" in title
        assert not app.screen.query_one("#preview", TextArea).display


async def test_f7_shows_the_audit_trail_of_the_configuration(app: OrderioApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = await open_erp_export(pilot)
        await pilot.press("tab", "tab")
        assert app.focused is screen.query_one("#description", Input)
        await pilot.press("ctrl+u")
        await type_text(pilot, "changed here")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditTrailScreen))
        table = app.screen.query_one("#audit", DataTable)
        assert table.row_count == 1  # the demo's own setup is not a change
        newest = [str(cell) for cell in table.get_row_at(0)]
        assert newest[2] == "update" and "→ changed here" in newest[3]
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
