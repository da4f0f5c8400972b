"""JUnit XML: one ``<testsuite>`` per file, one failing ``<testcase>`` per finding (a file without
findings has one passing case), for the test tabs of Jenkins, GitLab and Azure Pipelines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from unspin.emitters.diagnostics import TOOL_NAME, EmitContext, FileResult


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    diag_total = sum(len(r.diagnostics) for r in results)
    suites = ET.Element(
        "testsuites",
        name=TOOL_NAME,
        tests=str(sum(max(1, len(r.diagnostics)) for r in results) + len(ctx.problems)),
        failures=str(diag_total),
        errors=str(len(ctx.problems)),
    )
    for result in results:
        diags = result.diagnostics
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=result.path,
            tests=str(max(1, len(diags))),
            failures=str(len(diags)),
            errors="0",
            skipped="0",
        )
        if not diags:
            ET.SubElement(
                suite, "testcase", name=f"{TOOL_NAME} check", classname=result.path, file=result.path
            )
            continue
        for diag in diags:
            where = f"{diag.start.line}:{diag.start.column}" if diag.mapped else "file"
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{diag.code} {diag.name} ({where})",
                classname=result.path,
                file=result.path,
                line=str(diag.start.line),
            )
            failure = ET.SubElement(case, "failure", message=diag.message, type=diag.code)
            failure.text = f"{diag.path}:{where}: {diag.code} [{diag.severity.value}] {diag.message}"
    if ctx.problems:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name="unreadable files",
            tests=str(len(ctx.problems)),
            failures="0",
            errors=str(len(ctx.problems)),
            skipped="0",
        )
        for problem in ctx.problems:
            case = ET.SubElement(
                suite, "testcase", name=problem.path, classname=problem.path, file=problem.path
            )
            ET.SubElement(case, "error", message=problem.message).text = problem.message
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode") + "\n")
