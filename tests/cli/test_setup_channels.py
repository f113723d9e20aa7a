"""`orderio-tui channel list|add|edit|remove` (SPEC §12)."""

from __future__ import annotations


def test_a_channel_added_with_every_option_is_listed_with_them(orderio) -> None:
    added = orderio(
        "channel", "add", "shop-de", "--display-name", "Shop Deutschland", "--currency", "eur",
        "--locale", "de_DE", "--timezone", "Europe/Berlin", "--json",
    )  # fmt: skip
    assert added.code == 0, added.err
    listed = orderio("channel", "list", "--json")
    assert listed.json() == [
        {
            "name": "shop-de",
            "display_name": "Shop Deutschland",
            "store": "shop-de",
            "currency": "EUR",
            "locale": "de_DE",
            "timezone": "Europe/Berlin",
        }
    ]


def test_a_channel_without_options_gets_the_defaults(orderio) -> None:
    assert orderio("channel", "add", "shop").code == 0
    [channel] = orderio("channel", "list", "--json").json()
    assert (channel["currency"], channel["locale"], channel["timezone"]) == ("EUR", "en_US", "UTC")


def test_bad_currency_locale_and_time_zone_are_named_in_one_line_exit_2(
    orderio, db_url: str
) -> None:
    result = orderio(
        "channel", "add", "shop", "--currency", "EURO", "--locale", "german",
        "--timezone", "Europe/Atlantis",
    )  # fmt: skip
    assert result.code == 2
    assert "currency 'EURO' is not a 3-letter ISO 4217 code" in result.err
    assert "locale 'german' is not language_COUNTRY" in result.err
    assert "time zone 'Europe/Atlantis' is not an IANA time zone" in result.err
    assert result.err.strip().count("\n") == 0
    listed = orderio("channel", "list", "--json")
    if db_url.startswith("sqlite"):  # no database file was created for nothing
        assert listed.code == 2 and "does not exist" in listed.json()["error"]
    else:
        assert listed.json() == []


def test_a_second_channel_with_the_same_name_is_refused(orderio) -> None:
    assert orderio("channel", "add", "shop").code == 0
    again = orderio("channel", "add", "shop")
    assert again.code == 2
    assert "channel 'shop' already exists" in again.err


def test_edit_changes_only_the_given_fields(orderio) -> None:
    orderio("channel", "add", "shop", "--currency", "CHF", "--locale", "de_CH")
    edited = orderio("channel", "edit", "shop", "--timezone", "Europe/Zurich", "--json")
    assert edited.code == 0, edited.err
    assert edited.json()["currency"] == "CHF"
    assert edited.json()["locale"] == "de_CH"
    assert edited.json()["timezone"] == "Europe/Zurich"


def test_an_unused_channel_is_removed(orderio) -> None:
    orderio("channel", "add", "shop")
    removed = orderio("channel", "remove", "shop")
    assert removed.code == 0, removed.err
    assert orderio("channel", "list", "--json").json() == []


def test_a_channel_in_use_is_kept_with_a_message_naming_what_uses_it(demo_300) -> None:
    result = demo_300("channel", "remove", "demo-b2c")
    assert result.code == 2
    assert "export configurations bi-export, erp-export" in result.err
    assert "import configuration erp-status" in result.err
    assert "orders" in result.err
    names = [c["name"] for c in demo_300("channel", "list", "--json").json()]
    assert "demo-b2c" in names


def test_removing_an_unknown_channel_lists_the_known_ones(orderio) -> None:
    orderio("channel", "add", "shop")
    result = orderio("channel", "remove", "nope")
    assert result.code == 2
    assert "channel 'nope' does not exist (channels: shop)" in result.err
