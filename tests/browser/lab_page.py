"""Where things are on a JupyterLab page with the MolSys-AI sidebar, and the few gestures the
browser tests share (open a cell, run it, wait for the kernel)."""

from __future__ import annotations

from playwright.sync_api import expect

SIDEBAR = "#molsys-ai-sidebar"
SIDEBAR_TAB = '.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="molsys-ai-sidebar"]'
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def sidebar(page):
    return page.locator(SIDEBAR)


def cells(page):
    return page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell")


def answers(page):
    return sidebar(page).locator(".jp-MolsysAI-message.jp-MolsysAI-assistant")


def add_cell(page, source: str):
    """A new code cell at the end of the notebook, holding ``source``; the cell."""
    count = cells(page).count()
    cells(page).last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    expect(cells(page)).to_have_count(count + 1)
    cells(page).last.locator(".jp-InputArea .cm-content").click()
    page.keyboard.insert_text(source)
    expect(cells(page).last.locator(".jp-InputArea .cm-content")).to_contain_text(source.splitlines()[-1])
    return cells(page).last


def run_cell(page, cell) -> None:
    cell.locator(".jp-InputArea .cm-content").click()
    page.keyboard.press("Control+Enter")  # run in place: no new cell


def wait_for_kernel(page, timeout_ms: int = 60_000) -> None:
    expect(page.locator(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=timeout_ms)
