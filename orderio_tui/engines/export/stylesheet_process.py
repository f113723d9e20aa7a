"""The child process that applies an export stylesheet under a memory and CPU limit (SPEC §6.1).

Run as a script (``python stylesheet_process.py STYLESHEET SOURCE TARGET MEMORY_BYTES
CPU_SECONDS``), so that it imports nothing but lxml: it lowers its own address-space and CPU-time
limits first, compiles the stylesheet with every file and network access denied, transforms
``SOURCE`` and writes the result to ``TARGET`` (created exclusively, fsynced). It prints one JSON
line: ``{"sha256", "size"}`` or ``{"error", "memory"}``. The parent
(:func:`~orderio_tui.engines.export.stylesheet.transform_file`) adds the wall-clock limit.

:func:`safe_parser` and :func:`compile_stylesheet` are also what the parent uses to check a
stylesheet before a run, so both sides compile it the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys

from lxml import etree


def safe_parser(*, huge_tree: bool = False) -> etree.XMLParser:
    """A parser without entity resolution, DTD loading or network access."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=huge_tree
    )


def compile_stylesheet(document: etree._ElementTree) -> etree.XSLT:
    """The stylesheet ``document`` compiled with every file and network access denied."""
    return etree.XSLT(document, access_control=etree.XSLTAccessControl.DENY_ALL)  # type: ignore[attr-defined]


def first_line(error_log: object, fallback: str) -> str:
    """The last line of an lxml error log (the one that names the problem)."""
    text = str(error_log).strip()
    return text.splitlines()[-1] if text else fallback


def _came_near(limit: int) -> bool:
    """True when this process's address space came within 10% of ``limit`` bytes.

    libxslt reports a failed allocation as whatever expression it was evaluating ("failed to
    evaluate the expression of variable …"), so the peak is what tells the memory limit apart.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= limit * 0.9
    except OSError:
        pass
    return False


def _transform(stylesheet: str, source: str, target: str, memory: int) -> dict[str, object]:
    try:
        transform = compile_stylesheet(etree.parse(stylesheet, safe_parser()))
        result = transform(etree.parse(source, safe_parser(huge_tree=True)))
        output = bytes(result)
    except MemoryError:
        return {"error": "out of memory", "memory": True}
    except etree.XSLTApplyError as exc:
        log = str(exc.error_log)
        over = "memory allocation" in log.lower() or _came_near(memory)
        return {"error": first_line(log, str(exc)), "memory": over}
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(descriptor, "wb") as sink:
        sink.write(output)
        sink.flush()
        os.fsync(sink.fileno())
    return {"sha256": hashlib.sha256(output).hexdigest(), "size": len(output)}


def main(argv: list[str]) -> int:
    stylesheet, source, target, memory_bytes, cpu_seconds = argv
    memory, cpu = int(memory_bytes), int(cpu_seconds)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    print(json.dumps(_transform(stylesheet, source, target, memory)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
