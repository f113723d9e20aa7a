"""Reading configuration files: line numbers and every problem of a file's shape (SPEC §12)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from orderio_tui.application.config_file.lines import LineIndex
from orderio_tui.application.config_file.reading import read_config
from orderio_tui.domain.statuses import ScheduleMode, ScheduleUnit


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.key, p.message) for p in read_config(text).problems]


def test_lines_of_keys_count_the_arrays_of_tables() -> None:
    text = (
        "[[export]]\n"  # 1
        'name = "a"\n'  # 2
        "[export.schedule]\n"  # 3
        "every = 5\n"  # 4
        "[[export]]\n"  # 5
        'name = "b"\n'  # 6
        "[export.conditions]\n"  # 7
        "order_statuses = [\n"  # 8
        '  "NEW",\n'  # 9
        '  "every = 3",\n'  # 10
        "]\n"  # 11
        'skus = ["x"]\n'  # 12
        "[export.schedule]\n"  # 13
        "every = 7\n"  # 14
    )
    lines = LineIndex(text)
    assert lines.line("export", 0, ("schedule", "every")) == 4
    assert lines.line("export", 1, ("schedule", "every")) == 14
    assert lines.line("export", 1, ("conditions", "skus")) == 12
    assert lines.line("export", 1, ("conditions", "order_statuses")) == 8
    assert lines.line("export", 1, ("conditions", "customer_id")) == 7
    assert lines.line("export", 0, ("description",)) == 1


def test_lines_skip_multi_line_strings_and_find_dotted_keys() -> None:
    text = (
        "[[import]]\n"  # 1
        'description = """\n'  # 2
        "name = not a key\n"  # 3
        '"""\n'  # 4
        'name = "status"\n'  # 5
        "schedule.every = 2\n"  # 6
    )
    lines = LineIndex(text)
    assert lines.line("import", 0, ("name",)) == 5
    assert lines.line("import", 0, ("schedule", "every")) == 6
    assert lines.line("import", 0, ("schedule",)) == 6


def test_an_unknown_key_names_the_nearest_known_one() -> None:
    assert _problems('[[channel]]\nname = "shop"\ncurency = "EUR"\n') == [
        (3, "channel.curency", "unknown key: did you mean 'currency'?")
    ]


def test_an_unknown_table_names_the_known_ones() -> None:
    [(line, key, message)] = _problems('[[chanel]]\nname = "shop"\n')
    assert (line, key) == (1, "chanel")
    assert message == "unknown table: did you mean 'channel'?"


def test_a_plain_table_where_an_array_of_tables_belongs_is_named() -> None:
    [(_, key, message)] = _problems('[channel]\nname = "shop"\n')
    assert key == "channel"
    assert message == "must be an array of tables written [[channel]], not table"


def test_wrong_types_say_what_is_expected() -> None:
    text = (
        "[[service]]\n"
        'name = "in"\n'
        'kind = "order-status-import-xml"\n'
        'directory = "/tmp"\n'
        'min_file_age_seconds = "2"\n'
        "enabled = 1\n"
    )
    assert _problems(text) == [
        (5, "service.min_file_age_seconds", "must be a whole number without quotes, e.g. 5, "
         "not string"),
        (6, "service.enabled", "must be true or false, not integer"),
    ]  # fmt: skip


def test_a_number_too_big_for_the_database_is_out_of_range() -> None:
    text = (
        '[[export]]\nchannel = "c"\nname = "e"\nservice = "s"\n'
        "[export.conditions]\nmax_orders = 99999999999\n"
    )
    [(line, key, message)] = _problems(text)
    assert (line, key) == (6, "export.conditions.max_orders")
    assert message.startswith("99999999999 is out of range")


def test_a_key_of_another_service_kind_is_named_with_the_kinds_it_applies_to() -> None:
    text = '[[service]]\nname = "out"\nkind = "order-export-xml"\ndirectory = "/tmp"\n'
    text += 'file_pattern = "*.xml"\n'
    assert _problems(text) == [
        (
            5,
            "service.file_pattern",
            "applies only to order-status-import-xml, order-intake-xml, order-intake-jsonl "
            "services: remove it",
        )
    ]


def test_an_xslt_service_without_a_stylesheet_is_named() -> None:
    text = '[[service]]\nname = "csv"\nkind = "order-export-xslt"\ndirectory = "/tmp"\n'
    assert _problems(text) == [
        (1, "service.stylesheet", "a order-export-xslt service needs stylesheet = …")
    ]


def test_mandatory_keys_and_unknown_enumeration_values() -> None:
    text = '[[service]]\nname = "x"\nkind = "ftp"\n'
    assert _problems(text) == [
        (3, "service.kind", "unknown value 'ftp': use one of order-export-xml, "
         "order-export-xslt, order-status-import-xml, order-intake-xml, order-intake-jsonl"),
        (1, "service.directory", "directory is mandatory: add directory = …"),
    ]  # fmt: skip


def test_a_valid_export_table_becomes_the_form_the_tui_would_make() -> None:
    config = read_config(
        "[[export]]\n"
        'channel = " shop "\n'
        'name = "erp"\n'
        'service = "out"\n'
        "status_updates = false\n"
        'order_transitions = { NEW = "INPROGRESS" }\n'
        "[export.schedule]\n"
        'mode = "interval"\n'
        "every = 1\n"
        'unit = "days"\n'
        'at = "02:30"\n'
        "[export.conditions]\n"
        'fulfillment_statuses = ["NEW"]\n'
        'gross_max = "99.5"\n'
        "created_from = 2026-11-01T01:00:00+01:00\n"
        "only_not_exported = true\n"
    )
    assert config.problems == []
    [entry] = config.of("export")
    assert (entry.channel, entry.name, entry.label) == ("shop", "erp", "export shop/erp")
    form = entry.form
    assert form.status_updates_enabled is False
    assert form.order_transitions == {"NEW": "INPROGRESS"}
    assert (form.schedule.mode, form.schedule.every) == (ScheduleMode.INTERVAL, 1)
    assert (form.schedule.unit, form.schedule.at) == (ScheduleUnit.DAYS, "02:30")
    assert form.line_item_statuses == ["NEW"]
    assert form.order_statuses == ["NEW"]
    assert form.gross_max == Decimal("99.5")
    assert form.created_from == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert form.only_not_exported is True


def test_a_date_that_is_not_a_date_is_named() -> None:
    text = '[[export]]\nchannel = "c"\nname = "e"\nservice = "s"\n'
    text += '[export.conditions]\ncreated_to = "next week"\n'
    [(line, key, message)] = _problems(text)
    assert (line, key) == (6, "export.conditions.created_to")
    assert "'next week' is not a date" in message
