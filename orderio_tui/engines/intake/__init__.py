"""Order intake (SPEC §13): readers of order files and the per-order rules.

The readers (:mod:`.icm_xml`, :mod:`.jsonl`) turn a file into orders in their JSON form
(:mod:`orderio_tui.domain.order_json`), one at a time; :mod:`.rules` checks each order on its
own and inserts the valid ones.
"""
